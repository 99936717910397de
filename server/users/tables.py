"""Tables of people: users with a role, and the scope (client, regions, outlets) they see."""

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.organisation.tables import Client, Outlet, Region


class User(Table, tablename="app_user"):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    password_hash = Text()
    role = Varchar(length=32)
    client = ForeignKey(references=Client, null=True)
    language = Varchar(length=8, default="en")
    active = Boolean(default=True)
    # Bumped by logout and password change: tokens carrying an older value are refused.
    token_generation = Integer(default=0)
    created_at = Timestamptz()


class UserRegion(Table):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    user = ForeignKey(references=User, null=False, index=True)
    region = ForeignKey(references=Region, null=False)


class UserOutlet(Table):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    user = ForeignKey(references=User, null=False, index=True)
    outlet = ForeignKey(references=Outlet, null=False)


class ReviewerClient(Table):
    """The clients whose audits a reviewer is assigned to."""

    id: Serial  # declared for type checkers; Piccolo adds the column itself
    user = ForeignKey(references=User, null=False, index=True)
    client = ForeignKey(references=Client, null=False)


class AuditorExclusion(Table):
    """An auditor must not visit this outlet, or any outlet of this client (e.g. ex-staff)."""

    id: Serial  # declared for type checkers; Piccolo adds the column itself
    user = ForeignKey(references=User, null=False, index=True)
    client = ForeignKey(references=Client, null=True)
    outlet = ForeignKey(references=Outlet, null=True)
    reason = Text(default="")
