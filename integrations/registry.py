"""The vendors the portal knows: one line per vendor, imported lazily."""

from functools import cache

from django.utils.module_loading import import_string

from integrations.vendors.base import Connector

# Points at the connector module, not the vendor package, so importing a vendor's simulator or
# schemas never drags in the connector (simulators import nothing of the portal).
VENDORS: dict[str, str] = {
    "vcclive": "integrations.vendors.vcclive.connector.VccLive",
    "voipstudio": "integrations.vendors.voipstudio.connector.VoipStudio",
    "collect": "integrations.vendors.collect.connector.Collect",
    "ipscape": "integrations.vendors.ipscape.connector.Ipscape",
    "voipcloud": "integrations.vendors.voipcloud.connector.VoipCloud",
}


class UnknownVendor(KeyError):
    def __str__(self) -> str:
        return f"unknown vendor {self.args[0]!r}; known vendors: {', '.join(VENDORS)}"


@cache
def get_connector(key: str) -> type[Connector]:
    try:
        path = VENDORS[key]
    except KeyError:
        raise UnknownVendor(key) from None
    connector: type[Connector] = import_string(path)
    return connector


def vendor_choices() -> list[tuple[str, str]]:
    return [(key, get_connector(key).label) for key in VENDORS]


def all_sensitive_fields() -> frozenset[str]:
    """Every secret field name of every vendor: what audit and log scrubbing refuse to carry."""
    return frozenset().union(*(get_connector(key).sensitive_fields() for key in VENDORS))
