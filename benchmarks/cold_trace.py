"""Cold vs warm trace time of scenarios this process has never seen, in one process.

After the server's warm-up (app.engine.tasks.warm_up: import TensorFlow, run each layer kind
and operation once on the default structure), a seeded set
of distinct classroom-size scenarios (1-2 LSTM/GRU/SimpleRNN layers of 4-32 units, batch 2-8,
5-20 timesteps, 2-10 batches, one of call/predict/predict_on_batch/train_on_batch/fit) is
traced: first cold (a model structure the process has not built), then warm (median of
repeats). Each scenario is then traced again with only the seed changed, and with only the
data and the number of batches changed: both must cost about the warm time (no rebuild, no
retrace). Last, 3-epoch `fit`s of new structures, cold then warm.
Prints one line per scenario and, last,
`RESULT cold_vs_warm=<median ratio> fit_cold_vs_warm=<median ratio>` (goals: <= 4 and <= 2).
Timings on a shared machine are noisy: compare runs of this one script, not across scripts.

`--grappler both` runs the whole set twice in fresh processes, with TensorFlow's Grappler graph
optimizer off (the app's setting, app/engine/tfenv.py) and on (TensorFlow's default), and prints
both RESULT lines and the ratio of their cold medians.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine import tasks, tracer
from app.scenario import Scenario

OPS = ["call", "predict", "predict_on_batch", "train_on_batch", "fit"]


def scenario(
    layers: list[dict[str, Any]], batch: int, steps: int, batches: int, op: str, seed: int
) -> Scenario:
    return Scenario.model_validate(
        {
            "model": {"layers": layers},
            "data": {"preset": "sine", "n_sequences": batch, "length": steps * batches},
            "batching": {"batch_size": batch, "timesteps": steps, "layout": "lanes"},
            "schedule": {"ops": [{"op": op}]},
            "seed": seed,
        }
    )


def structure(s: Scenario) -> tuple[Any, ...]:
    return (s.model.model_dump_json(), s.batching.batch_size, s.batching.timesteps)


def classroom_set(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """n scenarios with pairwise distinct model structures, none the default one."""
    seen = {structure(Scenario())}
    out: list[dict[str, Any]] = []
    while len(out) < n:
        units = rng.randint(4, 32)
        layers = [
            {"kind": rng.choice(["LSTM", "GRU", "SimpleRNN"]), "units": units}
            for _ in range(rng.randint(1, 2))
        ]
        parts = {
            "layers": layers,
            "batch": rng.randint(2, 8),
            "steps": rng.randint(5, 20),
            "batches": rng.randint(2, 10),
            "op": OPS[len(out) % len(OPS)],  # every op, in turn
            "seed": rng.randint(0, 1000),
        }
        key = structure(scenario(**parts))
        if key not in seen:
            seen.add(key)
            out.append(parts)
    return out


def once_ms(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    return statistics.median(once_ms(fn) for _ in range(repeat))


def describe(parts: dict[str, Any]) -> str:
    layers = "+".join(f"{x['kind']}({x['units']})" for x in parts["layers"])
    return (
        f"{layers:24} b={parts['batch']} t={parts['steps']:2} n={parts['batches']:2} {parts['op']}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenarios", type=int, default=10)
    ap.add_argument("--fits", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--grappler", choices=["off", "on", "both"], default="off")
    args = ap.parse_args()
    if args.grappler == "both":
        return compare_grappler(sys.argv[1:])
    if args.grappler != ("on" if os.environ.get("LSL_GRAPPLER") == "1" else "off"):
        sys.exit("Grappler is set when TensorFlow is imported: use LSL_GRAPPLER=1 for on")

    t0 = time.perf_counter()
    tasks.warm_up()  # the server's warm-up
    print(f"warm-up (as the server does, first in process): {time.perf_counter() - t0:.2f} s")

    rng = random.Random(args.seed)
    sets = classroom_set(args.scenarios + args.fits, rng)
    fits, sets = sets[args.scenarios :], sets[: args.scenarios]
    ratios, colds, warms = [], [], []
    for parts in sets:
        s = scenario(**parts)
        cold = once_ms(lambda s=s: tracer.run(s))
        warm = median_ms(lambda s=s: tracer.run(s), args.repeat)
        # First runs with only the seed, then the data and the batch count changed.
        reseeded = scenario(**{**parts, "seed": parts["seed"] + 1})
        seed_only = once_ms(lambda s=reseeded: tracer.run(s))
        more = scenario(**{**parts, "batches": parts["batches"] + 1, "seed": parts["seed"] + 2})
        other_data = once_ms(lambda s=more: tracer.run(s))
        ratios.append(cold / warm)
        colds.append(cold / 1000)
        warms.append(warm / 1000)
        print(
            f"{describe(parts)}  cold {cold:7.1f} ms  warm {warm:6.1f} ms  "
            f"ratio {cold / warm:5.1f}  seed-only {seed_only:6.1f} ms  "
            f"data+batches {other_data:6.1f} ms"
        )

    # 3-epoch fits of structures not seen yet.
    fit_ratios = []
    for parts in fits:
        parts = {**parts, "op": "fit"}
        fit = Scenario.model_validate(
            {
                **scenario(**parts).model_dump(),
                "schedule": {"ops": [{"op": "fit", "epochs": 3}]},
            }
        )
        cold = once_ms(lambda fit=fit: tracer.run(fit))
        warm = median_ms(lambda fit=fit: tracer.run(fit), args.repeat)
        fit_ratios.append(cold / warm)
        colds.append(cold / 1000)
        warms.append(warm / 1000)
        print(
            f"{describe(parts)} x3 epochs  cold {cold:7.1f} ms  warm {warm:6.1f} ms  "
            f"ratio {cold / warm:5.1f}"
        )
    print(
        f"RESULT cold_vs_warm={statistics.median(ratios):.2f} "
        f"fit_cold_vs_warm={statistics.median(fit_ratios):.2f} "
        f"cold_median_s={statistics.median(colds):.3f} warm_median_s={statistics.median(warms):.3f}"
    )


def compare_grappler(argv: list[str]) -> None:
    """The same scenarios in two fresh processes, Grappler off then on."""
    argv = [a for a in argv if a not in ("--grappler", "both")]
    found = {}
    for mode in ("off", "on"):
        out = subprocess.run(
            [sys.executable, __file__, *argv, "--grappler", mode],
            env={**os.environ, "LSL_GRAPPLER": "1" if mode == "on" else "0"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT"))
        print(f"grappler {mode}: {line}")
        found[mode] = dict(kv.split("=") for kv in line.split()[1:])
    off, on = found["off"], found["on"]
    print(
        f"RESULT cold_off_vs_on={float(off['cold_median_s']) / float(on['cold_median_s']):.2f} "
        f"warm_off_vs_on={float(off['warm_median_s']) / float(on['warm_median_s']):.2f}"
    )


if __name__ == "__main__":
    main()
