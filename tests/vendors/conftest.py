from tests.pulls_connectors.simulated import sim  # noqa: F401  (the served simulators, for every module here)
