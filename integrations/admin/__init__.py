from integrations.admin import audit, integrations, workers

__all__ = ["audit", "integrations", "workers"]
