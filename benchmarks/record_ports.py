"""Run the port programs (tests/ports/programs) with JAX and record what they print.

Run: `python -m hatch -e bench run python benchmarks/record_ports.py [NAME ...]`.

Each program is an ordinary JAX script that ends by printing `RESULT <json>`; the results go to
tests/data/ports_jax.json, which tests/ports/test_ports.py compares pullback's runs with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jax

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = ROOT / "tests" / "ports" / "programs"
OUT = ROOT / "tests" / "data" / "ports_jax.json"


def main() -> None:
    names = sys.argv[1:] or sorted(p.stem for p in PROGRAMS.glob("*.py"))
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
