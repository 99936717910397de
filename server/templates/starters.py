"""Loading the starter checklist templates shipped in `shared/starters` (idempotent)."""

from __future__ import annotations

import json
from importlib.resources import files

from server.core.database import Database
from server.templates.service import TemplateService
from server.templates.tables import ChecklistTemplate
from shared.starters import PACKAGE, STARTERS


async def load_starters(database: Database) -> list[str]:
    """Create and publish every starter whose key is not in the database yet."""
    service = TemplateService(database)
    loaded = []
    for name in STARTERS:
        body = json.loads(files(PACKAGE).joinpath(name).read_text("utf-8"))
        if await ChecklistTemplate.exists().where(ChecklistTemplate.key == body["key"]):
            continue
        draft = await service.create_template(None, body)
        await service.publish(None, draft.id)
        loaded.append(body["key"])
    return loaded
