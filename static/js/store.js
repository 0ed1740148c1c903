// What the page knows: the run's structure (summary) and the frames received so far.

export class Store {
  constructor() {
    this.summary = null;
    this.frames = new Map();
    this.position = -1;
    this.layer = 0;
    this.row = 0;
    this.unit = 0;
  }

  load(summary) {
    // A recomputed run (reset now, set state) keeps its past: keep frames up to its position.
    for (const p of [...this.frames.keys()]) if (p > summary.position) this.frames.delete(p);
    this.summary = summary;
    this.position = summary.position;
    this.layer = Math.min(this.layer, summary.model.layers.length - 1);
    this.row = Math.min(this.row, this.rows() - 1);
  }

  clear() {
    this.frames.clear();
    this.position = -1;
  }

  add(frame) {
    this.frames.set(frame.position, frame);
    this.position = frame.position;
  }

  get steps() { return this.summary ? this.summary.steps : 0; }
  get T() { return this.summary.model.timesteps; }
  rows() {
    if (!this.summary) return 0;
    return Math.max(...this.summary.batches.map((b) => b.rows.length));
  }
  current() { return this.frames.get(this.position) || null; }
}
