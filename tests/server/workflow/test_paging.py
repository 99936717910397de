"""Every cursor-paged list walks each record once, in id order, whatever the page size:
disputes, corrective actions, waves, assignments, templates, clients, regions, outlets and
users (docs/contract.md#errors for the cursor's rules)."""

from __future__ import annotations

from typing import Any

from tests.server.api import Api
from tests.server.workflow.helpers import ReviewWorld, answers

LISTS = (
    "/api/v1/disputes",
    "/api/v1/corrective-actions",
    "/api/v1/waves",
    "/api/v1/assignments",
    "/api/v1/templates",
    "/api/v1/clients",
    "/api/v1/clients/{client}/regions",
    "/api/v1/outlets",
    "/api/v1/users",
)


async def walk(api: Api, headers: dict[str, str], path: str, limit: int) -> list[Any]:
    """The ids of every page of `path`, `limit` at a time, following the cursors."""
    seen: list[Any] = []
    cursor = ""
    while True:
        page = await api.ok("GET", f"{path}?limit={limit}&cursor={cursor}", headers)
        assert len(page["items"]) <= limit
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            return seen
        cursor = page["next_cursor"]


async def test_each_list_pages_through_every_record_once(api: Api, review: ReviewWorld) -> None:
    for _ in range(3):
        failed = await review.approved(audit_answers=answers(exit_clear=False))
        await review.dispute(failed.uuid)
    admin = review.headers["admin"]
    for path in (path.format(client=review.ids["client_a"]) for path in LISTS):
        whole = await walk(api, admin, path, 500)
        assert len(whole) >= 2, path  # so that a page of one has a next page
        assert sorted(whole) == whole, path
        for limit in (1, 2):
            assert whole == await walk(api, admin, path, limit), (path, limit)
    # A page ending exactly on the last record says there is no next page.
    waves = await walk(api, admin, "/api/v1/waves", 500)
    page = await api.ok("GET", f"/api/v1/waves?limit={len(waves)}", admin)
    assert page["next_cursor"] is None
