"""The integration form: model fields plus the vendor's credential fields (secrets write-only)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from integrations.addresses import normalize_network
from integrations.models import AllowlistEntry, AllowlistKind, Integration
from integrations.services import credentials
from integrations.vendors.base import Connector, CredentialField

CREDENTIAL_PREFIX = "cred_"


class SecretInput(forms.PasswordInput):
    """Write-only: never renders the stored value; shows its mask and, if allowed, a Reveal button."""

    template_name = "integrations/widgets/secret_input.html"

    def __init__(self, hint: str = "", reveal_url: str = "", **kwargs: Any) -> None:
        attrs = {"autocomplete": "new-password", "spellcheck": "false"}
        super().__init__(attrs=attrs, render_value=False, **kwargs)
        self.hint = hint
        self.reveal_url = reveal_url

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"].update(hint=self.hint, reveal_url=self.reveal_url)
        return context


def credential_form_field(f: CredentialField, hint: str, reveal_url: str, is_new: bool) -> forms.Field:
    if f.secret:
        keep = "" if is_new or not hint else "Leave blank to keep the current value."
        about = f"{f.help_text.rstrip('.')}." if f.help_text else ""
        return forms.CharField(
            label=f.label,
            required=False,
            strip=True,
            widget=SecretInput(hint=hint, reveal_url=reveal_url),
            help_text=f"{about} {keep}".strip(),
        )
    return forms.CharField(label=f.label, required=False, strip=True, help_text=f.help_text)


class IntegrationForm(forms.ModelForm):
    """Subclassed per vendor by `integration_form_for` so the credential fields are declared."""

    connector: type[Connector]
    credential_names: tuple[str, ...] = ()
    base_url_override = Integration._meta.get_field("base_url_override").formfield(assume_scheme="https")

    class Meta:
        model = Integration
        fields = ["vendor", "name", "enabled", "owner", "timezone", "notes", "base_url_override"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and self.credential_names:
            # The unsaved integration knows its vendor, so read-only fields can describe it.
            self.instance.vendor = self.connector.key

    def credential_changes(self) -> dict[str, str]:
        """Credential fields as typed; a blank secret means "keep the stored one"."""
        return {name: self.cleaned_data.get(CREDENTIAL_PREFIX + name, "") for name in self.credential_names}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.credential_names:
            return cleaned
        integration: Integration = self.instance
        integration.vendor = self.connector.key
        values = (
            credentials.merged_values(integration, self.credential_changes())
            if integration.pk
            else {k: v for k, v in self.credential_changes().items() if v}
        )
        try:
            credentials.validate(integration, values)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                target = None if name == "__all__" else CREDENTIAL_PREFIX + name
                if name == "__all__" and self.connector.credential_sets:
                    messages = [self._which_sets_message()]
                for message in messages:
                    self.add_error(target if target in self.fields else None, message)
        override = cleaned.get("base_url_override")
        if not override and self.connector.default_base_url(values) is None:
            self.add_error(
                "base_url_override", f"{self.connector.label} has no default address: give a base URL."
            )
        return cleaned

    def _which_sets_message(self) -> str:
        return f"{self.connector.label} needs {needed_fields(self.connector)}."


def needed_fields(connector: type[Connector]) -> str:
    """The account fields a vendor needs, by label: "E-mail and Password, or User ID and API token"."""
    label = {f.name: f.label for f in connector.credential_fields}
    if connector.credential_sets:
        return ", or ".join(" and ".join(label[n] for n in group) for group in connector.credential_sets)
    required = [f.label for f in connector.credential_fields if f.required]
    optional = [f.label for f in connector.credential_fields if not f.required]
    text = ", ".join(required[:-1]) + (" and " if len(required) > 1 else "") + required[-1]
    return text + (f" ({', '.join(optional)} optional)" if optional else "")


def integration_form_for(
    connector: type[Connector], integration: Integration | None, reveal_url: str, with_credentials: bool
) -> type[IntegrationForm]:
    active = integration.active_credentials if integration and integration.pk else None
    declared: dict[str, Any] = {"connector": connector}
    names: list[str] = []
    if with_credentials:
        for f in connector.credential_fields:
            hint = active.secret_hints.get(f.name, "") if active else ""
            url = reveal_url.replace("FIELD", f.name) if (hint and reveal_url) else ""
            field = credential_form_field(f, hint, url, is_new=active is None)
            if not f.secret and active:
                field.initial = active.public_values.get(f.name, "")
            declared[CREDENTIAL_PREFIX + f.name] = field
            names.append(f.name)
    declared["credential_names"] = tuple(names)
    return type(f"{connector.__name__}IntegrationForm", (IntegrationForm,), declared)


class AllowlistEntryForm(forms.ModelForm):
    class Meta:
        model = AllowlistEntry
        fields = ["kind", "cidr", "note"]

    def clean_cidr(self) -> str:
        # The canonical form, so "198.51.100.9/32" and "198.51.100.9" (or upper- and lower-case
        # IPv6) are one address to the uniqueness checks, as they are to the CLI.
        return normalize_network(self.cleaned_data["cidr"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # An inline form leaves its integration out of Django's unique checks (it is not one of
        # the form's fields), so the stored entries are checked here, canonical form to canonical.
        entry: AllowlistEntry = self.instance
        cidr, kind = cleaned.get("cidr"), cleaned.get("kind")
        if entry.integration_id and cidr and kind and not cleaned.get("DELETE"):
            taken = AllowlistEntry.objects.filter(integration_id=entry.integration_id, kind=kind, cidr=cidr)
            if taken.exclude(pk=entry.pk).exists():
                label = dict(AllowlistKind.choices)[kind]
                self.add_error("cidr", f"{cidr} is already on this allowlist ({label}).")
        return cleaned


class AllowlistFormSet(forms.BaseInlineFormSet):
    def get_unique_error_message(self, unique_check: Any) -> str:
        return "The same address is listed twice for the same kind: remove one of them."
