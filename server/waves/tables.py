"""Waves (programme rounds of a client) and assignments of auditors to outlets."""

from piccolo.columns import Date, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.organisation.tables import Client, Outlet
from server.templates.tables import ChecklistTemplate
from server.users.tables import User


class Wave(Table):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    client = ForeignKey(references=Client, null=False, index=True)
    name = Varchar(length=200)
    starts_on = Date()
    ends_on = Date()
    # JSON object {channel: template id}: which template each channel of the wave uses.
    templates = Text(default="{}")
    created_at = Timestamptz()


class Assignment(Table):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    wave = ForeignKey(references=Wave, null=False, index=True)
    outlet = ForeignKey(references=Outlet, null=False, index=True)
    auditor = ForeignKey(references=User, null=False, index=True)
    template = ForeignKey(references=ChecklistTemplate, null=False)
    channel = Varchar(length=20)
    due_from = Date()
    due_to = Date()
    scenario = Text(default="")
    status = Varchar(length=20, default="assigned")
    updated_at = Timestamptz(index=True)
