"""The demo's fieldwork: every wave filled with audits, reviews, disputes and corrective actions.

Everything goes through the services behind the HTTP API, as the people of the demo: auditors
upload photos (`PhotoIntake`) and audits (`AuditIngest`, which scores, flags and stores them),
reviewers approve or return (`ReviewService`: release, score rollup, automatic corrective
actions), outlet managers dispute and reviewers resolve (`DisputeService`), managers complete
actions and reviewers verify them (`CorrectiveService`). Nothing is inserted behind their backs.

The story: the three older waves are released, a few audits after a return and a corrected
resubmission, a few still back with their auditor; the outlet managers of PM-001 and SC-001
disputed items (upheld, rejected, still open) and own corrective actions in every state. The
latest wave is in the field: some visits done and waiting in the review queue (a handful with
proof-of-visit flags: off site, too short, an old photo reused...), the rest still assigned.

Deterministic: every visit draws from its own seeded generator, keyed by wave, outlet, channel
and number, and has a fixed uuid, so a re-run recognises what is stored and adds nothing; an
interrupted load carries on with the visits it had not reached (the one it was in the middle of
stays where it stopped). Visit and receipt times lie inside the wave; review, release, disputes
and corrective actions happen now, when the demo is loaded, so the dispute window is open.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import random
import uuid as uuid_module
from collections import Counter
from typing import Any, Final
from zoneinfo import ZoneInfo

from server.access.caller import Caller
from server.audits.ingest import AuditIngest
from server.audits.photo_intake import PhotoIntake
from server.audits.tables import Audit
from server.auth.service import load_caller
from server.core.database import Database
from server.core.settings import Settings
from server.demo import texts
from server.demo.answers import DrawnAudit, PhotoShot, draw_audit, passes
from server.demo.photos import SHOP_FRONT, PhotoSet
from server.demo.programme import QUARTERS
from server.photos import PhotoLimits
from server.storage import media_store_from_settings
from server.templates.published import PublishedTemplates
from server.users.tables import User
from server.waves.tables import Assignment
from server.workflow.corrective import CorrectiveService
from server.workflow.disputes import DisputeService
from server.workflow.review import ReviewService
from server.workflow.schemas import (
    ApproveRequest,
    CorrectedAnswer,
    CorrectiveActionCreate,
    CorrectiveStep,
    DisputeCreate,
    DisputeReject,
    DisputeUphold,
    ReturnNoteIn,
    ReturnRequest,
)
from shared.checklist import Template
from shared.lifecycle import APPROVED, DONE, OPEN, REJECTED, RETURNED, SUBMITTED, UPHELD, VERIFIED

FIRST_QUARTER: Final = QUARTERS[0][0]
LAST_QUARTER: Final = QUARTERS[-1][0]
NAMESPACE: Final = uuid_module.UUID("5d1c2c1e-4f0b-4d38-9a57-6e0c2b1d7a90")
DEMO_CLIENTS: Final = {
    "Polmarket": "pm-001@polmarket.demo",
    "Sever Coffee": "sc-001@severcoffee.demo",
}
REVIEWERS: Final = {
    "Polmarket": "reviewer1@shopscore.demo",
    "Sever Coffee": "reviewer2@shopscore.demo",
}
REGION_LANGUAGES: Final = {"Mazowsze": "pl", "Kyiv": "uk", "Tsentralny": "ru"}
MANAGER_LANGUAGES: Final = {"Polmarket": "pl", "Sever Coffee": "ru"}
DOMAINS: Final = {"Polmarket": "polmarket.demo", "Sever Coffee": "severcoffee.demo"}
REGIONAL_MANAGERS: Final = {
    "Mazowsze": "mazowsze@polmarket.demo",
    "Kyiv": "kyiv@polmarket.demo",
    "Tsentralny": "centre@severcoffee.demo",
}

# A visit's fate in the demo: a status of the lifecycle, or one of these two.
RETURNED_THEN_APPROVED, NOT_STARTED = "returned_then_approved", "not_started"
OFF_SITE, TOO_SHORT, PHOTO_OUTSIDE, PHOTO_REUSED, CLOCK_SKEW = (
    "off_site", "too_short", "photo_outside_visit", "photo_reused", "clock_skew",
)  # fmt: skip
FLAGGED_VISITS: Final = (OFF_SITE, TOO_SHORT, PHOTO_OUTSIDE, PHOTO_REUSED, CLOCK_SKEW)


@dataclasses.dataclass(frozen=True, slots=True)
class Story:
    """What happens to one particular audit after it is released."""

    must_fail: tuple[str, ...] = ()
    dispute: tuple[str, str] | None = None  # (item, outcome: open / upheld / rejected)
    manager_action: tuple[str, str] | None = None  # (item, final status)


# (wave, outlet, channel, visit number): the managers' side of the story, in every outcome.
STORIES: Final[dict[tuple[str, str, str, int], Story]] = {
    ("Polmarket Q1 2026", "PM-001", "in_store", 1): Story(("goodbye",), ("goodbye", UPHELD)),
    ("Polmarket Q1 2026", "PM-001", "phone", 1): Story(
        ("thanked",), manager_action=("thanked", VERIFIED)
    ),
    ("Polmarket Q2 2026", "PM-001", "in_store", 1): Story(
        ("cashier_courtesy",), ("cashier_courtesy", REJECTED)
    ),
    ("Polmarket Q2 2026", "PM-001", "in_store", 2): Story(
        ("goodbye",), manager_action=("goodbye", DONE)
    ),
    ("Polmarket Q2 2026", "PM-001", "phone", 1): Story(
        ("thanked", "anything_else"), ("thanked", OPEN), ("anything_else", OPEN)
    ),
    ("Sever Coffee Q1 2026", "SC-001", "in_store", 1): Story(("goodbye",), ("goodbye", UPHELD)),
    ("Sever Coffee Q1 2026", "SC-001", "in_store", 2): Story(
        ("cashier_courtesy",), ("cashier_courtesy", OPEN)
    ),
    ("Sever Coffee Q1 2026", "SC-001", "phone", 1): Story(
        ("anything_else",), manager_action=("anything_else", OPEN)
    ),
}


@dataclasses.dataclass(slots=True)
class Visit:
    """One assignment of a demo wave and the audit the demo makes of it."""

    key: str
    uuid: uuid_module.UUID
    assignment_id: int
    auditor_id: int
    auditor_email: str
    channel: str
    template_id: int
    template_key: str
    template_version: int
    outlet_id: int
    outlet_code: str
    outlet_lat: float
    outlet_lon: float
    timezone: str
    region: str
    client: str
    wave: str
    wave_starts: dt.date
    wave_ends: dt.date
    number: int
    latest_wave: bool
    fate: str = APPROVED
    flag: str | None = None
    borrowed_photo_from: Visit | None = None

    @property
    def language(self) -> str:
        return REGION_LANGUAGES.get(self.region, "en")

    @property
    def story(self) -> Story:
        return STORIES.get((self.wave, self.outlet_code, self.channel, self.number), Story())

    def rng(self, purpose: str) -> random.Random:
        return random.Random(f"{purpose}/{self.key}")  # noqa: S311 -- a repeatable demo


@dataclasses.dataclass
class FieldworkSummary:
    """What one run added: audits by final status, photos, disputes, corrective actions."""

    audits: Counter[str] = dataclasses.field(default_factory=Counter)
    photos: int = 0
    disputes: int = 0
    actions: int = 0

    def line(self) -> str:
        if not self.audits:
            return "demo audits: all present, nothing added"
        states = ", ".join(f"{count} {state}" for state, count in sorted(self.audits.items()))
        return (
            f"demo audits: {sum(self.audits.values())} added ({states}); {self.photos} photos, "
            f"{self.disputes} disputes, {self.actions} corrective actions"
        )


# One shopper who fails what colleagues pass, so that the league's leniency model has a real
# difference to find and to take out (docs/contract.md#estimates); the others score alike.
AUDITOR_LENIENCY: Final = {"auditor5@shopscore.demo": -0.25}


def outlet_quality(code: str) -> float:
    """The outlet's lasting standard of service: a few leaders, a few laggards."""
    rng = random.Random(f"quality/{code}")  # noqa: S311
    tier = rng.random()
    if tier < 0.25:
        return rng.uniform(0.9, 0.98)
    if tier < 0.75:
        return rng.uniform(0.74, 0.9)
    return rng.uniform(0.5, 0.7)


def wave_quality(visit: Visit) -> float:
    """The outlet's quality in this wave as its shopper saw it: it drifts a little from
    quarter to quarter, and the demo's harsh shopper sees it worse."""
    base = outlet_quality(visit.outlet_code)
    drift = random.Random(f"drift/{visit.outlet_code}").uniform(-0.08, 0.1)  # noqa: S311
    quarter = 0 if visit.wave.endswith(FIRST_QUARTER) else 1
    noise = visit.rng("noise").gauss(0, 0.04)
    leniency = AUDITOR_LENIENCY.get(visit.auditor_email, 0.0)
    return min(0.99, max(0.3, base + drift * quarter + noise + leniency))


def _visit_key(wave: str, code: str, channel: str, number: int) -> str:
    return f"{wave}/{code}/{channel}/{number}"


async def plan_visits() -> list[Visit]:
    """Every assignment of the demo waves, in a stable order, with its fate decided."""
    rows = await Assignment.raw(
        "SELECT a.id AS assignment, a.auditor, u.email AS auditor_email, a.channel, a.template, "
        "t.key AS template_key, "
        "t.version AS template_version, o.id AS outlet, o.code, o.lat, o.lon, o.timezone, "
        "r.name AS region, c.name AS client, w.id AS wave_id, w.name AS wave, w.starts_on, "
        "w.ends_on "
        "FROM assignment a JOIN wave w ON w.id = a.wave JOIN outlet o ON o.id = a.outlet "
        "JOIN region r ON r.id = o.region JOIN client c ON c.id = w.client "
        "JOIN checklist_template t ON t.id = a.template JOIN app_user u ON u.id = a.auditor "
        "WHERE c.name IN ({}, {}) AND a.status <> 'cancelled' "
        "ORDER BY w.starts_on, w.id, o.code, a.channel, a.id",
        *DEMO_CLIENTS,
    )
    if not rows:
        return []
    latest = max(rows, key=lambda row: (str(row["starts_on"]), row["wave_id"]))
    numbers: Counter[tuple[str, str, str]] = Counter()
    visits = []
    for row in rows:
        slot = (row["wave"], row["code"], row["channel"])
        numbers[slot] += 1
        key = _visit_key(*slot, numbers[slot])
        visits.append(
            Visit(
                key=key,
                uuid=uuid_module.uuid5(NAMESPACE, key),
                assignment_id=row["assignment"],
                auditor_id=row["auditor"],
                auditor_email=row["auditor_email"],
                channel=row["channel"],
                template_id=row["template"],
                template_key=row["template_key"],
                template_version=row["template_version"],
                outlet_id=row["outlet"],
                outlet_code=row["code"],
                outlet_lat=float(row["lat"]),
                outlet_lon=float(row["lon"]),
                timezone=row["timezone"],
                region=row["region"],
                client=row["client"],
                wave=row["wave"],
                wave_starts=_date(row["starts_on"]),
                wave_ends=_date(row["ends_on"]),
                number=numbers[slot],
                latest_wave=row["wave"] == latest["wave"],
            )
        )
    _decide_fates(visits)
    return visits


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _decide_fates(visits: list[Visit]) -> None:
    by_key = {visit.key: visit for visit in visits}
    for visit in visits:
        draw = visit.rng("fate").random()
        if visit.latest_wave:
            visit.fate = NOT_STARTED if draw < 0.35 else RETURNED if draw < 0.42 else SUBMITTED
        elif visit.story != Story():
            visit.fate = APPROVED
        elif draw < 0.09:
            visit.fate = RETURNED_THEN_APPROVED
        elif draw < 0.12 and not visit.wave.endswith(FIRST_QUARTER):
            visit.fate = RETURNED
    # A few visits of the latest wave that a reviewer should look at twice.
    suspects = [v for v in visits if v.fate == SUBMITTED and v.channel == "in_store"]
    for visit, flag in zip(suspects[::3], FLAGGED_VISITS, strict=False):
        visit.flag = flag
        if flag == PHOTO_REUSED:
            # Last quarter's shop-front photo of the same outlet, sent again.
            earlier = _visit_key(
                visit.wave.replace(LAST_QUARTER, FIRST_QUARTER),
                visit.outlet_code,
                "in_store",
                visit.number,
            )
            visit.borrowed_photo_from = by_key.get(earlier)
            if visit.borrowed_photo_from is None:
                visit.flag = None


def visit_window(visit: Visit, drawn: DrawnAudit) -> tuple[dt.datetime, dt.datetime]:
    """When the visit (call, enquiry) started and finished, in the outlet's time zone."""
    rng = visit.rng("times")
    days = (visit.wave_ends - visit.wave_starts).days
    day = visit.wave_starts + dt.timedelta(days=rng.randint(0, days))
    start = dt.datetime.combine(day, dt.time(rng.randint(9, 18), rng.randint(0, 59)))
    start = start.replace(tzinfo=ZoneInfo(visit.timezone))
    if visit.channel == "email":
        hours = next(
            (a["value"] for a in drawn.answers if a["item"] == "response_hours"), None
        ) or rng.uniform(2, 30)
        return start, start + dt.timedelta(hours=float(hours), minutes=rng.randint(5, 20))
    if visit.flag == TOO_SHORT:
        return start, start + dt.timedelta(minutes=3)
    minutes = rng.randint(12, 32) if visit.channel == "in_store" else rng.randint(4, 11)
    return start, start + dt.timedelta(minutes=minutes)


class Fieldwork:
    """The people of the demo and the services they use, for one load."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.templates = PublishedTemplates()
        self.intake = PhotoIntake(
            database,
            media_store_from_settings(settings),
            PhotoLimits(max_bytes=settings.max_photo_bytes),
        )
        self.review = ReviewService(database)
        self.disputes = DisputeService(database)
        self.actions = CorrectiveService(database)
        self.photos = PhotoSet()
        self.callers: dict[int, Caller] = {}
        self.by_email: dict[str, Caller] = {}
        self.parsed: dict[int, Template] = {}
        self.summary = FieldworkSummary()

    async def _load_people(self) -> None:
        for row in await User.select(User.id, User.email):
            caller = await load_caller(row["id"])
            self.callers[row["id"]] = caller
            self.by_email[row["email"]] = caller

    async def run(self) -> FieldworkSummary:
        visits = await plan_visits()
        stored = {
            uuid_module.UUID(str(row["uuid"]))
            for row in await Audit.select(Audit.uuid).where(
                Audit.uuid.is_in([visit.uuid for visit in visits] or [NAMESPACE])
            )
        }
        todo = [v for v in visits if v.fate != NOT_STARTED and v.uuid not in stored]
        if not todo:
            return self.summary
        await self._load_people()
        for visit in todo:
            await self._carry_out(visit)
        return self.summary

    async def _template(self, visit: Visit) -> Template:
        template = self.parsed.get(visit.template_id)
        if template is None:
            template = await self.templates.get(self.database, visit.template_id)
            self.parsed[visit.template_id] = template
        return template

    async def _carry_out(self, visit: Visit) -> None:
        """Make, send and take the visit's audit as far as its fate says."""
        template = await self._template(visit)
        auditor = self.callers[visit.auditor_id]
        drawn = draw_audit(
            template, wave_quality(visit), visit.language, visit.rng("answers"),
            visit.story.must_fail,
        )  # fmt: skip
        started, finished = visit_window(visit, drawn)
        # A phone sends an audit's photos side by side; deriving them runs in worker threads.
        sent = await asyncio.gather(
            *(
                self._send_photo(visit, shot, index, started, finished, drawn)
                for index, shot in enumerate(drawn.shots)
            )
        )
        for answer in drawn.answers:
            answer["photos"] = [
                str(photo) for shot, photo in zip(drawn.shots, sent, strict=True)
                if shot.item == answer["item"]
            ]  # fmt: skip
        received = finished + dt.timedelta(minutes=visit.rng("sync").randint(2, 90))
        body = self._body(visit, drawn, started, finished, received)
        await self._put(auditor, visit, body, received)
        reviewer = self.by_email[REVIEWERS[visit.client]]
        if visit.fate in (RETURNED, RETURNED_THEN_APPROVED):
            noted = self._noted_item(drawn)
            note = visit.rng("note").choice(texts.RETURN_NOTES[visit.language])
            await self.review.return_to_auditor(
                reviewer, visit.uuid, ReturnRequest(notes=[ReturnNoteIn(item=noted, note=note)])
            )
            if visit.fate == RETURNED:
                self.summary.audits["returned"] += 1
                return
            answer = next(a for a in drawn.answers if a["item"] == noted)
            extra = texts.RESUBMIT_COMMENTS[visit.language][0]
            answer["comment"] = f"{answer['comment']} {extra}".strip()
            received += dt.timedelta(days=1, hours=2)
            body = self._body(visit, drawn, started, finished, received)
            await self._put(auditor, visit, body, received)
        if visit.fate == SUBMITTED:
            self.summary.audits["submitted"] += 1
            return
        # The steps after release share one transaction (each service joins it): one
        # connection instead of one per query, and an audit is released with its story or
        # not at all. Ingest above uses its own connection, so it stays outside.
        async with self.database.transaction():
            outcome = await self.review.approve(reviewer, visit.uuid, ApproveRequest())
            await self._automatic_actions(visit, outcome.corrective_action_ids, reviewer)
            await self._managers_story(visit, template, drawn, reviewer)
        self.summary.audits["released"] += 1

    async def _send_photo(
        self,
        visit: Visit,
        shot: PhotoShot,
        index: int,
        started: dt.datetime,
        finished: dt.datetime,
        drawn: DrawnAudit,
    ) -> uuid_module.UUID:
        brand = visit.client
        taken = started + (finished - started) * shot.moment
        taken = taken.replace(second=visit.rng(f"second/{index}").randint(0, 59))
        if visit.flag == PHOTO_OUTSIDE and index == len(drawn.shots) - 1:
            taken -= dt.timedelta(hours=5)
        photo_uuid = uuid_module.uuid5(NAMESPACE, f"{visit.key}/photo/{index}")
        seed = str(photo_uuid)
        source = visit.borrowed_photo_from
        if visit.flag == PHOTO_REUSED and shot.scene == SHOP_FRONT and source is not None:
            earlier = draw_audit(
                await self._template(source), wave_quality(source), source.language,
                source.rng("answers"), source.story.must_fail,
            )  # fmt: skip
            start, finish = visit_window(source, earlier)
            first = earlier.shots[0]
            taken = (start + (finish - start) * first.moment).replace(
                second=source.rng("second/0").randint(0, 59)
            )
            # The very shot of the earlier audit: the same bytes.
            seed = str(uuid_module.uuid5(NAMESPACE, f"{source.key}/photo/0"))
        data = self.photos.jpeg(shot.scene, brand, taken, seed)
        created, _receipt = await self.intake.put_photo(
            self.callers[visit.auditor_id], photo_uuid, data, hashlib.sha256(data).hexdigest()
        )
        self.summary.photos += int(created)
        return photo_uuid

    def _body(
        self,
        visit: Visit,
        drawn: DrawnAudit,
        started: dt.datetime,
        finished: dt.datetime,
        received: dt.datetime,
    ) -> dict[str, Any]:
        rng = visit.rng("place")
        location = None
        if visit.channel == "in_store":
            spread = 0.02 if visit.flag == OFF_SITE else 0.0003
            location = {
                "lat": round(visit.outlet_lat + rng.uniform(-spread, spread), 6),
                "lon": round(visit.outlet_lon + rng.uniform(-spread, spread), 6),
                "accuracy_m": rng.randint(5, 25),
                "at": (started + dt.timedelta(seconds=40)).isoformat(),
            }
            if visit.flag == OFF_SITE:
                location["lat"] = round(visit.outlet_lat + 0.02, 6)
        skew = dt.timedelta(minutes=25) if visit.flag == CLOCK_SKEW else dt.timedelta(seconds=2)
        return {
            "assignment_id": visit.assignment_id,
            "template": {"key": visit.template_key, "version": visit.template_version},
            "started_at": started.isoformat(),
            "finished_at": finished.isoformat(),
            "sent_at": (received - skew).isoformat(),
            "location": location,
            "answers": [dict(answer) for answer in drawn.answers],
        }

    async def _put(
        self, auditor: Caller, visit: Visit, body: dict[str, Any], received: dt.datetime
    ) -> None:
        at = received.astimezone(dt.UTC)
        ingest = AuditIngest(self.database, self.templates, clock=lambda: at)
        await ingest.put_audit(auditor, visit.uuid, body)

    @staticmethod
    def _noted_item(drawn: DrawnAudit) -> str:
        """The item a reviewer asks about: the first failure with a comment, else any."""
        commented = [
            str(a["item"]) for a in drawn.answers if a["comment"] and a["value"] is not None
        ]
        return commented[0] if commented else str(drawn.answers[0]["item"])

    def _completer(self, visit: Visit) -> Caller:
        """Who reports an action done: the outlet's manager, else the region's manager."""
        manager = self.by_email.get(f"{visit.outlet_code.lower()}@{DOMAINS[visit.client]}")
        return manager or self.by_email[REGIONAL_MANAGERS[visit.region]]

    async def _automatic_actions(
        self, visit: Visit, action_ids: list[int], reviewer: Caller
    ) -> None:
        """Critical failures' actions: older ones mostly handled, recent ones mostly open."""
        self.summary.actions += len(action_ids)
        for action_id in action_ids:
            draw = random.Random(f"action/{visit.key}/{action_id}").random()  # noqa: S311
            handled = 0.8 if visit.wave.endswith(FIRST_QUARTER) else 0.5
            if draw >= handled:
                continue
            await self._complete(visit, action_id, verify=draw < handled * 0.6, reviewer=reviewer)

    async def _complete(self, visit: Visit, action_id: int, verify: bool, reviewer: Caller) -> None:
        language = MANAGER_LANGUAGES[visit.client]
        rng = visit.rng(f"done/{action_id}")
        await self.actions.step(
            self._completer(visit),
            action_id,
            "complete",
            CorrectiveStep(comment=rng.choice(texts.ACTION_DONE[language])),
        )
        if verify:
            await self.actions.step(
                reviewer,
                action_id,
                "verify",
                CorrectiveStep(comment=texts.ACTION_VERIFIED[language][0]),
            )

    async def _managers_story(
        self, visit: Visit, template: Template, drawn: DrawnAudit, reviewer: Caller
    ) -> None:
        story = visit.story
        language = MANAGER_LANGUAGES[visit.client]
        manager = self.by_email[DEMO_CLIENTS[visit.client]]
        rng = visit.rng("managers")
        if story.dispute is not None:
            item, outcome = story.dispute
            dispute = await self.disputes.raise_dispute(
                manager,
                DisputeCreate(
                    audit_uuid=visit.uuid,
                    item=item,
                    reason=rng.choice(texts.DISPUTE_REASONS[language]),
                ),
            )
            self.summary.disputes += 1
            if outcome == UPHELD:
                await self.disputes.uphold(
                    reviewer,
                    dispute.id,
                    DisputeUphold(
                        reply=texts.UPHOLD_REPLIES[language][0],
                        answer=CorrectedAnswer(value=_passing_value(template, item)),
                    ),
                )
            elif outcome == REJECTED:
                await self.disputes.reject(
                    reviewer, dispute.id, DisputeReject(reply=texts.REJECT_REPLIES[language][0])
                )
        if story.manager_action is not None:
            item, status = story.manager_action
            action = await self.actions.create(
                manager,
                CorrectiveActionCreate(
                    audit_uuid=visit.uuid,
                    item=item,
                    description=rng.choice(texts.MANAGER_ACTIONS[language]),
                    owner_id=manager.user_id,
                ),
            )
            self.summary.actions += 1
            if status != OPEN:
                await self._complete(visit, action.id, verify=status == VERIFIED, reviewer=reviewer)


def _passing_value(template: Template, item_key: str) -> Any:
    item = template.item(item_key)
    if item.kind == "yes_no":
        return item.good
    for candidate in (item.max, 10, *(option.key for option in item.options)):
        if candidate is not None and passes(item, candidate):
            return candidate
    raise ValueError(f"no passing answer for {item_key}")


async def fill_waves(database: Database, settings: Settings) -> FieldworkSummary:
    """Add whatever the demo waves still lack; a complete demo is left as it is."""
    return await Fieldwork(database, settings).run()
