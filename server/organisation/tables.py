"""Tables of the client organisation: clients (brands/chains), regions and outlets."""

from piccolo.columns import (
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Client(Table):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    name = Varchar(length=200, unique=True)
    lockout_days = Integer(default=90)
    created_at = Timestamptz()
    # Whether the client's head office may set up its own programme: regions, outlets and
    # its managers (docs/contract.md#roles). Only admins change it.
    head_office_setup = Boolean(default=False)


class Region(Table):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    client = ForeignKey(references=Client, null=False)
    name = Varchar(length=200)


class Outlet(Table):
    """A place (or phone line, inbox...) that is audited; `code` is unique per client."""

    id: Serial  # declared for type checkers; Piccolo adds the column itself
    client = ForeignKey(references=Client, null=False, index=True)
    region = ForeignKey(references=Region, null=True)
    code = Varchar(length=64)
    name = Varchar(length=200)
    address = Text(default="")
    city = Varchar(length=120, default="")
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    timezone = Varchar(length=64, default="UTC")
    channels = Varchar(length=200, default="in_store")
    active = Boolean(default=True)
    updated_at = Timestamptz()
