"""Collect! REST API: operator login to a Bearer token, optional `x-collect-database`."""

from integrations.vendors.base import NOT_BLANK, Connector, CredentialField, matches


class Collect(Connector):
    key = "collect"
    label = "Collect!"
    # No default host: every customer runs its own API server, so the base URL is always typed in.
    base_url_pattern = ""
    credential_fields = (
        CredentialField("op_id", "Operator ID", validators=(NOT_BLANK,)),
        CredentialField("op_password", "Operator password", secret=True, validators=(NOT_BLANK,)),
        CredentialField(
            "database",
            "Database",
            required=False,
            help_text="Only with several databases: sent as x-collect-database, e.g. cv_masterdb",
            validators=(matches(r"cv_[A-Za-z0-9_]+", "must look like cv_name"),),
        ),
    )
