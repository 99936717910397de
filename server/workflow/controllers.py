"""HTTP endpoints of the review workflow: queue, approve/return, disputes, corrective actions,
the client-facing view of released audits, an audit's history and per-client rules."""

from __future__ import annotations

import uuid as uuid_module
from typing import Annotated, Any, Final, Literal

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.core.dependencies import (
    AuthenticatedCaller,
    DatabaseDep,
    MediaStoreDep,
    PhotoLimitsDep,
)
from server.photos.upload import TAKES_PHOTO
from server.workflow import rules
from server.workflow.corrective import CorrectiveService
from server.workflow.disputes import DisputeService
from server.workflow.evidence import EvidencePhotos, photo_body
from server.workflow.released import ReleasedAudits
from server.workflow.review import ReviewService
from server.workflow.schemas import (
    ApproveRequest,
    CommentCreate,
    CorrectiveAction,
    CorrectiveActionCreate,
    CorrectiveActionPage,
    CorrectiveActionUpdate,
    CorrectiveStep,
    Dispute,
    DisputeCreate,
    DisputePage,
    DisputeReject,
    DisputeUphold,
    History,
    QueuePage,
    ReleasedAudit,
    ReleasedAuditPage,
    ReturnRequest,
    ReviewOutcome,
    WorkflowSettings,
    WorkflowSettingsUpdate,
)

Reviews = NamedDependency[ReviewService]
Disputes = NamedDependency[DisputeService]
Corrective = NamedDependency[CorrectiveService]
Evidence = NamedDependency[EvidencePhotos]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]


def provide_reviews(database: DatabaseDep) -> ReviewService:
    return ReviewService(database)


def provide_disputes(database: DatabaseDep) -> DisputeService:
    return DisputeService(database)


def provide_corrective(database: DatabaseDep) -> CorrectiveService:
    return CorrectiveService(database)


REVIEWS = {"reviews": Provide(provide_reviews, sync_to_thread=False)}
DISPUTES = {"disputes": Provide(provide_disputes, sync_to_thread=False)}
CORRECTIVE = {"corrective": Provide(provide_corrective, sync_to_thread=False)}


def provide_evidence(
    database: DatabaseDep, media_store: MediaStoreDep, photo_limits: PhotoLimitsDep
) -> EvidencePhotos:
    """The client users' photo service, on the app's media store and photo limits."""
    return EvidencePhotos(database, media_store, photo_limits)


EVIDENCE = {"evidence": Provide(provide_evidence, sync_to_thread=False)}
DISPUTES_WITH_MEDIA = {**DISPUTES, **EVIDENCE}
CORRECTIVE_WITH_MEDIA = {**CORRECTIVE, **EVIDENCE}


def _status(created: bool) -> int:
    return 201 if created else 200


class ReviewController(Controller):
    path = "/api/v1/review"
    tags = ("review",)
    dependencies = REVIEWS

    @get("/queue")
    async def queue(
        self,
        caller: AuthenticatedCaller,
        reviews: Reviews,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 50,
        client_id: FromQuery[int | None] = None,
        sort: FromQuery[Literal["received", "trust"]] = "received",
    ) -> QueuePage:
        """Submitted audits of the caller's clients with flags and trust score, oldest first or
        (`sort=trust`) lowest trust first."""
        return await reviews.queue(caller, cursor, limit, client_id, sort)

    @post("/audits/{audit_uuid:uuid}/approve", status_code=200)
    async def approve(
        self,
        caller: AuthenticatedCaller,
        reviews: Reviews,
        audit_uuid: FromPath[uuid_module.UUID],
        data: JSONBody[ApproveRequest],
    ) -> ReviewOutcome:
        """Release the audit to the client: rollup and automatic corrective actions with it."""
        return await reviews.approve(caller, audit_uuid, data)

    @post("/audits/{audit_uuid:uuid}/return", status_code=200)
    async def return_audit(
        self,
        caller: AuthenticatedCaller,
        reviews: Reviews,
        audit_uuid: FromPath[uuid_module.UUID],
        data: JSONBody[ReturnRequest],
    ) -> ReviewOutcome:
        """Send the audit back to its auditor with notes per item."""
        return await reviews.return_to_auditor(caller, audit_uuid, data)

    @get("/audits/{audit_uuid:uuid}/history")
    async def history(
        self, caller: AuthenticatedCaller, reviews: Reviews, audit_uuid: FromPath[uuid_module.UUID]
    ) -> History:
        """Every state change of the audit, its disputes and corrective actions (agency only)."""
        return await reviews.history(caller, audit_uuid)


class ReleasedAuditController(Controller):
    path = "/api/v1/audits/released"
    tags = ("released audits",)

    @get("/")
    async def list_released(
        self,
        caller: AuthenticatedCaller,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 100,
        outlet: FromQuery[int | None] = None,
        wave: FromQuery[int | None] = None,
    ) -> ReleasedAuditPage:
        """Released audits in the caller's scope, newest first; never the auditor."""
        return await ReleasedAudits().list(caller, cursor, limit, outlet, wave)

    @get("/{audit_uuid:uuid}")
    async def get_released(
        self, caller: AuthenticatedCaller, audit_uuid: FromPath[uuid_module.UUID]
    ) -> ReleasedAudit:
        """One released audit with its answers and score; never the auditor."""
        return await ReleasedAudits().get(caller, audit_uuid)


class DisputeController(Controller):
    path = "/api/v1/disputes"
    tags = ("disputes",)
    dependencies = DISPUTES_WITH_MEDIA

    @get("/")
    async def list_disputes(
        self,
        caller: AuthenticatedCaller,
        disputes: Disputes,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 100,
        audit_uuid: FromQuery[uuid_module.UUID | None] = None,
        status: FromQuery[str | None] = None,
    ) -> DisputePage:
        return await disputes.list(caller, cursor, limit, audit_uuid, status)

    @post("/")
    async def raise_dispute(
        self, caller: AuthenticatedCaller, disputes: Disputes, data: JSONBody[DisputeCreate]
    ) -> Dispute:
        """An outlet manager disputes one item of a released audit within the window."""
        return await disputes.raise_dispute(caller, data)

    @get("/{dispute_id:int}")
    async def get_dispute(
        self, caller: AuthenticatedCaller, disputes: Disputes, dispute_id: FromPath[int]
    ) -> Dispute:
        return await disputes.get(caller, dispute_id)

    @put("/{dispute_id:int}/photo", status_code=200, opt=TAKES_PHOTO)
    async def attach_photo(
        self,
        request: Request[Any, Any, Any],
        caller: AuthenticatedCaller,
        evidence: Evidence,
        disputes: Disputes,
        dispute_id: FromPath[int],
    ) -> Response[Dispute]:
        """The image body becomes the open dispute's photo: 201 new, 200 the same bytes."""
        created = await evidence.attach_to_dispute(
            caller,
            dispute_id,
            photo_body(request, evidence.limits),
            request.headers.get("x-content-sha256"),
        )
        return Response(await disputes.get(caller, dispute_id), status_code=_status(created))

    @get("/{dispute_id:int}/photo/{variant:str}", media_type="image/jpeg")
    async def photo(
        self,
        caller: AuthenticatedCaller,
        evidence: Evidence,
        dispute_id: FromPath[int],
        variant: FromPath[str],
    ) -> Response[bytes]:
        """The dispute photo's `display` JPEG (1600 px) or `thumbnail` (400 px)."""
        data = await evidence.dispute_photo(caller, dispute_id, variant)
        return Response(data, media_type="image/jpeg")

    @post("/{dispute_id:int}/uphold", status_code=200)
    async def uphold(
        self,
        caller: AuthenticatedCaller,
        disputes: Disputes,
        dispute_id: FromPath[int],
        data: JSONBody[DisputeUphold],
    ) -> Dispute:
        """Correct the answer; the audit is re-scored and its rollup rewritten."""
        return await disputes.uphold(caller, dispute_id, data)

    @post("/{dispute_id:int}/reject", status_code=200)
    async def reject(
        self,
        caller: AuthenticatedCaller,
        disputes: Disputes,
        dispute_id: FromPath[int],
        data: JSONBody[DisputeReject],
    ) -> Dispute:
        return await disputes.reject(caller, dispute_id, data)


class CorrectiveActionController(Controller):
    path = "/api/v1/corrective-actions"
    tags = ("corrective actions",)
    dependencies = CORRECTIVE_WITH_MEDIA

    @get("/")
    async def list_actions(
        self,
        caller: AuthenticatedCaller,
        corrective: Corrective,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 100,
        outlet: FromQuery[int | None] = None,
        status: FromQuery[str | None] = None,
        audit_uuid: FromQuery[uuid_module.UUID | None] = None,
    ) -> CorrectiveActionPage:
        return await corrective.list(caller, cursor, limit, outlet, status, audit_uuid)

    @post("/")
    async def create_action(
        self,
        caller: AuthenticatedCaller,
        corrective: Corrective,
        data: JSONBody[CorrectiveActionCreate],
    ) -> CorrectiveAction:
        """A manager asks for a fix of a failed item of a released audit."""
        return await corrective.create(caller, data)

    @get("/{action_id:int}")
    async def get_action(
        self, caller: AuthenticatedCaller, corrective: Corrective, action_id: FromPath[int]
    ) -> CorrectiveAction:
        return await corrective.get(caller, action_id)

    @patch("/{action_id:int}")
    async def update_action(
        self,
        caller: AuthenticatedCaller,
        corrective: Corrective,
        action_id: FromPath[int],
        data: JSONBody[CorrectiveActionUpdate],
    ) -> CorrectiveAction:
        return await corrective.update(caller, action_id, data)

    @post("/{action_id:int}/complete", status_code=200)
    async def complete(
        self,
        caller: AuthenticatedCaller,
        corrective: Corrective,
        action_id: FromPath[int],
        data: JSONBody[CorrectiveStep],
    ) -> CorrectiveAction:
        """The owner reports the fix done, with an evidence photo and a comment."""
        return await corrective.step(caller, action_id, "complete", data)

    @put("/{action_id:int}/evidence", status_code=200, opt=TAKES_PHOTO)
    async def attach_evidence(
        self,
        request: Request[Any, Any, Any],
        caller: AuthenticatedCaller,
        evidence: Evidence,
        corrective: Corrective,
        action_id: FromPath[int],
    ) -> Response[CorrectiveAction]:
        """The image body becomes the open action's evidence: 201 new, 200 the same bytes."""
        created = await evidence.attach_to_action(
            caller,
            action_id,
            photo_body(request, evidence.limits),
            request.headers.get("x-content-sha256"),
        )
        return Response(await corrective.get(caller, action_id), status_code=_status(created))

    @get("/{action_id:int}/evidence/{variant:str}", media_type="image/jpeg")
    async def evidence(
        self,
        caller: AuthenticatedCaller,
        evidence: Evidence,
        action_id: FromPath[int],
        variant: FromPath[str],
    ) -> Response[bytes]:
        """The evidence photo's `display` JPEG (1600 px) or `thumbnail` (400 px)."""
        data = await evidence.action_photo(caller, action_id, variant)
        return Response(data, media_type="image/jpeg")

    @post("/{action_id:int}/verify", status_code=200)
    async def verify(
        self,
        caller: AuthenticatedCaller,
        corrective: Corrective,
        action_id: FromPath[int],
        data: JSONBody[CorrectiveStep],
    ) -> CorrectiveAction:
        return await corrective.step(caller, action_id, "verify", data)

    @post("/{action_id:int}/reopen", status_code=200)
    async def reopen(
        self,
        caller: AuthenticatedCaller,
        corrective: Corrective,
        action_id: FromPath[int],
        data: JSONBody[CorrectiveStep],
    ) -> CorrectiveAction:
        """The evidence did not convince: back to open."""
        return await corrective.step(caller, action_id, "reopen", data)

    @post("/{action_id:int}/comments", status_code=201)
    async def comment(
        self,
        caller: AuthenticatedCaller,
        corrective: Corrective,
        action_id: FromPath[int],
        data: JSONBody[CommentCreate],
    ) -> CorrectiveAction:
        return await corrective.comment(caller, action_id, data)


class WorkflowSettingsController(Controller):
    path = "/api/v1/clients/{client_id:int}/workflow-settings"
    tags = ("review",)

    @get("/")
    async def get_settings(
        self, caller: AuthenticatedCaller, client_id: FromPath[int]
    ) -> WorkflowSettings:
        return await rules.get_settings(caller, client_id)

    @put("/")
    async def update_settings(
        self,
        caller: AuthenticatedCaller,
        database: DatabaseDep,
        client_id: FromPath[int],
        data: JSONBody[WorkflowSettingsUpdate],
    ) -> WorkflowSettings:
        return await rules.update_settings(database, caller, client_id, data)


ROUTES: Final = [
    ReviewController,
    ReleasedAuditController,
    DisputeController,
    CorrectiveActionController,
    WorkflowSettingsController,
]
