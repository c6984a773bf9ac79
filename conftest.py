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
