from integrations.admin import audit, integrations, pulls, reports, runs, workers

__all__ = ["audit", "integrations", "pulls", "reports", "runs", "workers"]
