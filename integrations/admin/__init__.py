from integrations.admin import audit, integrations, portal_tokens, pulls, reports, runs, webhooks, workers

__all__ = ["audit", "integrations", "portal_tokens", "pulls", "reports", "runs", "webhooks", "workers"]
