"""The record of every report PDF the server issued, which the public verification page reads
(docs/contract.md#reports).

`IssuedReport`: one row per PDF handed out (API, dashboard, command line, demo), written once,
in its own transaction, after the file was signed. `code` is the verification code printed on
the report (16 Crockford base-32 characters, stored without the hyphens it is shown with);
`sha256` is the digest of the signed file as handed out. The names (client, outlet, wave,
region) are those the report showed, kept as they were; the ids are plain numbers, not foreign
keys, so that the record of an issued report outlives a later rename or deletion. `issued_to`
is the user who asked for it (null for the command line and the demo); the verification page
never shows it.
"""

from piccolo.columns import DoublePrecision, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class IssuedReport(Table, tablename="issued_report"):
    id = Serial(primary_key=True)
    code = Varchar(length=16, unique=True)
    kind = Varchar(length=20)
    lang = Varchar(length=5)
    client = Integer()
    wave = Integer()
    outlet = Integer(null=True, default=None)
    region = Integer(null=True, default=None)
    client_name = Text()
    wave_name = Text()
    outlet_name = Text(default="")
    outlet_code = Text(default="")
    region_name = Text(default="")
    score = DoublePrecision(null=True, default=None)
    issued_at = Timestamptz()
    issued_to = Integer(null=True, default=None)
    sha256 = Varchar(length=64)
    size = Integer()


REPORTING_TABLES = (IssuedReport,)
