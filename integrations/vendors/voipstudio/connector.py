"""VoIPstudio REST API: a login session (e-mail + password) or a long-lived API token."""

from integrations.vendors.base import DIGITS, EMAIL, NOT_BLANK, Connector, CredentialField


class VoipStudio(Connector):
    key = "voipstudio"
    label = "VoIPstudio"
    base_url_pattern = "https://l7api.com/v1.2/voipstudio/"
    credential_fields = (
        CredentialField("email", "E-mail", required=False, validators=(EMAIL,)),
        CredentialField("password", "Password", secret=True, required=False, validators=(NOT_BLANK,)),
        CredentialField(
            "user_id",
            "User ID",
            required=False,
            help_text="Numeric user id that owns the API token",
            validators=(DIGITS,),
        ),
        CredentialField(
            "api_token",
            "API token",
            secret=True,
            required=False,
            help_text="Administration → Users → Edit → Advanced → API keys",
            validators=(NOT_BLANK,),
        ),
    )
    # Either a login session or an API token; the API token is preferred when both are set.
    credential_sets = (("email", "password"), ("user_id", "api_token"))
