"""Every admin page, as every role, with Django's test client: no 5xx, and 403 where not allowed;
and no page shows a role a link to a page it may not open."""

import re
from collections import defaultdict

import pytest
from django.test import Client

from tests.admin_walk import NEVER_POST, ROLES, admin_pages, build_dataset, may_open
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db


def test_every_admin_page_opens_for_whoever_may_open_it_and_is_refused_otherwise(
    sandbox: SandboxFactory,
) -> None:
    dataset = build_dataset(sandbox)
    pages = admin_pages(dataset)
    names = {page.name for page in pages}
    # The walk found the workflow pages by itself (a sign the discovery works, not a list to keep).
    assert {
        "integrations_integration_test",
        "integrations_testrun_batch",
        "integrations_pullrun_progress",
    } <= names
    problems: list[str] = []
    for role in ROLES:
        user = dataset.users[role]
        client = Client()
        client.force_login(user)
        links: dict[str, str] = {}
        for page in pages:
            response = client.get(page.address)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                for link in ADMIN_LINK.findall(response.content.decode(errors="replace")):
                    links.setdefault(link, page.address)
            if response.status_code == 405 and page.ours and page.name not in NEVER_POST:
                response = client.post(page.address)
            body = response.content.decode(errors="replace")
            where = f"{role} {page.address} -> {response.status_code}"
            if response.status_code >= 500 or "Traceback" in body:
                problems.append(f"{where}: server error")
                continue
            allowed = may_open(page, user)
            if allowed is None:
                continue
            if allowed and response.status_code != 200:
                problems.append(f"{where}: expected 200")
            if not allowed and response.status_code not in (302, 403):
                problems.append(f"{where}: expected 403 or a redirect to log in")
            if not allowed and response.status_code == 302:
                assert "/login/" in response["Location"], where
        problems.extend(_dead_links(client, role, links))
    assert not problems, "\n".join(problems)


# A link to an admin page (not to its changelist filters: those are the page itself).
ADMIN_LINK = re.compile(r'href="(/admin/[^"?#]*)')


def _dead_links(client: Client, role: str, links: dict[str, str]) -> list[str]:
    """Each distinct linked page opened once as `role`: a link it would follow into a 403 is a fault."""
    refused = defaultdict(list)
    for link, source in links.items():
        if link.endswith("/logout/"):
            continue
        if client.get(link).status_code == 403:
            refused[link].append(source)
    return [f"{role}: {sources[0]} links to {link}, which answers 403" for link, sources in refused.items()]
