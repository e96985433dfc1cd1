"""Diagnosis codes and their plain-language default wording (vendors override what differs)."""

import enum
from dataclasses import dataclass, field, replace


class Code(enum.StrEnum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    IP_NOT_ALLOWED = "ip_not_allowed"
    AUTH_OR_IP = "auth_or_ip"
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (a diagnosis code, not a secret)
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    DNS_FAILURE = "dns_failure"
    TLS_FAILURE = "tls_failure"
    CONNECTION_REFUSED = "connection_refused"
    VENDOR_ERROR = "vendor_error"
    UNEXPECTED_RESPONSE = "unexpected_response"
    BLOCKED_TARGET = "blocked_target"


@dataclass(frozen=True)
class Diagnosis:
    """What happened, in words a support agent can repeat, and what to do next."""

    code: Code
    title: str
    explanation: str
    next_steps: tuple[str, ...] = ()
    vendor_message: str = ""
    """The vendor's own words, from its response body; empty when it said nothing."""
    observed: str = ""
    """What the portal itself saw (a time-out, a name that does not resolve, a refused address)."""
    seen_address: str | None = None
    """The client address the vendor reported seeing (learnt from its error text)."""
    retry_after: float | None = None
    facts: tuple[tuple[str, str], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.code is Code.OK

    def but(self, **changes: object) -> "Diagnosis":
        return replace(self, **changes)  # type: ignore[arg-type]


def default(code: Code, vendor: str) -> Diagnosis:
    """The shared wording for `code`; `vendor` is the vendor's label."""
    title, explanation, steps = _DEFAULTS[code]
    return Diagnosis(
        code=code,
        title=title.format(vendor=vendor),
        explanation=explanation.format(vendor=vendor),
        next_steps=tuple(step.format(vendor=vendor) for step in steps),
    )


_DEFAULTS: dict[Code, tuple[str, str, tuple[str, ...]]] = {
    Code.OK: ("{vendor} answered correctly", "The request was accepted and the answer made sense.", ()),
    Code.BAD_CREDENTIALS: (
        "{vendor} rejected the credentials",
        "{vendor} answered that the user name, password, token or key is wrong.",
        (
            "Check the stored credentials against the {vendor} admin (a pasted value often carries a space).",
            "If the key was rotated at {vendor}, store the new one on this integration.",
        ),
    ),
    Code.IP_NOT_ALLOWED: (
        "{vendor} refused our address",
        "{vendor} only accepts requests from addresses registered in its allowlist, and the address "
        "this request came from is not on it.",
        ("Register the portal's egress address in the {vendor} allowlist.",),
    ),
    Code.AUTH_OR_IP: (
        "{vendor} refused the request: wrong key or address not allowed",
        "{vendor} gives the same answer for a wrong key and for an address it does not allow, so "
        "either may be the cause.",
        (
            "Check the stored key against the {vendor} portal.",
            "Check that the portal's egress address is whitelisted at {vendor}.",
        ),
    ),
    Code.TOKEN_EXPIRED: (
        "The {vendor} token has expired",
        "The token the portal holds is no longer valid and a fresh one could not be obtained.",
        ("Store new credentials, or mint a new token at {vendor}.",),
    ),
    Code.RATE_LIMITED: (
        "{vendor} is rate-limiting us",
        "{vendor} answered 'too many requests' and kept doing so after the portal waited as told.",
        ("Wait before retrying; check whether schedules on this account run too often.",),
    ),
    Code.TIMEOUT: (
        "{vendor} did not answer in time",
        "The connection was made or attempted, but no answer came back before the time limit.",
        ("Try again in a few minutes; if it persists, check {vendor}'s status page.",),
    ),
    Code.DNS_FAILURE: (
        "The {vendor} host name does not resolve",
        "The address of the {vendor} server could not be looked up.",
        ("Check the account fields that make up the address (e.g. customer or subdomain) for typos.",),
    ),
    Code.TLS_FAILURE: (
        "The secure connection to {vendor} failed",
        "The server's certificate could not be verified, or the TLS handshake failed.",
        ("Check the base URL: a wrong host often presents someone else's certificate.",),
    ),
    Code.CONNECTION_REFUSED: (
        "Nothing is listening at the {vendor} address",
        "The server refused the connection: the host is up but nothing serves that port.",
        ("Check the base URL and port; check whether {vendor} is down.",),
    ),
    Code.VENDOR_ERROR: (
        "{vendor} had an internal error",
        "{vendor} answered with a server error or dropped the connection; this is on their side.",
        ("Try again later; if it persists, contact {vendor} support with the time of this test.",),
    ),
    Code.UNEXPECTED_RESPONSE: (
        "{vendor} gave an answer the portal does not understand",
        "The answer was not what this endpoint returns (e.g. an HTML page or broken JSON): often a "
        "proxy, a maintenance page or a wrong base URL.",
        ("Check the base URL; look at the response body below.",),
    ),
    Code.BLOCKED_TARGET: (
        "The portal refused to send this request",
        "The target address is not one the portal may call (a private, loopback or metadata "
        "address, or a host outside the vendor's domain).",
        ("Correct the base URL, or approve the host by typing it as the base URL override.",),
    ),
}
