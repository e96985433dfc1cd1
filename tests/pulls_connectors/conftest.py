from tests.pulls_connectors.simulated import sim  # noqa: F401  (the fixture, for every module here)
