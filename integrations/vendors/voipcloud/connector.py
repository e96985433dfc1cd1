"""VoIPcloud PBX integration API: a `token` header, behind the PBX's whitelisted IPs."""

from integrations.vendors.base import HOST_NAME, NOT_BLANK, Connector, CredentialField


class VoipCloud(Connector):
    key = "voipcloud"
    label = "VoIPcloud"
    base_url_pattern = "https://{pbx_host}/api/integration/v1/"
    credential_fields = (
        CredentialField(
            "pbx_host",
            "PBX host",
            help_text="Your PBX portal's domain, e.g. pbx.example.com",
            validators=(HOST_NAME,),
        ),
        CredentialField(
            "api_key",
            "API key",
            secret=True,
            help_text="Customer portal → Integration/API tab → API",
            validators=(NOT_BLANK,),
        ),
        CredentialField(
            "webhook_secret",
            "Webhook secret token",
            secret=True,
            required=False,
            help_text="The 'Secret Token' VoIPcloud sends as X-Pbx-Token on webhooks (optional)",
        ),
    )
