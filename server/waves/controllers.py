"""HTTP endpoints of waves, assignments, bulk assignment and planning a wave's visits."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.core.database import Database
from server.core.dependencies import AuthenticatedCaller
from server.waves.planning import PlanningService
from server.waves.schemas import (
    Assignment,
    AssignmentCreate,
    AssignmentPage,
    AssignmentUpdate,
    BulkAssign,
    BulkAssignReport,
    PlanRequest,
    PublishedVisits,
    VisitsPublish,
    Wave,
    WaveCreate,
    WavePage,
    WavePlan,
    WaveUpdate,
)
from server.waves.service import WaveService

DatabaseDep = NamedDependency[Database]
Waves = NamedDependency[WaveService]
Planning = NamedDependency[PlanningService]

Limit = Annotated[int, QueryParameter(ge=1, le=1000)]


def provide_waves(database: DatabaseDep) -> WaveService:
    return WaveService(database)


def provide_planning(database: DatabaseDep) -> PlanningService:
    return PlanningService(database)


WAVES = {
    "waves": Provide(provide_waves, sync_to_thread=False),
    "planning": Provide(provide_planning, sync_to_thread=False),
}


class WaveController(Controller):
    path = "/api/v1/waves"
    tags = ("waves",)
    dependencies = WAVES

    @get("/")
    async def list_waves(
        self,
        caller: AuthenticatedCaller,
        waves: Waves,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 100,
        client_id: FromQuery[int | None] = None,
    ) -> WavePage:
        return await waves.list_waves(caller, cursor, limit, client_id)

    @post("/")
    async def create_wave(
        self, caller: AuthenticatedCaller, waves: Waves, data: JSONBody[WaveCreate]
    ) -> Wave:
        return await waves.create_wave(caller, data)

    @get("/{wave_id:int}")
    async def get_wave(
        self, caller: AuthenticatedCaller, waves: Waves, wave_id: FromPath[int]
    ) -> Wave:
        return await waves.get_wave(caller, wave_id)

    @patch("/{wave_id:int}")
    async def update_wave(
        self,
        caller: AuthenticatedCaller,
        waves: Waves,
        wave_id: FromPath[int],
        data: JSONBody[WaveUpdate],
    ) -> Wave:
        return await waves.update_wave(caller, wave_id, data)

    @delete("/{wave_id:int}")
    async def delete_wave(
        self, caller: AuthenticatedCaller, waves: Waves, wave_id: FromPath[int]
    ) -> None:
        await waves.delete_wave(caller, wave_id)

    @post("/{wave_id:int}/assign", status_code=HTTP_200_OK)
    async def bulk_assign(
        self,
        caller: AuthenticatedCaller,
        waves: Waves,
        wave_id: FromPath[int],
        data: JSONBody[BulkAssign],
    ) -> BulkAssignReport:
        return await waves.bulk_assign(caller, wave_id, data)

    @post("/{wave_id:int}/plan", status_code=HTTP_200_OK)
    async def plan(
        self,
        caller: AuthenticatedCaller,
        planning: Planning,
        wave_id: FromPath[int],
        data: JSONBody[PlanRequest],
    ) -> WavePlan:
        """Propose who visits which outlet, on which channel, when (not stored); visits no
        auditor may take are listed with the reason (docs/contract.md#planning)."""
        return await planning.plan(caller, wave_id, data)

    @post("/{wave_id:int}/assignments/bulk", status_code=HTTP_201_CREATED)
    async def publish_visits(
        self,
        caller: AuthenticatedCaller,
        planning: Planning,
        wave_id: FromPath[int],
        data: JSONBody[VisitsPublish],
    ) -> PublishedVisits:
        """Store the visits of an (edited) proposal as assignments, all or none; every problem
        is named (`visits[i].field`). Phones get them at their next sync."""
        return await planning.publish(caller, wave_id, data)


class AssignmentController(Controller):
    path = "/api/v1/assignments"
    tags = ("waves",)
    dependencies = WAVES

    @get("/")
    async def list_assignments(
        self,
        caller: AuthenticatedCaller,
        waves: Waves,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 100,
        wave_id: FromQuery[int | None] = None,
        outlet_id: FromQuery[int | None] = None,
        auditor_id: FromQuery[int | None] = None,
        status: FromQuery[str | None] = None,
    ) -> AssignmentPage:
        return await waves.list_assignments(
            caller, cursor, limit, wave_id, outlet_id, auditor_id, status
        )

    @post("/")
    async def create_assignment(
        self,
        caller: AuthenticatedCaller,
        waves: Waves,
        data: JSONBody[AssignmentCreate],
    ) -> Assignment:
        return await waves.create_assignment(caller, data)

    @get("/{assignment_id:int}")
    async def get_assignment(
        self,
        caller: AuthenticatedCaller,
        waves: Waves,
        assignment_id: FromPath[int],
    ) -> Assignment:
        return await waves.get_assignment(caller, assignment_id)

    @patch("/{assignment_id:int}")
    async def update_assignment(
        self,
        caller: AuthenticatedCaller,
        waves: Waves,
        assignment_id: FromPath[int],
        data: JSONBody[AssignmentUpdate],
    ) -> Assignment:
        return await waves.update_assignment(caller, assignment_id, data)

    @delete("/{assignment_id:int}")
    async def cancel_assignment(
        self,
        caller: AuthenticatedCaller,
        waves: Waves,
        assignment_id: FromPath[int],
    ) -> None:
        await waves.cancel_assignment(caller, assignment_id)
