"""Every registered vendor declares its rotation, and the service can run each step it declares."""

import pytest

from integrations.registry import VENDORS, get_connector
from integrations.services.rotation import FIRST, HANDLERS
from integrations.vendors.rotation import Workflow


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_each_declared_step_has_a_handler(vendor: str) -> None:
    connector = get_connector(vendor)
    plan = connector.rotation
    assert plan.summary and plan.where and plan.steps
    handlers = HANDLERS[plan.workflow]
    assert FIRST[plan.workflow] in handlers
    # "choose" is the two-key wizard's instruction to a person, recorded when a round begins.
    assert {s.key for s in plan.steps} - {"choose"} <= set(handlers)
    assert set(plan.person_rotates) <= connector.sensitive_fields()
    if plan.workflow is Workflow.TWO_KEYS:
        assert len(plan.key_slots) == 2 and connector.field(plan.selector) is not None
        assert "{slot}" in plan.where
    if plan.workflow is Workflow.MINT:
        assert plan.token_field in connector.sensitive_fields()
        assert all(hasattr(connector, call) for call in ("mint_token", "find_token", "revoke_token"))
    if plan.workflow is Workflow.SESSION:
        assert hasattr(connector, "renew_session")
