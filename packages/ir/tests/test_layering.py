import subprocess
import sys


def test_imports_without_jaxlib_or_jax():
    code = (
        "import sys, pullback_ir; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib')); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_version():
    import pullback_ir

    assert pullback_ir.__version__.count(".") == 2
