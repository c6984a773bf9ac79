"""JAX's extension points on pullback (the compatibility package behind the alias): primitives
defined the way equinox and flax define theirs, with JAX-signature rules, run eagerly and under
jit, grad and vmap; the alias's module fronts; custom_vjp with symbolic zeros."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback._jax.extend import core as jex, linear_util as lu
from pullback._jax.interpreters import ad, batching, mlir, partial_eval as pe

# A primitive as a library writes it: cube(x) = x ** 3, single result.
cube_p = jex.Primitive("test_cube")
cube_p.def_impl(lambda x: x * x * x)
cube_p.def_abstract_eval(lambda x: pb.core.ShapedArray(x.shape, x.dtype))
ad.primitive_jvps[cube_p] = lambda primals, tangents: (
    cube_p.bind(primals[0]),
    3 * primals[0] ** 2 * ad.instantiate_zeros(tangents[0]),
)
batching.primitive_batchers[cube_p] = lambda args, dims: (cube_p.bind(args[0]), dims[0])
mlir.register_lowering(cube_p, mlir.lower_fun(lambda x: x * x * x, multiple_results=False))

# A linear two-result primitive, with a transpose rule: (2x, -x).
split_p = jex.Primitive("test_split")
split_p.multiple_results = True
split_p.def_impl(lambda x: [2 * x, -x])
split_p.def_abstract_eval(lambda x: [x, x])
ad.primitive_jvps[split_p] = lambda primals, tangents: (
    split_p.bind(*primals),
    split_p.bind(ad.instantiate_zeros(tangents[0])),
)
ad.primitive_transposes[split_p] = lambda cts, x: [
    2 * ad.instantiate_zeros(cts[0]) - ad.instantiate_zeros(cts[1])
]
mlir.register_lowering(split_p, mlir.lower_fun(lambda x: [2 * x, -x], multiple_results=True))


def test_primitive_eager_jit_and_jaxpr():
    x = jnp.array([1.0, 2.0, -3.0])
    np.testing.assert_allclose(cube_p.bind(x), [1.0, 8.0, -27.0])
    assert isinstance(cube_p.bind(x), pb.Array)
    np.testing.assert_allclose(pb.jit(lambda v: cube_p.bind(v) + 1)(x), [2.0, 9.0, -26.0])
    assert "test_cube" in str(pb.make_jaxpr(cube_p.bind)(x))
    a, _ = split_p.bind(x)
    np.testing.assert_allclose(a, 2 * np.asarray(x))
    np.testing.assert_allclose(pb.jit(lambda v: split_p.bind(v)[1])(x), -np.asarray(x))
    assert cube_p in ad.primitive_jvps
    assert cube_p.name == "test_cube"


def test_primitive_rules_under_transformations():
    x = jnp.array([1.0, 2.0, -3.0])
    g = pb.grad(lambda v: jnp.sum(cube_p.bind(v)))(x)
    np.testing.assert_allclose(g, 3 * np.asarray(x) ** 2)
    np.testing.assert_allclose(pb.jit(pb.grad(lambda v: jnp.sum(cube_p.bind(v))))(x), g)
    np.testing.assert_allclose(pb.vmap(cube_p.bind)(x.reshape(3, 1)).ravel(), np.asarray(x) ** 3)
    # reverse mode through the transpose rule of a linear primitive
    g2 = pb.grad(lambda v: jnp.sum(split_p.bind(v)[0] * 3 + split_p.bind(v)[1]))(x)
    np.testing.assert_allclose(g2, [5.0, 5.0, 5.0])
    _, vjp = pb.vjp(lambda v: split_p.bind(v), x)
    np.testing.assert_allclose(vjp([jnp.ones(3), jnp.ones(3)])[0], [1.0, 1.0, 1.0])


def test_missing_rules_and_mlir_rules_are_clear():
    p = jex.Primitive("test_bare")
    with pytest.raises(NotImplementedError, match="abstract evaluation rule"):
        pb.jit(p.bind)(1.0)
    p.def_abstract_eval(lambda x: x)
    with pytest.raises(NotImplementedError, match="no impl"):
        p.bind(1.0)
    with pytest.raises(NotImplementedError, match="lowering"):
        pb.jit(p.bind)(1.0)
    q = jex.Primitive("test_raw_mlir")
    q.def_impl(lambda x: x)
    q.def_abstract_eval(lambda x: x)
    mlir.register_lowering(q, lambda ctx, x: [x])
    with pytest.raises(NotImplementedError, match="builds JAX MLIR operations"):
        pb.jit(q.bind)(1.0)


def test_avals_and_trace_state():
    a = pb.core.ShapedArray((3, 4), np.float32)
    assert jex.mapped_aval(3, 0, a).shape == (4,)
    assert jex.unmapped_aval(5, 1, a).shape == (3, 5, 4)
    assert jex.get_opaque_trace_state() == jex.get_opaque_trace_state()
    seen = []
    pb.jit(lambda v: seen.append(jex.get_opaque_trace_state()) or v)(1.0)
    assert seen[0] != jex.get_opaque_trace_state()


def test_partial_eval_known_and_unknown():
    def f(a, b):
        return [a * 2, a + b]

    in_pvals = [pe.PartialVal.known(jnp.asarray(3.0)), pe.PartialVal.unknown(
        pb.core.ShapedArray((), np.float32))]  # fmt: skip
    _, out_pvals, _ = pe.trace_to_jaxpr_nounits(lu.wrap_init(f), in_pvals)
    assert out_pvals[0].is_known()
    assert float(out_pvals[0].get_known()) == 6.0
    assert not out_pvals[1].is_known()


def test_custom_vjp_symbolic_zeros_gives_primals_with_perturbed_flags():
    seen = []

    @pb.custom_vjp
    def f(x, y):
        return x * y

    def fwd(x, y):
        seen.append((type(x).__name__, x.perturbed, y.perturbed))
        return x.value * y.value, (x.value, y.value)

    def bwd(res, g):
        x, y = res
        return g * y, g * x

    f.defvjp(fwd, bwd, symbolic_zeros=True)
    assert float(pb.grad(f)(2.0, 5.0)) == 5.0
    assert seen == [("CustomVJPPrimal", True, False)]


def test_lax_primitive_objects():
    assert pb.lax.stop_gradient_p.name == "stop_gradient"
    assert pb.lax.add_p.name == "add"
    jaxpr = pb.make_jaxpr(lambda x: x + 1)(1.0)
    assert jaxpr.jaxpr.eqns[0].primitive is pb.lax.add_p


ALIAS_SCRIPT = r"""
import jax, jax.numpy as jnp
assert jax.__version__ == "0.10.2" and jax.__version_info__ == (0, 10, 2), jax.__version__
assert jax.version.__version__ == "0.10.2"
assert jnp.__name__ == "jax.numpy" and jnp.ones(2).shape == (2,)
from jax.experimental import hijax, checkify
from jax import flatten_util
assert flatten_util.ravel_pytree([jnp.ones(2)])[0].shape == (2,)
import jax.extend.core, jax.interpreters.ad, jax._src.traceback_util
assert jax.extend.core.Primitive is not None and jax.api_util.flatten_fun is not None
assert isinstance(jax.Ref, type)
try:
    jax.new_ref(1.0)
except NotImplementedError as e:
    assert "mutable array references" in str(e)
try:
    jax.not_a_name
except AttributeError as e:
    assert "pullback does not provide jax.not_a_name" in str(e), e
try:
    import jax.not_a_module
except ModuleNotFoundError as e:
    assert "pullback has no 'pullback.not_a_module'" in str(e), e
import pullback
assert "extend" not in vars(pullback) and not hasattr(pullback, "__version_info__")
print("OK")
"""


def test_alias_module_fronts():
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(ALIAS_SCRIPT)
    proc = subprocess.run(
        [sys.executable, "-m", "pullback", f.name], capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.strip().endswith("OK"), proc.stderr[-3000:]


def test_tracers_are_instances_of_array():
    seen = []

    def f(x):
        seen.append(isinstance(x, pb.Array))
        return x * 2

    pb.jit(f)(1.0)
    pb.grad(f)(1.0)
    pb.vmap(f)(jnp.ones(3))
    assert seen == [True, True, True]
    assert isinstance(jnp.ones(2), pb.Array)
    assert isinstance(pb.random.key(0), pb.Array)
    assert not isinstance(np.ones(2), pb.Array)
    assert not isinstance(1.0, pb.Array)


def test_alias_jax_from_inside_a_program():
    script = (
        "import pullback\n"
        "pullback.alias_jax()\n"
        "import jax, jax.numpy as jnp\n"
        "assert jax.grad(lambda x: jnp.sin(x))(0.0) == 1.0\n"
        "assert jax.__version__ == '0.10.2'\n"
        "print('OK')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert proc.stdout.strip() == "OK", proc.stderr[-2000:]


def test_names_the_libraries_reach_for():
    # optax: lax.broadcast_shapes, tree.reduce_associative (JAX's pairing order); equinox and
    # flax: lax.with_sharding_constraint (the identity on one device)
    assert pb.lax.broadcast_shapes((2, 1), (3,)) == (2, 3)
    with pytest.raises(ValueError, match="Incompatible shapes"):
        pb.lax.broadcast_shapes((2,), (3,))
    order = pb.tree.reduce_associative(lambda a, b: f"({a}{b})", ["a", "b", "c", "d", "e"])
    assert order == "((ab)(c(de)))"
    assert pb.tree.reduce_associative(lambda a, b: a + b, [], identity=0) == 0
    with pytest.raises(TypeError, match="identity"):
        pb.tree.reduce_associative(lambda a, b: a + b, [])
    one = pb.sharding.SingleDeviceSharding(pb.devices()[0])
    out = pb.jit(lambda x: pb.lax.with_sharding_constraint(x * 2, one))(jnp.ones(2))
    np.testing.assert_array_equal(out, [2.0, 2.0])
    if len(pb.devices()) > 1:
        mesh = pb.make_mesh((len(pb.devices()),), ("i",))
        with pytest.raises(NotImplementedError, match="devices"):
            pb.lax.with_sharding_constraint(jnp.ones(4), pb.NamedSharding(mesh, pb.P("i")))


def test_private_names_under_the_alias():
    # chex.set_n_cpu_devices reads jax._src.xla_bridge._backends (without importing it) to see
    # whether the CPU backend started; flax reads traceback_util._exclude_paths,
    # dtypes.supports_inf and core.physical_aval; equinox annotates with jax.core.Atom.
    script = (
        "import pullback\n"
        "pullback.alias_jax()\n"
        "import jax, jax._src.traceback_util, jax._src.dtypes\n"
        "assert jax._src.xla_bridge._backends == {}\n"
        "jax.devices()\n"
        "assert 'cpu' in jax._src.xla_bridge._backends\n"
        "jax._src.traceback_util._exclude_paths.append('/x')\n"
        "assert '/x' in jax._src.traceback_util._exclude_paths\n"
        "sup = jax._src.dtypes.supports_inf\n"
        "assert sup(jax.numpy.float32) and sup(jax.numpy.float8_e5m2)\n"
        "assert not sup(jax.numpy.float8_e4m3fn) and not sup(jax.numpy.int8)\n"
        "a = jax.core.ShapedArray((2,), jax.numpy.float32)\n"
        "assert jax.core.physical_aval(a) is a\n"
        "assert jax.core.Atom is not None and callable(jax.core.find_top_trace)\n"
        "print('OK')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert proc.stdout.strip() == "OK", proc.stderr[-2000:]
