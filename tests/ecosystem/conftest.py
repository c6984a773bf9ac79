"""The ecosystem programs are scripts run by test_ecosystem.py, not test modules: never collected
(nor imported for doctests, which would `import jax`)."""

collect_ignore_glob = ["programs/*"]
