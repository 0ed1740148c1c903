// The explorer's transport: play/pause, speed, step, step a batch, back, reset_states() now,
// and their keys (space, → / shift+→, ←, r, Home). Each sends its command on the live socket.

import { t } from "./i18n.js";

const BUTTONS = ["play", "back", "step", "step-batch", "reset-now"];

export class Transport {
  /** `send(command)` sends on the live socket; `store` is read for the position. */
  constructor(send, store) {
    this.send = send;
    this.store = store;
    this.playing = false;
    const $ = (id) => document.getElementById(id);
    this.el = Object.fromEntries([...BUTTONS, "speed"].map((id) => [id, $(id)]));
    this.el.play.addEventListener("click", () => this.toggle());
    this.el.speed.addEventListener("change", () => {
      if (!this.playing) return;
      store.fast = this.speed() > 6;
      send({ type: "play", speed: this.speed() });
    });
    this.el.step.addEventListener("click", () => this.stopThen({ type: "step" }));
    this.el["step-batch"].addEventListener("click", () => this.stopThen({ type: "step_batch" }));
    this.el.back.addEventListener("click", () => {
      this.setPlaying(false);
      if (store.position >= 0) send({ type: "seek", position: store.position - 1 });
    });
    // the server pauses on any command
    this.el["reset-now"].addEventListener("click", () => this.stopThen({ type: "reset_states" }));
    document.addEventListener("keydown", (e) => this.key(e));
  }

  speed() { return Number(this.el.speed.value); }

  enable(on) {
    for (const id of BUTTONS) this.el[id].disabled = !on;
  }

  setPlaying(on) {
    this.playing = on;
    this.store.fast = on && this.speed() > 6;
    this.el.play.textContent = t(on ? "js.main.pause" : "js.main.play");
    this.el.play.setAttribute("aria-pressed", String(on));
  }

  stopThen(command) {
    this.setPlaying(false);
    this.send(command);
  }

  toggle() {
    if (this.playing) return this.stopThen({ type: "pause" });
    if (this.store.position >= this.store.steps - 1) this.send({ type: "seek", position: -1 }); // replay
    this.send({ type: "play", speed: this.speed() });
    this.setPlaying(true);
  }

  key(e) {
    if (e.target.closest && e.target.closest("input, select, textarea, #tour")) return;
    if (e.key === " ") { e.preventDefault(); this.el.play.click(); }
    else if (e.key === "ArrowRight") { e.preventDefault(); this.el[e.shiftKey ? "step-batch" : "step"].click(); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); this.el.back.click(); }
    else if (e.key === "r") this.el["reset-now"].click();
    else if (e.key === "Home") this.stopThen({ type: "seek", position: -1 });
  }
}
