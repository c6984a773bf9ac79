"""Library programs on pullback vs JAX, side by side: `hatch run eco:bench`.

Each program in this folder (an optax MLP, an equinox CNN, a flax.linen CNN) runs as a whole
script in fresh processes: with JAX (`python prog.py`, the eco environment has jax 0.10.2 as the
libraries' dependency) and with pullback (`python -m pullback prog.py`), alternately, RUNS times
each, so that the machine's drift falls on both alike. Reported: the steady jitted training step
(each run reports its best batch of steps; the median over runs) and the whole-script wall time
(imports, tracing, compiling and the timed steps; the median over runs), with pullback/JAX
ratios. Both systems must end at the same loss.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
PROGRAMS = ["optax_mlp", "equinox_cnn", "flax_cnn"]
RUNS = int(os.environ.get("ECO_BENCH_RUNS", "5"))


def _run(cmd: list[str]) -> tuple[float, dict[str, float]]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "JAX_PLATFORMS": "cpu"}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"{cmd} failed:\n{proc.stderr[-3000:]}")
    return wall, json.loads(lines[-1][len("BENCH ") :])


def main() -> None:
    names = sys.argv[1:] or PROGRAMS
    print(f"{'program':<14}{'step JAX':>12}{'step pb':>12}{'ratio':>8}"
          f"{'script JAX':>13}{'script pb':>12}{'ratio':>8}")  # fmt: skip
    for name in names:
        path = str(HERE / f"{name}.py")
        jax_runs, pb_runs = [], []
        for _ in range(RUNS):
            jax_runs.append(_run([sys.executable, path]))
            pb_runs.append(_run([sys.executable, "-m", "pullback", path]))
        jl, pl = jax_runs[0][1]["loss"], pb_runs[0][1]["loss"]
        if abs(jl - pl) > 1e-4 * max(1.0, abs(jl)):
            raise RuntimeError(f"{name}: final loss {pl} on pullback, {jl} on JAX")
        js = statistics.median(r[1]["step_us"] for r in jax_runs)
        ps = statistics.median(r[1]["step_us"] for r in pb_runs)
        jw = statistics.median(r[0] for r in jax_runs)
        pw = statistics.median(r[0] for r in pb_runs)
        print(f"{name:<14}{js:>10.0f}us{ps:>10.0f}us{ps / js:>8.2f}"
              f"{jw:>12.2f}s{pw:>11.2f}s{pw / jw:>8.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
