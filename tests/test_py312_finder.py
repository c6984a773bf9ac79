"""scripts/py312.py finds an installed CPython 3.12 for hatch (PATH, then pyenv) or skips."""

from __future__ import annotations

import importlib.util
import stat
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "py312.py"


def _load():
    spec = importlib.util.spec_from_file_location("py312", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _fake_python(path: Path, answer: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {answer}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_newest_pyenv_patch_release_wins(tmp_path, monkeypatch):
    root = tmp_path / "pyenv"
    for version in ("3.12.3", "3.12.10", "3.11.9", "3.13.0"):
        exe = root / "versions" / version / "bin" / f"python{version[:4]}"
        _fake_python(exe, f"{exe} CPython {version.split('.')[0]} {version.split('.')[1]}")
    monkeypatch.setenv("PYENV_ROOT", str(root))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    exe, searched = _load().find_python()
    assert exe == str(root / "versions" / "3.12.10" / "bin" / "python3.12")
    assert searched[0] == "python3.12 on PATH"


def test_a_working_python_on_path_comes_first(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    _fake_python(bin_dir / "python3.12", "/opt/py/bin/python3.12 CPython 3 12")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    assert _load().find_python()[0] == "/opt/py/bin/python3.12"


def test_a_broken_shim_or_wrong_version_is_passed_over(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    _fake_python(bin_dir / "python3.12", "pyenv: python3.12: command not found; exit 127")
    root = tmp_path / "pyenv"
    _fake_python(root / "versions" / "3.12.1" / "bin" / "python3.12", "/x/python3.12 PyPy 3 12")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PYENV_ROOT", str(root))
    exe, searched = _load().find_python()
    assert exe is None
    assert searched == ["python3.12 on PATH", f"{root}/versions/3.12.*"]


@pytest.mark.parametrize("argv", [["newest:test"], ["newest:test", "-k", "x"]])
def test_without_python_the_leg_is_skipped_with_the_reason(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "empty-root"))
    assert _load().main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("SKIPPED hatch run newest:test: no CPython 3.12 found")
    assert "python3.12 on PATH" in out


def test_a_target_without_an_environment_is_a_usage_error(capsys):
    assert _load().main(["test"]) == 2
    assert "ENV:SCRIPT" in capsys.readouterr().out
