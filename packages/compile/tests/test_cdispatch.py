"""The C dispatcher of jit calls (`_cdispatch`) and its pure-Python equivalent.

Where the extension is built, `JitFunction` calls run through it; the same tests of jit must
hold with it off (PULLBACK_NO_CEXT=1 selects the Python dispatcher, run in a subprocess).
"""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import sysconfig
import weakref
from pathlib import Path

import numpy as np
import pytest
from pullback_compile import DeletedArrayError, device_put, devices, jit
from pullback_compile.jit import dispatch_in_c
from pullback_ir import enable_x64, lax

SO = Path(__import__("pullback_compile").__file__).parent / (
    "_cdispatch" + str(sysconfig.get_config_var("EXT_SUFFIX"))
)


def _compiler() -> bool:
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    return shutil.which(cc.split()[0]) is not None


def test_extension_is_built_and_used_where_a_compiler_exists():
    if os.environ.get("PULLBACK_NO_CEXT"):
        assert not dispatch_in_c()
        return
    if _compiler():
        assert SO.exists(), f"{SO.name} was not built (packages/compile/hatch_build.py)"
    assert dispatch_in_c() == SO.exists()


def _xs():
    return device_put(np.arange(3, dtype=np.float32)), device_put(np.ones(3, np.float32))


def test_fast_calls_match_the_function():
    a, b = _xs()
    one = jit(lambda x, y: lax.cos(lax.add(x, y)))
    tree = jit(lambda x, y: (x + y, {"p": x * y, "q": [y]}))
    for _ in range(3):  # the first call fills the table, the next ones take it
        np.testing.assert_allclose(one(a, b), np.cos(np.asarray(a) + 1), rtol=1e-6)
        s, d = tree(a, b)
        np.testing.assert_allclose(s, np.asarray(a) + 1)
        np.testing.assert_allclose(d["p"], np.asarray(a))
        np.testing.assert_allclose(d["q"][0], 1.0)
    out = one(a, b)
    assert out.dtype == np.float32
    assert out.shape == (3,)
    assert out.device is a.device


def test_host_arrays_other_devices_and_deleted_arrays():
    f = jit(lambda x, y: x * y)
    a, b = _xs()
    f(a, b)
    h = np.asarray(a) + 0  # a host-only Array: transferred on first use
    from pullback import numpy as jnp

    host = jnp.asarray(h)
    np.testing.assert_allclose(f(host, b), h)
    devs = devices()
    if len(devs) > 1:
        other = device_put(np.arange(3, dtype=np.float32), devs[1])
        np.testing.assert_allclose(f(other, b), np.arange(3))
    c = device_put(np.ones(3, np.float32))
    c.delete()
    with pytest.raises(DeletedArrayError):
        f(c, b)


def test_signature_x64_kwargs_and_tracers_leave_the_fast_table():
    f = jit(lambda x, y: x + y)
    a, b = _xs()
    f(a, b)
    np.testing.assert_allclose(f(a, y=b), np.asarray(a) + 1)
    i = device_put(np.arange(3, dtype=np.int32))
    assert f(i, i).dtype == np.int32
    with enable_x64():
        assert f(device_put(np.ones(2)), device_put(np.ones(2))).dtype == np.float64
    assert f(a, b).dtype == np.float32
    from pullback import grad

    assert float(grad(lambda x: f(x, x).sum())(a)[0]) == 2.0
    with pytest.raises(TypeError):
        f(a)


def test_no_reference_leaks_and_functions_are_collected():
    f = jit(lambda x, y: (x + y, x))
    a, b = _xs()
    f(a, b)
    f(a, b)  # (the second call is remembered as the last hit, which holds the key's avals)
    before = (sys.getrefcount(a), sys.getrefcount(a._aval), sys.getrefcount(a._buf))
    for _ in range(2000):
        f(a, b)
    gc.collect()
    assert (sys.getrefcount(a), sys.getrefcount(a._aval), sys.getrefcount(a._buf)) == before
    ref = weakref.ref(f)
    del f
    gc.collect()
    assert ref() is None


def test_python_dispatcher_passes_the_jit_tests():
    if os.environ.get("PULLBACK_NO_CEXT"):  # (this is that run)
        assert not dispatch_in_c()
        return
    here = Path(__file__).parent
    env = {**os.environ, "PULLBACK_NO_CEXT": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(here / "test_jit.py"), str(here / "test_array.py"),
         str(here / "test_cdispatch.py")],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def test_repeated_and_alternating_signatures_and_clear_cache():
    f = jit(lambda x: x * 2)
    a32 = device_put(np.arange(3, dtype=np.float32))
    i32 = device_put(np.arange(4, dtype=np.int32))
    for _ in range(3):  # the remembered last hit must follow the signature
        assert f(a32).dtype == np.float32
        assert f(i32).shape == (4,)
    f.clear_cache()
    assert f._cache_size() == 0
    np.testing.assert_allclose(f(a32), [0, 2, 4])
    assert f._cache_size() == 1


def test_array_operators_are_native_where_built():
    from pullback_compile import Array

    native = type(Array.__dict__["__add__"]).__name__ == "BinaryOp"
    assert native == dispatch_in_c()
    if native:  # the Python operator is what every other call goes to
        assert callable(Array.__dict__["__radd__"].__wrapped__)
    a, b = _xs()
    np.testing.assert_allclose(a.__add__(b), [1, 2, 3])
    np.testing.assert_allclose(Array.__rsub__(a, 1.0), [1, 0, -1])
    assert (a < b).dtype == np.bool_
    assert (a * 2).dtype == np.float32
    assert (2.0 - a).weak_type is False
    assert (device_put(2.0) + device_put(3.0)).weak_type
    with pytest.raises(TypeError):
        a + "x"


class _CountSlow:
    """Counts the calls that leave the fast tables (they go to `_call_slow`)."""

    def __init__(self, f):
        self.n = 0
        self.f = f
        self.slow = f._call_slow
        f._call_slow = self  # (an instance attribute: both dispatchers look it up per call)

    def __call__(self, *args, **kwargs):
        self.n += 1
        return self.slow(*args, **kwargs)


def _tree_args():
    rng = np.random.default_rng(0)

    def put() -> object:
        return device_put(rng.standard_normal(3).astype(np.float32))

    params = [(put(), put()) for _ in range(3)]
    return params, {"b": device_put(np.ones(3, np.float32)), "a": None}


def _step(params, extra):
    return [(w + extra["b"], lax.mul(c, w)) for w, c in params], {"n": extra["a"]}


def test_tree_arguments_take_the_fast_table():
    params, extra = _tree_args()
    f = jit(_step)
    counter = _CountSlow(f)
    want = _step(params, extra)
    for _ in range(4):
        out, rest = f(params, extra)
        assert rest == {"n": None}
        assert type(out) is list
        assert all(type(p) is tuple for p in out)
        for (w, c), (w2, c2) in zip(out, want[0], strict=True):
            np.testing.assert_allclose(w, w2, rtol=1e-6)
            np.testing.assert_allclose(c, c2, rtol=1e-6)
    # A dict of other insertion order is the same structure (keys are sorted).
    same = {"a": None, "b": extra["b"]}
    np.testing.assert_allclose(f(params, same)[0][0][0], want[0][0][0], rtol=1e-6)
    assert counter.n == 1  # only the first call compiled; the rest ran from the table


def test_tree_mismatches_leave_the_fast_table_and_give_the_right_result():
    params, extra = _tree_args()
    f = jit(_step)
    counter = _CountSlow(f)
    f(params, extra)
    f(params, extra)
    assert counter.n == 1
    calls = [
        (params[:2], extra),  # a shorter list
        (params, {"b": extra["b"], "a": None, "c": None}),  # another key
        (tuple(params), extra),  # a tuple where a list was
        (params, {"b": np.ones(3, np.float32), "a": None}),  # a NumPy leaf
        ([(w, 2.0) for w, _ in params], extra),  # a Python scalar leaf
        (params, {"b": extra["b"], "a": 1.0}),  # a leaf where None was
    ]
    for args in calls:
        got, _ = f(*args)
        want, _ = _step(*args)
        for (w, c), (w2, c2) in zip(got, want, strict=True):
            np.testing.assert_allclose(w, w2, rtol=1e-6)
            np.testing.assert_allclose(c, c2, rtol=1e-6)
    # each is a new signature but the NumPy leaf's, whose aval and structure are the first's
    assert counter.n == len(calls)
    ints = [(device_put(np.arange(3, dtype=np.int32)),) * 2] * 3
    assert f(ints, extra)[0][0][1].dtype == np.int32  # new leaf avals, same structure
    with enable_x64():
        assert f(params, extra)[0][0][0].dtype == np.float32
    f.clear_cache()
    before = counter.n
    f(params, extra)
    assert counter.n == before + 1


def test_alternating_tree_structures():
    f = jit(lambda t: [lax.add(x, x) for x in (t if isinstance(t, list) else t.values())])
    counter = _CountSlow(f)
    a, b = _xs()
    for _ in range(3):  # three structures, all served at once
        np.testing.assert_allclose(f([a, b])[1], [2, 2, 2])
        np.testing.assert_allclose(f({"x": a})[0], [0, 2, 4])
        np.testing.assert_allclose(f([a, b, a])[2], [0, 2, 4])
    assert counter.n == 3


def test_tree_calls_do_not_leak():
    params, extra = _tree_args()
    f = jit(_step)
    f(params, extra)
    f(params, extra)
    leaf = params[0][0]
    gc.collect()
    before = (sys.getrefcount(leaf), sys.getrefcount(leaf._aval), sys.getrefcount(params),
              sys.getrefcount(extra))  # fmt: skip
    for _ in range(2000):
        f(params, extra)
    gc.collect()
    after = (sys.getrefcount(leaf), sys.getrefcount(leaf._aval), sys.getrefcount(params),
             sys.getrefcount(extra))  # fmt: skip
    assert after == before


def test_scalar_and_numpy_leaves_take_the_fast_tables():
    a, _ = _xs()
    f = jit(lambda x, s: x * s)
    counter = _CountSlow(f)
    for s in (0.5, 2.0, 0.5, 2.0):  # one signature (weak f32 scalar), several values
        np.testing.assert_allclose(f(a, s), np.asarray(a) * s)
    assert counter.n == 1
    assert f(a, 2.0).weak_type is False
    assert f(a, 2.0).dtype == np.float32
    # 0.0 and -0.0 are equal but not the same argument.
    assert np.signbit(np.asarray(jit(lambda x, s: lax.div(x, s))(a, -0.0))[1])
    assert not np.signbit(np.asarray(jit(lambda x, s: lax.div(x, s))(a, 0.0))[1])
    host = np.arange(3, dtype=np.float32)
    g = jit(lambda x, y: x + y)
    slow_g = _CountSlow(g)
    np.testing.assert_allclose(g(host, a), 2 * np.arange(3))
    host[0] = 10.0  # the next call reads the array as it is now
    np.testing.assert_allclose(g(host, a), [10, 2, 4])
    np.testing.assert_allclose(g(np.float32(1), a), [1, 2, 3])
    tree = jit(lambda p: [p[0] * p[1]["k"], p[1]["flag"]])
    slow_t = _CountSlow(tree)
    for k in (3, 4, 3):
        out, flag = tree((a, {"k": k, "flag": True}))
        np.testing.assert_allclose(out, np.asarray(a) * k)
        assert bool(flag)
        assert flag.dtype == np.bool_
    assert slow_g.n == 2  # (np.float32 is a new signature)
    assert slow_t.n == 1


def test_bad_scalar_leaves_still_raise_clear_errors():
    a, _ = _xs()
    f = jit(lambda x, s: x * s)
    f(a, 1)
    with pytest.raises((OverflowError, TypeError, ValueError)):
        f(a, 2**40)  # an int32 argument out of range
    with pytest.raises(TypeError, match="not a valid array"):
        f(a, "x")
    with pytest.raises(TypeError, match=r"argument args\[1\] is a NumPy array of dtype <U1"):
        f(a, np.array(["a", "b", "c"]))
    with enable_x64():
        assert f(device_put(np.ones(2)), 2**40).dtype == np.float64


def _slow_calls(counter: _CountSlow, want: int) -> None:
    assert counter.n == want


def test_static_arguments_take_the_fast_table():
    a, _ = _xs()
    f = jit(lambda x, n, mode="add": x + n if mode == "add" else x * n, static_argnums=(1,),
            static_argnames=("mode",))  # fmt: skip
    counter = _CountSlow(f)
    for _ in range(3):
        np.testing.assert_allclose(f(a, 2), np.asarray(a) + 2)
        np.testing.assert_allclose(f(a, 3), np.asarray(a) + 3)
        np.testing.assert_allclose(f(a, 3, mode="mul"), np.asarray(a) * 3)
        np.testing.assert_allclose(f(a, 2, mode="add"), np.asarray(a) + 2)
    _slow_calls(counter, 4)  # one per signature
    with pytest.raises(TypeError, match="must be hashable"):
        f(a, [2])
    neg = jit(lambda x, n: x * n, static_argnums=-1)  # (the general path resolves these)
    for n in (2, 3, 2):
        np.testing.assert_allclose(neg(a, n), np.asarray(a) * n)


def test_keyword_arguments_take_the_fast_table():
    a, b = _xs()
    f = jit(lambda x, y=None, z=None: x + (y if z is None else z["w"] * y))
    counter = _CountSlow(f)
    calls = [
        (lambda: f(a, y=b), np.asarray(a) + 1),
        (lambda: f(x=a, y=b), np.asarray(a) + 1),
        (lambda: f(a, y=b, z={"w": a}), np.asarray(a) * 2),
        (lambda: f(a, y=2.0), np.asarray(a) + 2),
    ]
    for call, want in calls:
        for _ in range(3):
            np.testing.assert_allclose(call(), want)
    _slow_calls(counter, 4)
    for call, want in calls:  # changing structure on each call: each is served
        np.testing.assert_allclose(call(), want)
    _slow_calls(counter, 4)


def test_donated_arguments_in_the_fast_table_are_marked():
    a, b = _xs()
    f = jit(lambda x, y: (x + y, y), donate_argnums=0)
    counter = _CountSlow(f)
    x = device_put(np.zeros(3, np.float32))
    for _ in range(4):  # (no host view of x is taken: a viewed buffer is not donated)
        old = x
        x, _ = f(x, b)
        assert old.is_deleted()
        with pytest.raises(DeletedArrayError):
            f(old, b)
    np.testing.assert_allclose(x, np.full(3, 4))
    _slow_calls(counter, 1)
    assert not b.is_deleted()
    # Donating a NumPy array or a scalar copies it each time: nothing is left deleted.
    host = np.ones(3, np.float32)
    for _ in range(3):
        np.testing.assert_allclose(f(host, b)[0], 2.0)
    g = jit(lambda x, *, y: x * y, donate_argnames="y")
    y = device_put(np.full(3, 2.0, np.float32))
    np.testing.assert_allclose(g(a, y=y), np.asarray(a) * 2)
    assert y.is_deleted()


def test_unused_arguments_are_dropped_in_the_fast_tables():
    a, b = _xs()
    f = jit(lambda x, unused, y: x * y)
    counter = _CountSlow(f)
    for _ in range(3):
        np.testing.assert_allclose(f(a, 7.0, b), np.asarray(a))
        np.testing.assert_allclose(f(a, b, b), np.asarray(a))
    assert counter.n == 2
    keep = jit(lambda x, unused: x + 1, keep_unused=True)
    np.testing.assert_allclose(keep(a, b), np.asarray(a) + 1)


def test_general_calls_do_not_leak():
    a, b = _xs()
    f = jit(lambda x, n, y=None: x * n + y, static_argnums=1)
    static = (1, 2)  # (a hashable static value of its own, to count references to)
    g = jit(lambda x, n, y=None: x + y, static_argnums=1)
    f(a, 2, y=b)
    g(a, static, y=1.5)
    for _ in range(2):
        f(a, 2, y=b)
        g(a, static, y=1.5)
    gc.collect()
    before = (sys.getrefcount(a), sys.getrefcount(b), sys.getrefcount(static))
    for _ in range(2000):
        f(a, 2, y=b)
        g(a, static, y=1.5)
    gc.collect()
    assert (sys.getrefcount(a), sys.getrefcount(b), sys.getrefcount(static)) == before


def test_namedtuple_arguments_take_the_fast_tables():
    from collections import namedtuple

    state = namedtuple("state", "count mu")
    a, b = _xs()
    f = jit(lambda p, s: (p * s.mu, state(s.count + 1, s.mu * 2)))
    counter = _CountSlow(f)
    s = state(device_put(np.int32(0)), b)
    for i in range(1, 4):
        out, s = f(a, s)
        np.testing.assert_allclose(out, np.asarray(a) * 2 ** (i - 1))
        assert type(s) is state
        assert int(s.count) == i
    np.testing.assert_allclose(s.mu, 8.0)
    assert counter.n == 1
    other = namedtuple("other", "count mu")  # same fields, another type: the general path
    _, s2 = f(a, other(device_put(np.int32(0)), b))
    assert type(s2) is state
    assert counter.n == 2


def test_threads_calling_and_clearing():
    import threading

    a, b = _xs()
    f = jit(lambda x, y, s: (x + y) * s)
    g = jit(lambda p, n: [q * n for q in p], static_argnums=1)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for i in range(300):
                np.testing.assert_allclose(f(a, b, 2.0), (np.asarray(a) + 1) * 2)
                np.testing.assert_allclose(g([a, b], 3)[1], 3.0)
                if i % 50 == 0:
                    f.clear_cache()
        except BaseException as e:  # (reported below)
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_deeply_nested_arguments():
    a, _ = _xs()

    def nest(depth: int) -> object:
        t: object = a
        for _ in range(depth):
            t = [t]
        return t

    def unnest(t: object) -> object:
        while isinstance(t, list):
            t = t[0]
        return t

    f = jit(lambda t: lax.mul(unnest(t), 2.0))
    for depth in (5, 5, 300, 300):  # (the C walker leaves very deep trees to the general path)
        np.testing.assert_allclose(f(nest(depth)), np.asarray(a) * 2)


def test_a_structure_used_again_takes_the_fast_table_back():
    from pullback_compile.jit import MAX_STRUCTURES

    a, b = _xs()
    f = jit(lambda t: lax.add(t[0], t[-1]))
    counter = _CountSlow(f)
    f([a, b])
    f([a, b, b])
    for _ in range(3):  # both structures are served
        np.testing.assert_allclose(f([a, b]), np.asarray(a) + 1)
        np.testing.assert_allclose(f([a, b, b]), np.asarray(a) + 1)
    assert counter.n == 2
    for k in range(4, MAX_STRUCTURES + 3):  # more structures: [a, b] is the oldest, it leaves
        f([a] * (k - 1) + [b])
    assert counter.n == MAX_STRUCTURES + 1
    for _ in range(6):  # back to [a, b] (compiled before): it joins on the fourth slow call
        np.testing.assert_allclose(f([a, b]), np.asarray(a) + 1)
    assert counter.n == MAX_STRUCTURES + 1 + 4
    np.testing.assert_allclose(f([a] * MAX_STRUCTURES + [b]), np.asarray(a) + 1)  # still served
    assert counter.n == MAX_STRUCTURES + 1 + 4
    g = jit(lambda x, n: (x[0] if isinstance(x, tuple) else x) * n, static_argnums=1)
    slow_g = _CountSlow(g)
    g(a, 2)
    g((a,), 3)  # (another structure of the dynamic arguments)
    for _ in range(6):
        np.testing.assert_allclose(g(a, 2), np.asarray(a) * 2)
        np.testing.assert_allclose(g((a,), 3), np.asarray(a) * 3)
    assert slow_g.n == 2


def test_donated_positions_never_consume_kept_scalar_buffers():
    a, _ = _xs()
    f = jit(lambda x, s: (x * s, s * 2), donate_argnums=1)  # (s's buffer can hold s * 2)
    use = jit(lambda x, s: x + s)
    s = device_put(3.0)
    f(a, s)  # registers a weak f32[] Array at the donated position
    assert s.is_deleted()
    for _ in range(3):  # a Python 3.0 has the same aval: it must not donate a shared buffer
        np.testing.assert_allclose(f(a, 3.0)[0], np.asarray(a) * 3)
        np.testing.assert_allclose(use(a, 3.0), np.asarray(a) + 3)


def test_the_trace_of_each_thread_decides_its_calls():
    # The C dispatcher remembers the last calling thread's context dict: a trace running in
    # another thread (or begun since in this one) must still stage the call.
    import threading

    from pullback import make_jaxpr

    a, b = _xs()
    f = jit(lambda x, y: x + y)
    f(a, b)
    f(a, b)  # fast now, this thread's context remembered
    inside, release = threading.Event(), threading.Event()
    jaxprs: list[str] = []

    def body(x: object) -> object:
        inside.set()
        release.wait(10)
        return f(a, b) * x  # every argument an Array, but under a trace: staged

    def trace_in_thread() -> None:
        jaxprs.append(str(make_jaxpr(body)(1.0)))

    t = threading.Thread(target=trace_in_thread)
    t.start()
    assert inside.wait(10)
    for _ in range(3):  # this thread stays eager while the other traces
        out = f(a, b)
        assert type(out) is type(a)
        np.testing.assert_allclose(out, np.asarray(a) + 1)
    release.set()
    t.join()
    assert "pjit" in jaxprs[0]
    assert "pjit" in str(make_jaxpr(lambda x: f(a, b) * x)(1.0))  # a trace in this thread
    assert type(f(a, b)) is type(a)


def test_calls_use_vectorcall_where_built():
    f = jit(lambda x, y=None: x if y is None else x + y)
    if dispatch_in_c():
        assert type(f).__flags__ & (1 << 11)  # Py_TPFLAGS_HAVE_VECTORCALL on the subclass
    a, b = _xs()
    for _ in range(2):  # positional, keyword and mixed forms, each twice (slow, then fast)
        np.testing.assert_allclose(f(a), np.asarray(a))
        np.testing.assert_allclose(f(a, b), np.asarray(a) + 1)
        np.testing.assert_allclose(f(a, y=b), np.asarray(a) + 1)
        np.testing.assert_allclose(f(x=a, y=b), np.asarray(a) + 1)
    with pytest.raises(TypeError):
        f(a, b, a)


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads Linux's /proc")
def test_launches_do_not_grow_the_process():
    # jaxlib records (and never frees) a Python traceback per launch unless its capture is
    # off: about 55 bytes a call, 5 MB over these calls.
    from pullback_compile import _jaxlib

    def rss_mb() -> float:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGESIZE") / 2**20

    f = jit(lambda x, y: lax.cos(lax.add(x, y)))
    a, b = _xs()
    for _ in range(20000):  # (warm: tables, allocator pools)
        f(a, b)
    before = rss_mb()
    for _ in range(100000):
        f(a, b)
    grown = rss_mb() - before
    assert grown < 2.0, f"the process grew by {grown:.1f} MB over 100000 jitted calls"
    assert _jaxlib.TRACEBACKS_STOPPED or "jax" in sys.modules
