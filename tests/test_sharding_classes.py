"""jax.sharding's classes on pullback: meshes, partition specs and named shardings answer layout
questions as JAX's do; arrays are placed on one device (issue 18 partitions over meshes)."""

from __future__ import annotations

import pickle

import numpy as np
import pullback.numpy as jnp
import pytest
from pullback.sharding import (
    AbstractMesh,
    AxisType,
    Mesh,
    NamedSharding,
    PartitionSpec as P,
    Sharding,
    SingleDeviceSharding,
    get_abstract_mesh,
    get_mesh,
)

import pullback as pb

DEVS = pb.devices()
needs4 = pytest.mark.skipif(len(DEVS) < 4, reason="needs 4 CPU devices (root conftest)")


def test_device_class_and_top_level_names():
    assert all(isinstance(d, pb.Device) for d in DEVS)
    assert pb.P is P
    assert pb.NamedSharding is NamedSharding
    assert isinstance(SingleDeviceSharding(DEVS[0]), Sharding)
    assert isinstance(jnp.ones(2).sharding, Sharding)
    assert jnp.ones(2).sharding.is_fully_replicated


def test_partition_spec():
    s = P("x", None, ("y", "z"))
    assert len(s) == 3
    assert s[0] == "x"
    assert s[2] == ("y", "z")
    assert list(s)[1] is None
    assert repr(P("x", None)) == "P('x', None)"
    assert repr(P("x")) == "P('x',)"
    # trailing Nones and one-name tuples do not change the meaning (or equality, or hash)
    assert P("x", None) == P("x") == P(("x",))
    assert hash(P("x", None)) == hash(P("x"))
    assert P("x") != P("y")
    assert P() == P(None)
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(TypeError, match="PartitionSpec entries"):
        P(3)


@needs4
def test_mesh_and_named_sharding_layout():
    mesh = Mesh(np.array(DEVS[:4]).reshape(2, 2), ("data", "model"))
    assert mesh.shape == {"data": 2, "model": 2}
    assert mesh.size == 4
    assert mesh.axis_names == ("data", "model")
    assert mesh.devices.shape == (2, 2)
    assert mesh.axis_types == (AxisType.Auto, AxisType.Auto)
    assert mesh.device_ids.tolist() == [[d.id for d in DEVS[:2]], [d.id for d in DEVS[2:4]]]
    s = NamedSharding(mesh, P("data"))
    assert s.shard_shape((8, 6)) == (4, 6)
    assert not s.is_fully_replicated
    assert s.num_devices == 4
    idx = s.devices_indices_map((8, 6))
    assert idx[DEVS[0]] == (slice(0, 4), slice(None))
    assert idx[DEVS[1]] == idx[DEVS[0]]
    assert idx[DEVS[2]] == (slice(4, 8), slice(None))
    both = NamedSharding(mesh, P(("data", "model"), None))
    assert both.shard_shape((8, 3)) == (2, 3)
    assert both.devices_indices_map((8, 3))[DEVS[3]] == (slice(6, 8), slice(None))
    t = NamedSharding(mesh, P(None, "model"))
    assert t.devices_indices_map((2, 4))[DEVS[1]] == (slice(None), slice(2, 4))
    assert NamedSharding(mesh, P()).is_fully_replicated
    # equality and hashing by mesh and spec
    assert s == NamedSharding(mesh, P("data", None))
    assert hash(s) == hash(NamedSharding(mesh, P("data", None)))
    assert s != t
    assert s.device_set == set(DEVS[:4])
    assert s.is_equivalent_to(NamedSharding(mesh, P("data", None)), 2)


@needs4
def test_named_sharding_errors():
    mesh = Mesh(np.array(DEVS[:4]).reshape(2, 2), ("data", "model"))
    with pytest.raises(ValueError, match="'batch', which is not an axis of the mesh"):
        NamedSharding(mesh, P("batch"))
    with pytest.raises(ValueError, match="more than once"):
        NamedSharding(mesh, P("data", "data"))
    with pytest.raises(TypeError, match="PartitionSpec"):
        NamedSharding(mesh, ("data",))
    with pytest.raises(ValueError, match="not divisible by 2"):
        NamedSharding(mesh, P("data")).shard_shape((3, 2))
    with pytest.raises(ValueError, match="more than the array's 1 dimensions"):
        NamedSharding(mesh, P("data", "model")).shard_shape((4,))
    with pytest.raises(ValueError, match=r"2 dimensions .* names 1 axes"):
        Mesh(np.array(DEVS[:4]).reshape(2, 2), ("data",))
    with pytest.raises(ValueError, match="make a mesh of 6 devices"):
        pb.make_mesh((2, 3), ("a", "b"))
    # placing an array over several devices is issue 18's work: a clear error, not a wrong
    # placement
    with pytest.raises(NotImplementedError, match="spans 4 devices"):
        pb.device_put(jnp.ones(4), NamedSharding(mesh, P("data")))


def test_one_device_named_sharding_places_arrays():
    mesh = Mesh(np.array(DEVS[:1]), ("x",))
    s = NamedSharding(mesh, P("x"))
    assert s.is_fully_replicated
    assert s.shard_shape((3, 2)) == (3, 2)
    x = pb.device_put(np.arange(3.0), s)
    assert x.device is DEVS[0]
    f = pb.jit(lambda v: v * 2, in_shardings=s, out_shardings=s)
    assert f(x).tolist() == [0.0, 2.0, 4.0]


def test_current_mesh_and_abstract_mesh():
    mesh = pb.make_mesh((len(DEVS),), ("i",))
    assert get_mesh() is None
    assert get_abstract_mesh().empty
    with mesh:
        assert get_mesh() is mesh
        assert get_abstract_mesh() == AbstractMesh((len(DEVS),), ("i",))
    assert get_mesh() is None
    with pb.set_mesh(mesh):
        assert get_mesh() is mesh
    assert get_mesh() is None
    am = AbstractMesh((2, 4), ("a", "b"), axis_types=AxisType.Explicit)
    assert am.size == 8
    assert am.explicit_axes == ("a", "b")
    assert am.are_all_axes_explicit
    assert repr(am) == "AbstractMesh('a': 2, 'b': 4, axis_types=(Explicit, Explicit))"
