"""Runtime settings that cannot work together are refused at start-up."""

from typing import Any

from integrations.checks import check_pull_lease


def test_a_pull_lease_shorter_than_a_page_deadline_is_refused(settings: Any) -> None:
    settings.PULL_LEASE_SECONDS, settings.OUTBOUND_PULL_DEADLINE = 60, 120.0
    (error,) = check_pull_lease()
    assert error.id == "switchboard.E007" and "PULL_LEASE_SECONDS (60)" in error.msg


def test_the_defaults_fit() -> None:
    assert check_pull_lease() == []
