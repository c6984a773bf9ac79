"""Run the JAX programs of a test suite with JAX and record what they print.

Run: `python -m hatch -e jax010 run python benchmarks/record_ports.py [NAME ...]` for the port
programs (tests/ports/programs -> tests/data/ports_jax.json), and
`python -m hatch -e eco run python benchmarks/record_ports.py --ecosystem [NAME ...]` for the
programs that use optax, chex, equinox and flax (tests/ecosystem/programs ->
tests/data/ecosystem_jax.json; the `eco` environment has those libraries and, as their
dependency, jax 0.10.2).

Each program is an ordinary JAX script that ends by printing `RESULT <json>`; the test of each
suite runs it on pullback and compares with the recorded results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jax

ROOT = Path(__file__).resolve().parents[1]
SUITES = {
    "ports": (ROOT / "tests" / "ports" / "programs", ROOT / "tests" / "data" / "ports_jax.json"),
    "ecosystem": (
        ROOT / "tests" / "ecosystem" / "programs",
        ROOT / "tests" / "data" / "ecosystem_jax.json",
    ),
}


def main() -> None:
    args = sys.argv[1:]
    suite = "ports"
    if args and args[0] == "--ecosystem":
        suite, args = "ecosystem", args[1:]
    PROGRAMS, OUT = SUITES[suite]
    names = args or sorted(p.stem for p in PROGRAMS.glob("*.py"))
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    for name in names:
        proc = subprocess.run([sys.executable, str(PROGRAMS / f"{name}.py")], env=env,
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode or not lines:
            print(f"{name}: FAILED\n{proc.stderr[-2000:]}")
            continue
        results[name] = json.loads(lines[-1][len("RESULT ") :])
        print(f"{name}: ok")
    OUT.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT} (jax {jax.__version__})")


if __name__ == "__main__":
    main()
