"""Walking a vendor's paged list to its end, and proving that the end is the end.

A vendor that states a total (VCC Live `totalCount`, VoIPstudio `total`, Collect! `numRecords`)
is walked until that many rows have come: a short page is never taken for the end (VCC Live
answers at most 500 rows whatever `num` asks), and a page that is empty, or that the vendor calls
its last, before the total is reached ends the walk as `IncompleteWalk`. A vendor that states no
total ends at a short page (offset and page-number lists) or at the page it calls its last (a
cursor). Every walk has a bound on its pages (`WalkTooLong`), so a vendor whose list never ends
cannot keep a pull running for ever.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from integrations.vendors.resources import IncompleteWalk, WalkTooLong


@dataclass
class Answer:
    """One page as the vendor answered it."""

    rows: list[dict[str, Any]]
    total: int | None = None
    """The vendor's count of rows in the whole list, when it says (re-read on every page)."""
    last: bool = False
    """The vendor said this page is the last (a null nextUri, the final one of numPages)."""


Fetch = Callable[[int, int], Answer]
"""(page index from 0, rows received so far) -> the vendor's answer for that page."""


def walk(fetch: Fetch, *, where: str, max_pages: int, limit: int | None = None) -> Iterator[Answer]:
    """Every page of one list, each yielded as it arrives.

    `limit` is the page size asked for; None means a short page proves nothing (a cursor walk, or
    a vendor that may cut pages below the size asked) and only the vendor's total or last page
    ends the walk. Raises `IncompleteWalk` or `WalkTooLong` after yielding every page it fetched.
    """
    received = 0
    for index in range(max_pages):
        answer = fetch(index, received)
        received += len(answer.rows)
        yield answer
        if answer.total is not None:
            if received >= answer.total:
                return
            if not answer.rows or answer.last:
                raise IncompleteWalk(received, answer.total, where)
        elif answer.last or (limit is not None and len(answer.rows) < limit):
            return
    raise WalkTooLong(max_pages, where)


def combined(gaps: Sequence[IncompleteWalk]) -> IncompleteWalk | None:
    """One shortfall for several lists of one walk (VCC Live's days or projects), or None."""
    if not gaps:
        return None
    return IncompleteWalk(
        sum(gap.fetched for gap in gaps),
        sum(gap.expected for gap in gaps),
        ", ".join(gap.where for gap in gaps),
    )
