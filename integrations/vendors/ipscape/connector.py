"""ipSCAPE Platform API v3.0: HTTP Basic with the API token and the active one of two secret keys."""

from integrations.vendors.base import HOST_LABEL, NOT_BLANK, Connector, CredentialField, one_of


class Ipscape(Connector):
    key = "ipscape"
    label = "ipSCAPE"
    base_url_pattern = "https://{subdomain}.ipscape.com.au/platform-api/v3.0/"
    credential_fields = (
        CredentialField("subdomain", "Subdomain", validators=(HOST_LABEL,)),
        CredentialField("api_token", "API token", secret=True, validators=(NOT_BLANK,)),
        CredentialField("secret_key_1", "Secret key 1", secret=True, validators=(NOT_BLANK,)),
        CredentialField("secret_key_2", "Secret key 2", secret=True, validators=(NOT_BLANK,)),
        CredentialField(
            "active_key",
            "Active key",
            help_text="Which secret key requests use (1 or 2); rotation switches it without downtime",
            validators=(one_of("1", "2"),),
        ),
    )
