"""Starter checklist templates shipped with Shopscore: template JSON in en, ru, uk and pl.

An agency copies one as its first checklist and adapts it. `shared` does no I/O, so this
package only names the files; the caller reads them, for example::

    from importlib.resources import files
    data = json.loads(files(PACKAGE).joinpath("store-visit.json").read_text("utf-8"))
    template = Template.from_dict(data)

Each file is named after its template key.
"""

from typing import Final

__all__ = ["PACKAGE", "STARTERS"]

PACKAGE: Final = __name__
STARTERS: Final = ("store-visit.json", "phone-call.json", "email-enquiry.json", "live-chat.json")
