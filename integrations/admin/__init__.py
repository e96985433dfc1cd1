# accounts and lockout: login protection (second-factor reset, lockouts and unlocking).
from integrations.admin import accounts, audit, integrations, lockout, pulls, reports, runs, workers

__all__ = ["accounts", "audit", "integrations", "lockout", "pulls", "reports", "runs", "workers"]
