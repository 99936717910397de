"""Published checklist versions, parsed once.

A published version never changes (a change publishes version N+1), so a parsed `Template`
can be kept for as long as the process runs, by body text or by row id, in every process of a
deployment alike.
"""

from __future__ import annotations

import functools
import json

from server.core.database import Database
from shared.checklist import Template


@functools.lru_cache(maxsize=256)
def parsed_template(body: str) -> Template:
    """A published template body (JSON text), parsed."""
    return Template.from_dict(json.loads(body))


class PublishedTemplates:
    """Parsed published templates by row id, read from the database the first time."""

    def __init__(self) -> None:
        self._by_id: dict[int, Template] = {}

    async def get(self, database: Database, template_id: int) -> Template:
        template = self._by_id.get(template_id)
        if template is None:
            rows = await database.fetch(
                "SELECT body FROM checklist_template WHERE id = ?", template_id
            )
            template = self._by_id[template_id] = parsed_template(rows[0]["body"])
        return template
