"""Run benchmark areas: `python benchmarks/run.py [area ...]` (all areas when none are named)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    areas = sys.argv[1:] or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    for area in areas:
        print(f"== {area}")
        subprocess.run([sys.executable, str(HERE / f"bench_{area}.py")], check=True)


if __name__ == "__main__":
    main()
