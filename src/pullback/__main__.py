"""`python -m pullback SCRIPT [ARGS...]`: run an unmodified JAX program on pullback.

The script runs as `__main__` with `import jax` (and `jax.numpy`, `jax.lax`, ...) resolving to
pullback's modules; `sys.argv` is the script and its arguments, as with `python SCRIPT`.
"""

from __future__ import annotations

import runpy
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the script named in `argv` (default: the command line) under the JAX alias."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m pullback SCRIPT [ARGS...]\n\nRun a JAX program on pullback: "
              "`import jax` resolves to pullback.")  # fmt: skip
        return 0 if args else 2
    from pullback import _jax_alias

    _jax_alias.enable()
    sys.argv = list(args)
    runpy.run_path(args[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
