"""JAX's ecosystem on pullback: programs written as users of optax, chex (and, as they come to
run, equinox and flax) write them, run unchanged with `import jax` resolving to pullback, and
compared with what the same scripts printed under JAX 0.10.2 (recorded by
`benchmarks/record_ports.py --ecosystem`).

These tests need the libraries: they run in the `eco` hatch environment (`hatch run eco:test`,
part of the README's test command). The real jax is installed there as the libraries'
dependency; the tests check that it is never imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
PROGRAMS = sorted(p.stem for p in (HERE / "programs").glob("*.py"))
RECORDED = json.loads((HERE.parent / "data" / "ecosystem_jax.json").read_text())
RTOL, ATOL = 2e-4, 2e-5

# A library's own deprecation notices are not failures of pullback.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_PROBE = """
import sys
from pullback.__main__ import main
main([sys.argv[1]])
real = sorted(n for n, m in list(sys.modules.items())
              if (getattr(m, "__file__", None) or "").replace("\\\\", "/").count("/jax/")
              and not n.startswith(("jaxlib", "jaxtyping")))
print("REAL_JAX_MODULES " + ",".join(real))
"""


def _real_jax_modules() -> list[str]:
    return sorted(
        n
        for n, m in list(sys.modules.items())
        if (n == "jax" or n.startswith("jax."))
        and not getattr(m, "__name__", "").startswith("pullback")
    )


def test_every_program_was_recorded():
    assert len(PROGRAMS) >= 20
    assert set(PROGRAMS) <= set(RECORDED), set(PROGRAMS) - set(RECORDED)


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_matches_jax(name, run_program, compare_results):
    got = run_program(HERE / "programs" / f"{name}.py")
    compare_results(got, RECORDED[name], name, RTOL, ATOL)
    assert _real_jax_modules() == []


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_runs_with_python_m_pullback(name, compare_results):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(HERE / "programs" / f"{name}.py")],
        capture_output=True, text=True, timeout=240, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    result = [ln for ln in lines if ln.startswith("RESULT ")]
    assert result, proc.stdout[-2000:]
    compare_results(json.loads(result[-1][len("RESULT ") :]), RECORDED[name], name, RTOL, ATOL)
    (probe,) = [ln for ln in lines if ln.startswith("REAL_JAX_MODULES")]
    assert probe.split(" ", 1)[1:] in ([], [""]), probe


def test_the_real_jax_is_installed_but_refused():
    # The libraries depend on jax, so it is installed beside pullback; enabling the alias after
    # it was imported is a clear error, and the alias never falls through to it.
    proc = subprocess.run(
        [sys.executable, "-c",
         "import jax, pullback._jax_alias as a\n"
         "try:\n    a.enable()\nexcept RuntimeError as e:\n    print('refused:', e)"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "refused: the real jax is already imported" in proc.stdout, proc.stderr[-2000:]
