import pytest

from integrations.registry import VENDORS, UnknownVendor, all_sensitive_fields, get_connector

EXPECTED_FIELDS = {
    "vcclive": ["customer", "password"],
    "voipstudio": ["email", "password", "user_id", "api_token"],
    "collect": ["op_id", "op_password", "database"],
    "ipscape": ["subdomain", "api_token", "secret_key_1", "secret_key_2", "active_key"],
    "voipcloud": ["pbx_host", "api_key", "webhook_secret"],
}
EXPECTED_SECRETS = {
    "vcclive": {"password"},
    "voipstudio": {"password", "api_token"},
    "collect": {"op_password"},
    "ipscape": {"api_token", "secret_key_1", "secret_key_2"},
    "voipcloud": {"api_key", "webhook_secret"},
}


@pytest.mark.parametrize("key", list(EXPECTED_FIELDS))
def test_every_vendor_declares_the_credential_fields_of_the_contract(key: str) -> None:
    connector = get_connector(key)
    assert connector.key == key
    assert [f.name for f in connector.credential_fields] == EXPECTED_FIELDS[key]
    assert connector.sensitive_fields() == EXPECTED_SECRETS[key]
    # Whatever the base URL pattern needs must be a public field of the vendor.
    assert set(connector.base_url_fields()) <= {f.name for f in connector.public_fields()}


def test_registry_holds_exactly_the_five_vendors() -> None:
    assert list(VENDORS) == ["vcclive", "voipstudio", "collect", "ipscape", "voipcloud"]
    assert "password" in all_sensitive_fields()


def test_unknown_vendor_names_the_known_ones() -> None:
    with pytest.raises(UnknownVendor) as caught:
        get_connector("nosuch")
    assert "known vendors: vcclive, voipstudio" in str(caught.value)


def test_default_base_urls_follow_the_vendor_patterns() -> None:
    assert get_connector("ipscape").default_base_url({"subdomain": "acme"}) == (
        "https://acme.ipscape.com.au/platform-api/v3.0/"
    )
    assert get_connector("voipcloud").default_base_url({"pbx_host": "pbx.example.com"}) == (
        "https://pbx.example.com/api/integration/v2/"
    )
    assert get_connector("collect").default_base_url({"op_id": "1"}) is None
