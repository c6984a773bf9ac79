"""Shared benchmark harness: time cases in a child process per implementation, print ratios.

pullback and JAX never share a process (importing jax patches jaxlib's classes). Each
`bench_<area>.py` defines `cases(impl) -> dict[name, zero-argument callable]` and calls
`main(__file__, cases)`; run with no arguments it times both implementations side by side:
one long-lived child process each, asked to time the same case in turn, round after round,
so that both see the same machine (its speed drifts over seconds on a shared VM), and several
such pairs one after another (a process's own speed varies with where it lands). The ratio
reported is the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import statistics
import subprocess
import sys
import tempfile
import timeit
from collections.abc import Callable
from typing import Any


def time_call(fn: Callable[[], object], repeats: int = 7, min_time: float = 0.2) -> float:
    """Median seconds per call over `repeats` runs of an auto-sized loop."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    return statistics.median(t / number for t in timer.repeat(repeat=repeats, number=number))


def _child(cases: Callable[[str], dict[str, Callable[[], object]]], impl: str) -> None:
    results = {name: time_call(fn) for name, fn in cases(impl).items()}
    print(json.dumps(results))


def _serve(cases: Callable[[str], dict[str, Callable[[], object]]], impl: str) -> None:
    # Build the cases once, then time the one named on each stdin line (sizing its loop the
    # first time) and answer with the median seconds per call of three repeats.
    table = cases(impl)
    print(json.dumps(list(table)), flush=True)
    numbers: dict[str, int] = {}
    for line in sys.stdin:
        name = json.loads(line)
        timer = timeit.Timer(table[name])
        if name not in numbers:
            numbers[name] = max(1, timer.autorange()[0])
        n = numbers[name]
        print(json.dumps(statistics.median(t / n for t in timer.repeat(3, n))), flush=True)


class _Server:
    """A child process of one implementation that times cases on request."""

    def __init__(self, path: str, impl: str) -> None:
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by close())
        self.proc = subprocess.Popen(
            [sys.executable, path, "--impl", impl, "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
        )  # fmt: skip
        self.names: list[str] = self._answer()

    def _answer(self) -> Any:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.log.seek(0)
            raise RuntimeError(f"benchmark child failed:\n{self.log.read()[-4000:]}")
        return json.loads(line)

    def time(self, name: str) -> float:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(name) + "\n")
        self.proc.stdin.flush()
        return float(self._answer())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()
        self.log.close()


def _time_pair(path: str, rounds: int, have_jax: bool) -> dict[str, list[tuple[float, float]]]:
    # One pair of children; per case, `rounds` (ours, theirs) timings taken in alternation.
    ours = _Server(path, "pullback")
    theirs = _Server(path, "jax") if have_jax else None
    out: dict[str, list[tuple[float, float]]] = {}
    try:
        for name in ours.names:
            both = theirs is not None and name in theirs.names
            times = out[name] = []
            for r in range(rounds):
                # Alternate who goes first, so neither always follows the other's run.
                j = theirs.time(name) if both and r % 2 else math.nan  # type: ignore[union-attr]
                o = ours.time(name)
                if both and not r % 2:
                    j = theirs.time(name)  # type: ignore[union-attr]
                times.append((o, j))
    finally:
        ours.close()
        if theirs is not None:
            theirs.close()
    return out


def main(path: str, cases: Callable[[str], dict[str, Callable[[], object]]]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", choices=["pullback", "jax"])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="per pair of processes, time each case this many times in each implementation, "
        "the two alternating case by case (machine speed drifts over seconds)",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=3,
        help="start this many pairs of processes one after another (a process's own speed "
        "varies too); medians over every round of every pair are reported",
    )
    args = parser.parse_args()
    if args.impl:
        (_serve if args.serve else _child)(cases, args.impl)
        return
    have_jax = importlib.util.find_spec("jax") is not None
    runs = [_time_pair(path, max(1, args.rounds), have_jax) for _ in range(max(1, args.pairs))]
    print(f"{'case':40s} {'pullback':>12s} {'jax':>12s} {'ratio':>8s}  per-round ratios")
    for name in runs[0]:
        times = [t for run in runs for t in run.get(name, [])]
        mine = statistics.median(o for o, _ in times)
        if have_jax and not any(math.isnan(j) for _, j in times):
            ratios = [o / j for o, j in times]
            jtxt = f"{statistics.median(j for _, j in times) * 1e6:10.2f}us"
            rtxt = f"{statistics.median(ratios):7.2f}x"
            rounds = " ".join(f"{x:.2f}" for x in ratios)
        else:
            jtxt, rtxt, rounds = "         n/a", "     n/a", ""
        print(f"{name:40s} {mine * 1e6:10.2f}us {jtxt} {rtxt}  {rounds}", flush=True)
    if not have_jax:
        print(
            "(jax is not installed: run through `python scripts/py312.py bench:...` or "
            "`hatch run jax010:...` to compare)"
        )
