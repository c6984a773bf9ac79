"""PJRT plugin discovery (without importing the plugin packages) and backend choice by
JAX_PLATFORMS / jax_platforms, with fake plugins: no accelerator needed."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap

import pytest
from pullback_compile import _jaxlib, set_platforms


def _fake_jax_plugins(root, *names):
    # JAX's layout: jax_plugins/<xla_platformN>/{__init__.py, xla_<platform>_plugin.so}.
    for name in names:
        d = root / "jax_plugins" / name
        d.mkdir(parents=True)
        # (the real __init__ imports jax: discovery must not run it)
        (d / "__init__.py").write_text("raise RuntimeError('a plugin package was imported')\n")
        (d / f"xla_{name.removeprefix('xla_').rstrip('0123456789')}_plugin.so").write_bytes(b"")
    return root


def test_plugins_in_the_jax_plugins_namespace_are_found_without_importing_them(
    tmp_path, monkeypatch
):
    root = _fake_jax_plugins(tmp_path, "xla_cuda13", "xla_rocm7")
    (root / "jax_plugins" / "not_a_plugin").mkdir()  # a folder without a plugin library
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delenv("PULLBACK_PJRT_PLUGINS", raising=False)
    importlib.invalidate_caches()
    found = _jaxlib._plugin_paths()
    assert found["cuda"] == str(root / "jax_plugins" / "xla_cuda13" / "xla_cuda_plugin.so")
    assert found["rocm"] == str(root / "jax_plugins" / "xla_rocm7" / "xla_rocm_plugin.so")
    assert "not_a_plugin" not in found
    assert not any(m.startswith("jax_plugins.") for m in sys.modules)
    # An explicit PULLBACK_PJRT_PLUGINS entry wins over a discovered one.
    monkeypatch.setenv("PULLBACK_PJRT_PLUGINS", "cuda:/opt/my_cuda_plugin.so")
    assert _jaxlib._plugin_paths()["cuda"] == "/opt/my_cuda_plugin.so"


def _run(code, **env):
    full = {**os.environ, **env}
    full.pop("PULLBACK_NUM_CPU_DEVICES", None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, env=full)  # fmt: skip


def test_jax_platforms_cpu_skips_the_plugins(tmp_path):
    out = _run(
        """
        import warnings
        warnings.simplefilter("error")  # a plugin tried and failed would warn
        from pullback_compile import _jaxlib
        print(list(_jaxlib.clients()), _jaxlib.default_backend())
        """,
        JAX_PLATFORMS="cpu",
        PULLBACK_PJRT_PLUGINS=f"fake:{tmp_path / 'missing.so'}",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["['cpu']", "cpu"]


def test_a_platform_asked_for_but_unusable_fails_clearly(tmp_path):
    out = _run(
        """
        from pullback_compile import _jaxlib
        _jaxlib.clients()
        """,
        JAX_PLATFORMS="fake,cpu",
        PULLBACK_PJRT_PLUGINS=f"fake:{tmp_path / 'missing.so'}",
    )
    assert out.returncode != 0
    assert "PJRT plugin 'fake'" in out.stderr  # the warning naming the broken plugin
    assert "Unable to initialize backend 'fake'" in out.stderr


def test_the_first_platform_asked_for_is_the_default():
    out = _run(
        """
        import pullback_compile
        pullback_compile.set_platforms("cpu")
        print(pullback_compile.default_backend())
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "cpu"


def test_after_the_backends_start_a_missing_platform_is_refused():
    _jaxlib.clients()
    set_platforms("cpu")  # there: accepted
    with pytest.raises(ValueError, match="platform 'tpu' is not available"):
        set_platforms("tpu,cpu")
