"""JAX's extension and private modules, as far as JAX's ecosystem uses them.

Under the alias (`python -m pullback`), `jax.extend.*`, `jax.interpreters.*`, `jax._src.*` and
`jax.custom_derivatives` resolve to the modules of this package. Each is thin: it maps JAX's
names and rule signatures onto pullback's own objects and rule tables. pullback's own packages
never import it. COMPATIBILITY.md lists what each module provides and what it lacks.
"""
