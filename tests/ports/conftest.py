"""The port programs are JAX scripts run by test_ports.py, not test modules: never collected
(nor imported for doctests, which would `import jax`)."""

collect_ignore_glob = ["programs/*"]
