"""What an error report may show: Django's technical 500 page (DEBUG) and the mails to ADMINS.

Django's own filter hides POST values only for views marked `sensitive_post_parameters`, and only
while DEBUG is off: a failed admin save under DEBUG showed the typed webhook secret in its POST
table. This filter is always active and hides, whatever the view:
- every POST field named after a secret: each connector's `sensitive_fields()`, the credential
  form's `cred_` fields, passwords and one-time codes (a formset's `tokens-0-new_value` too);
- every frame variable named so, or whose value holds one of those typed secrets (a form's
  cleaned data, the dict a service was handed).
"""

import re
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.views.debug import SafeExceptionReporterFilter

from integrations.registry import all_sensitive_fields

# The credential form's prefix (integrations.admin.forms.CREDENTIAL_PREFIX): every field of a
# vendor account is hidden, public ones too; what they say is in the integration's page anyway.
CREDENTIAL_PREFIX = "cred_"
ALWAYS_HIDDEN = frozenset(
    {"password", "otp_token", "token", "new_value", "secret", "value", "csrfmiddlewaretoken"}
)
# Shorter typed values would mask ordinary words everywhere in the page.
MIN_SECRET_LENGTH = 4


class SecretsFilter(SafeExceptionReporterFilter):
    hidden_names = re.compile(r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|OTP|CRED_", flags=re.I)

    def is_active(self, request: HttpRequest | None) -> bool:
        return True  # under DEBUG too: a developer's screen is shared, screenshotted, pasted

    def is_secret_name(self, name: str) -> bool:
        """A name that holds a secret wherever it appears: a field, a key, a variable."""
        field = name.rsplit("-", 1)[-1].lower()  # a formset's "tokens-0-new_value"
        return (
            field.startswith(CREDENTIAL_PREFIX) or field in ALWAYS_HIDDEN or field in all_sensitive_fields()
        )

    def _marked(self, request: HttpRequest, name: str) -> bool:
        """A POST field to hide: a secret's name, one that sounds like one, or one the view marked."""
        marked = getattr(request, "sensitive_post_parameters", [])
        return (
            marked == "__ALL__"
            or name in marked
            or self.is_secret_name(name)
            or bool(self.hidden_names.search(name))
        )

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        cleansed = request.POST.copy()
        for name in cleansed:
            if self._marked(request, name):
                cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_cleansed_multivaluedict(self, request: HttpRequest, multivaluedict: MultiValueDict) -> Any:
        cleansed = multivaluedict.copy()
        for name in cleansed:
            if self._marked(request, name):
                cleansed[name] = self.cleansed_substitute
        return cleansed

    def typed_secrets(self, request: HttpRequest | None) -> list[str]:
        """The values typed into the fields this filter hides, to hide wherever else they turn up."""
        if request is None or not hasattr(request, "POST"):
            return []
        found = {
            value
            for name, values in request.POST.lists()
            if self._marked(request, name)
            for value in values
            if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_LENGTH
        }
        return sorted(found, key=len, reverse=True)

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        secrets = self.typed_secrets(request)
        shown = []
        for name, value in variables:
            named = self.is_secret_name(str(name)) and value is not None
            if named or (secrets and _holds_any(value, secrets)):
                value = self.cleansed_substitute
            shown.append((name, value))
        return shown


def _holds_any(value: Any, secrets: list[str]) -> bool:
    try:
        text = repr(value)
    except Exception:  # a broken repr shows nothing of the value either
        return False
    return any(secret in text for secret in secrets)
