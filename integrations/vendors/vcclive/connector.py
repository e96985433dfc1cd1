"""VCC Live, Database API v2: HTTP Basic (customer + password) behind a registered-IP firewall."""

from integrations.vendors.base import HOST_LABEL, NOT_BLANK, Connector, CredentialField


class VccLive(Connector):
    key = "vcclive"
    label = "VCC Live"
    base_url_pattern = "https://{customer}.asp.virtual-call-center.eu/v2/"
    credential_fields = (
        CredentialField(
            "customer",
            "Customer",
            help_text="Your VCC Live instance name: the part before .asp.virtual-call-center.eu",
            validators=(HOST_LABEL,),
        ),
        CredentialField(
            "password",
            "API password",
            secret=True,
            help_text="The token password created under 'To Create a Token' in the VCC Live admin",
            validators=(NOT_BLANK,),
        ),
    )
