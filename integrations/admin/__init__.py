from integrations.admin import audit, integrations, pulls, runs, workers

__all__ = ["audit", "integrations", "pulls", "runs", "workers"]
