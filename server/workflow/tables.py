"""Tables of the review workflow: return notes, disputes, corrective actions, the score rollup.

Audits themselves live in `server.audits` (their rows are the phone's data); everything here is
what agency and client staff add afterwards. Audits are referenced by their public UUID
(`audit_uuid`), the id the phone created, so these rows never depend on the audits app's
internal keys.

- `ReturnNote`: a reviewer's note on one item (or the whole audit, `item` null) when returning
  revision `revision` of an audit to its auditor; the phone shows the notes of the latest return.
- `Dispute`: an outlet manager's objection to one item of a released audit; `status` follows
  `shared.lifecycle.DISPUTE_STATES`; on `upheld` the answer was corrected (`corrected_answer`,
  the whole answer as JSON, `original_answer` what it replaced).
- `CorrectiveAction` (+ `CorrectiveComment`): work a client user must do about a failed item;
  `status` follows `shared.lifecycle.CORRECTIVE_STATES`, plus `cancelled`, which only the
  system sets when a correction removes the critical failure (`server.workflow.corrective`);
  `created_by` null means created by the system on release for a critical failure. Photos
  (`Dispute.photo_uuid`, `evidence_photo_uuid`) are rows of the `photo` table uploaded through
  `server.workflow.evidence`, or the audit's own photos.
- `ScoreRollup` (+ `ScoreRollupItem`): one row per released audit with everything analytics and
  reports group by, rewritten in the same transaction as a release or an upheld dispute; the item
  rows hold per-item earned/possible points and pass/fail for best-vs-rest and Pareto analyses.
  `nps` and `fcr` carry the two answers analytics reports that are not points: the 0-10
  recommendation rating and whether a contact was resolved at first contact.
- `ClientWorkflowSettings`: per-client dispute window, corrective-action due time, and the trust
  threshold below which audits are held (`trust_threshold`, null for none) with whether audits
  at or above it are released without a reviewer (`auto_release`), docs/contract.md#trust;
  and how its channels weigh in an outlet's wave result (`channel_weights`, JSON
  {channel: weight}; empty: every visit weighs the same), docs/contract.md#wave-result; and
  which results its league orders and groups (`league_basis`, "raw" or "adjusted"),
  docs/contract.md#estimates.
"""

from piccolo.columns import (
    UUID,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Numeric,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.organisation.tables import Client, Outlet, Region
from server.users.tables import User
from server.waves.tables import Wave


class ReturnNote(Table, tablename="return_note"):
    id = Serial(primary_key=True)
    audit_uuid = UUID(index=True)
    revision = Integer()
    item = Varchar(length=100, null=True, default=None)
    note = Text()
    author = ForeignKey(references=User, null=True)
    created_at = Timestamptz()


class Dispute(Table):
    id = Serial(primary_key=True)
    audit_uuid = UUID(index=True)
    outlet = ForeignKey(references=Outlet, null=False, index=True)
    item = Varchar(length=100)
    reason = Text()
    photo_uuid = UUID(null=True, default=None)
    raised_by = ForeignKey(references=User, null=True)
    raised_at = Timestamptz()
    status = Varchar(length=20, default="open")
    reply = Text(default="")
    original_answer = Text(null=True, default=None)
    corrected_answer = Text(null=True, default=None)
    resolved_by = ForeignKey(references=User, null=True)
    resolved_at = Timestamptz(null=True, default=None)


class CorrectiveAction(Table, tablename="corrective_action"):
    id = Serial(primary_key=True)
    audit_uuid = UUID(index=True)
    outlet = ForeignKey(references=Outlet, null=False, index=True)
    item = Varchar(length=100)
    description = Text(default="")
    critical = Boolean(default=False)
    owner = ForeignKey(references=User, null=True)
    due_on = Date(null=True, default=None)
    status = Varchar(length=20, default="open")
    evidence_photo_uuid = UUID(null=True, default=None)
    created_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class CorrectiveComment(Table, tablename="corrective_comment"):
    id = Serial(primary_key=True)
    action = ForeignKey(
        references=CorrectiveAction, null=False, index=True, on_delete=OnDelete.cascade
    )
    author = ForeignKey(references=User, null=True)
    at = Timestamptz()
    text = Text()


class ScoreRollup(Table, tablename="score_rollup"):
    id = Serial(primary_key=True)
    audit_uuid = UUID(unique=True)
    outlet = ForeignKey(references=Outlet, null=False, index=True)
    region = ForeignKey(references=Region, null=True, index=True)
    client = ForeignKey(references=Client, null=False, index=True)
    wave = ForeignKey(references=Wave, null=False, index=True)
    template_key = Varchar(length=100)
    template_version = Integer()
    channel = Varchar(length=20)
    visited_at = Timestamptz(null=True, default=None)
    released_at = Timestamptz(index=True)
    rescored_at = Timestamptz(null=True, default=None)
    percent = Numeric(digits=(4, 1), null=True, default=None)
    # The exact total as a fraction string ("175/2"), so no precision is lost for re-ranking.
    total = Varchar(length=60, null=True, default=None)
    band = Varchar(length=40, null=True, default=None)
    passed = Boolean(null=True, default=None)
    # JSON object {section key: ratio as "n/d"} of the sections in the total.
    section_ratios = Text(default="{}")
    critical_failure = Boolean(default=False)
    # Willingness to recommend (0-10) from the first answered `nps` item, and that item's key.
    nps = Integer(null=True, default=None)
    nps_item = Varchar(length=100, null=True, default=None)
    # First-contact resolution of a phone / e-mail / chat audit (see `server.workflow.rollup`).
    fcr = Boolean(null=True, default=None)


class ScoreRollupItem(Table, tablename="score_rollup_item"):
    id = Serial(primary_key=True)
    rollup = ForeignKey(references=ScoreRollup, null=False, index=True, on_delete=OnDelete.cascade)
    item = Varchar(length=100)
    section = Varchar(length=100)
    earned = DoublePrecision()
    possible = DoublePrecision()
    failed = Boolean()
    critical = Boolean()


class ClientWorkflowSettings(Table, tablename="client_workflow_settings"):
    id = Serial(primary_key=True)
    client = ForeignKey(references=Client, null=False, unique=True, on_delete=OnDelete.cascade)
    dispute_window_days = Integer(default=7)
    corrective_due_days = Integer(default=14)
    trust_threshold = Integer(null=True, default=None)
    auto_release = Boolean(default=False)
    channel_weights = Text(default="{}")
    # Which results the client's league ranks: "raw" (as visited) or "adjusted" (auditor
    # leniency taken out); docs/contract.md#estimates.
    league_basis = Varchar(length=10, default="raw")


WORKFLOW_TABLES = [
    ReturnNote,
    Dispute,
    CorrectiveAction,
    CorrectiveComment,
    ScoreRollup,
    ScoreRollupItem,
    ClientWorkflowSettings,
]
