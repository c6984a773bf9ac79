"""Shared benchmark harness: time cases in a child process per implementation, print ratios.

pullback and JAX never share a process (importing jax patches jaxlib's classes). Each
`bench_<area>.py` defines `cases(impl) -> dict[name, zero-argument callable]` and calls
`main(__file__, cases)`; run with no arguments it times both implementations side by side.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import timeit
from collections.abc import Callable


def time_call(fn: Callable[[], object], repeats: int = 7, min_time: float = 0.2) -> float:
    """Median seconds per call over `repeats` runs of an auto-sized loop."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    return statistics.median(t / number for t in timer.repeat(repeat=repeats, number=number))


def _child(cases: Callable[[str], dict[str, Callable[[], object]]], impl: str) -> None:
    results = {name: time_call(fn) for name, fn in cases(impl).items()}
    print(json.dumps(results))


def _run_child(path: str, impl: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, path, "--impl", impl], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(path: str, cases: Callable[[str], dict[str, Callable[[], object]]]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", choices=["pullback", "jax"])
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternate the two implementations' processes this many times (machine noise "
        "drifts between processes; the median over rounds is reported)",
    )
    args = parser.parse_args()
    if args.impl:
        _child(cases, args.impl)
        return
    have_jax = importlib.util.find_spec("jax") is not None
    ours_runs: list[dict[str, float]] = []
    theirs_runs: list[dict[str, float]] = []
    for _ in range(max(1, args.rounds)):
        ours_runs.append(_run_child(path, "pullback"))
        if have_jax:
            theirs_runs.append(_run_child(path, "jax"))
    print(f"{'case':40s} {'pullback':>12s} {'jax':>12s} {'ratio':>8s}  per-round ratios")
    for name in ours_runs[0]:
        t = statistics.median(r[name] for r in ours_runs)
        js = [r[name] for r in theirs_runs if name in r]
        j = statistics.median(js) if js else None
        jtxt = f"{j * 1e6:10.2f}us" if j else "         n/a"
        ratio = f"{t / j:7.2f}x" if j else "     n/a"
        rounds = " ".join(
            f"{o[name] / r[name]:.2f}" for o, r in zip(ours_runs, theirs_runs, strict=False)
        )
        print(f"{name:40s} {t * 1e6:10.2f}us {jtxt} {ratio}  {rounds}")
    if not have_jax:
        print("(jax is not installed: run through `hatch run bench:...` to compare)")
