"""What the typed trace document costs, side by side in one run, on a large trace.

Scenario: 2-layer stateful LSTM, batch 32, 10 timesteps, 2 epochs of fit (60 batches, ~6,000
rows and hand-offs). Timed, medians of --repeat runs:
- run:      app.engine.tracer.run (Keras, recompute, verification);
- document: building the TraceDoc through the models (app/engine/document.py);
- plain:    schemas.plain(doc, arrays=True), what the socket and the API serialise;
- pydantic: doc.model_dump(mode="json"), pydantic's own serialiser, for comparison;
- pickle:   the document through pickle (the trace worker's pipe) vs its plain form.
Last line: RESULT document_vs_run=… plain_vs_pydantic=… pickle_doc_vs_plain=…
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine import tracer
from app.scenario import Scenario
from app.schemas import plain

LARGE = Scenario.model_validate(
    {
        "data": {"preset": "ramp", "n_sequences": 64, "length": 150},
        "batching": {"batch_size": 32, "timesteps": 10},
        "model": {
            "layers": [
                {"kind": "LSTM", "units": 8, "stateful": True},
                {"kind": "LSTM", "units": 8, "stateful": True},
            ]
        },
        "schedule": {"ops": [{"op": "fit", "epochs": 2}]},
    }
)


def _median_s(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tracer.run(LARGE)  # warm: the structure's Keras functions traced once
    trace = tracer.run(LARGE)
    doc = trace.document()
    data = plain(doc, arrays=True)
    t = {
        "run": _median_s(lambda: tracer.run(LARGE), max(1, args.repeat // 2)),
        "document": _median_s(trace.document, args.repeat),
        "plain": _median_s(lambda: plain(doc, arrays=True), args.repeat),
        "pydantic": _median_s(lambda: doc.model_dump(mode="json"), max(1, args.repeat // 2)),
        "pickle_doc": _median_s(lambda: pickle.loads(pickle.dumps(doc, 5)), args.repeat),
        "pickle_plain": _median_s(lambda: pickle.loads(pickle.dumps(data, 5)), args.repeat),
    }
    print(f"batches {len(doc.batches)}, rows {doc.model.batch_size}")
    for name, s in t.items():
        print(f"{name:13} {s * 1e3:9.1f} ms (median)")
    print(
        f"RESULT document_vs_run={t['document'] / t['run']:.4f} "
        f"plain_vs_pydantic={t['plain'] / t['pydantic']:.3f} "
        f"pickle_doc_vs_plain={t['pickle_doc'] / t['pickle_plain']:.2f}"
    )


if __name__ == "__main__":
    main()
