"""Failed login attempts, kept to throttle guessing per account and per client address."""

from piccolo.columns import Serial, Timestamptz, Varchar
from piccolo.table import Table


class LoginFailure(Table):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    subject = Varchar(length=300, index=True)
    failed_at = Timestamptz()
