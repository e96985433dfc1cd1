from integrations.admin import audit, integrations, runs, workers

__all__ = ["audit", "integrations", "runs", "workers"]
