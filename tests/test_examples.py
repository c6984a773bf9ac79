"""The examples run and reach their goals (small step counts, each in a fresh process)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(name, *args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "1"}
    out = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True,
                         text=True, timeout=300, env=env, check=True)  # fmt: skip
    return out.stdout


def test_mlp_training_demo_reduces_the_loss():
    out = _run("mlp_training.py", "--steps", "120")
    line = next(s for s in out.splitlines() if "loss on all data" in s)
    before, after = (float(v) for v in line.split(":")[1].split("->"))
    assert after < 0.5 * before
    assert "loss curve" in out


def test_per_example_gradients_match_the_loop():
    out = _run("per_example_gradients.py")
    assert float(out.strip().splitlines()[-1].split(":")[1]) < 1e-3


def test_newton_finds_the_minimum():
    assert "reached the minimum (1, 1): True" in _run("newton_hessian.py")


def test_maml_runs_and_improves():
    out = _run("maml.py", "40")
    losses = [float(s.split()[-1]) for s in out.splitlines() if "post-adaptation" in s]
    assert losses[-1] < losses[0]


@pytest.mark.skipif(sys.platform == "win32", reason="virtual CPU devices")
def test_data_parallel_pmap_learns_and_replicas_agree():
    out = _run("data_parallel_pmap.py")
    assert "4 devices" in out
    assert "replicas agree: True" in out
    assert float(out.splitlines()[-3].split()[-1]) < 1e-3
