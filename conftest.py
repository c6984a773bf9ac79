"""Root pytest configuration: hypothesis profiles shared by every package's tests.

`ci` (the default) is bounded and deterministic; `slow` explores more. Pick one with the
environment variable `HYPOTHESIS_PROFILE`.
"""

import os

# pmap tests need several devices: four virtual CPU devices, set before the client exists.
os.environ.setdefault("PULLBACK_NUM_CPU_DEVICES", "4")

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    database=None,
    derandomize=True,
    deadline=None,
    print_blob=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("slow", deadline=None, max_examples=2000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


import pytest  # noqa: E402


@pytest.fixture
def x64():
    """64-bit mode on for one test (pullback's config), off again afterwards."""
    import pullback as pb

    pb.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        pb.config.update("jax_enable_x64", False)
