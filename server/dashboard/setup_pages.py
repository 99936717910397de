"""Setting a programme up in the dashboard (`/setup`): clients, regions, outlets, people,
waves, workflow settings and the visit planner, for admins and, for its own client, a head
office its client lets set up its programme (`server.access.scope.may_set_up`).

Every form posts to a handler here that reads it (`server.dashboard.setup_forms`), calls the
same service as the API with the session's `Caller`, and either goes back to the page with
what was done, or shows the form again with what was typed and, by each field, what to
change; a service checks everything before it writes, so a refused form changed nothing.

- Outlets are imported in two steps: the file is checked and previewed (what would be
  created, updated, the regions added, every bad row by line or cell) with
  `OutletImport.preview`; the preview carries the file to the import form, which runs the
  same checks again and stores all rows or none (docs/contract.md#outlet-import).
- An auditor is invited with a setup link and its QR code (`server.dashboard.setup_links`),
  which set up the phone, and the first password, shown once. Reviewers (with the clients
  each reviews) and other admins are added on the start page too; only admins see them.
- A person's form also takes a new password (empty: unchanged); the person is then logged out
  everywhere, and an auditor's page shows their setup link and QR code again.
- A region, outlet, wave or person is changed on the page that lists it (`?edit=outlet-12`
  opens its form, `#edit`), and a region or outlet deleted there; a record of another client
  answers 404, as in the API.
- The planner (docs/contract.md#planning) proposes a wave's visits; the page lists them with
  each visit's auditor and dates to change or leave out, and publishes what is left in one
  transaction, or shows every problem by the visit it is about.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import secrets
from collections.abc import Mapping
from typing import Any, Final

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from server.access.abilities import ADMINISTER, may, require
from server.access.caller import ADMIN, AUDITOR, CLIENT_ROLES, HEAD_OFFICE, REVIEWER, Caller
from server.access.scope import managed_roles, require_set_up
from server.core.errors import Conflict, Forbidden, Invalid, NotFound, ServerError
from server.core.i18n import _
from server.dashboard import setup_forms as forms
from server.dashboard.setup_forms import Form
from server.dashboard.setup_links import auditor_setups, setup_link
from server.dashboard.setup_links import qr_svg as qr_code
from server.dashboard.web import context_of, language_of, render, session_caller
from server.organisation.csv_import import CSV, XLSX, ImportPreview, OutletImport
from server.organisation.schemas import (
    ClientCreate,
    ClientUpdate,
    Outlet,
    OutletCreate,
    OutletUpdate,
    RegionCreate,
    RegionUpdate,
)
from server.organisation.service import OrganisationService
from server.templates.service import TemplateService
from server.users.schemas import User, UserCreate, UserUpdate
from server.users.service import UserService
from server.waves.planning import PlanningService
from server.waves.schemas import (
    PlanRequest,
    ProposedVisit,
    VisitsPublish,
    Wave,
    WaveCreate,
    WaveUpdate,
)
from server.waves.service import WaveService
from server.workflow import rules
from server.workflow.schemas import WorkflowSettingsUpdate
from shared.checklist import CHANNELS

LIST_LIMIT: Final = 1_000
# Every outlet of a client, as far as a page reads them.
MAX_OUTLETS: Final = 100_000
PREVIEW_ROWS: Final = 50
# The most auditor options a plan's page lists in all its visits' choices.
SELECT_OPTIONS: Final = 20_000
# What a page says after a form did its work (`?done=...`).
DONE: Final = {
    "client": _("The client was created. Add its regions and outlets below."),
    "saved": _("Saved."),
    "region": _("The region was added."),
    "outlet": _("The outlet was added."),
    "person": _("The person was added; they log in with the e-mail and the password given."),
    "wave": _("The wave was created. Plan its visits from the list of waves."),
    "workflow": _("The workflow settings were saved."),
    "deleted": _("Deleted."),
}
ROLE_NAMES: Final = {
    "admin": _("Administrator"),
    "reviewer": _("Reviewer"),
    "auditor": _("Auditor"),
    "head_office": _("Head office"),
    "regional_manager": _("Regional manager"),
    "outlet_manager": _("Outlet manager"),
}
LANGUAGE_NAMES: Final = {"en": "English", "ru": "Русский", "uk": "Українська", "pl": "Polski"}


def _done(request: Request[Any, Any, Any]) -> str | None:
    key = request.query_params.get("done")
    return DONE.get(key) if key else None


def _imported(request: Request[Any, Any, Any]) -> dict[str, int] | None:
    """What the last import did, as the page after it says (`?imported=&created=&updated=`)."""
    query = request.query_params
    values = {name: query.get(key, "") for name, key in
              (("rows", "imported"), ("created", "created"), ("updated", "updated"))}  # fmt: skip
    if not all(value.isdigit() for value in values.values()):
        return None
    return {name: int(value) for name, value in values.items()}


def _redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def _organisation(request: Request[Any, Any, Any]) -> OrganisationService:
    return OrganisationService(context_of(request).database)


def _users(request: Request[Any, Any, Any]) -> UserService:
    context = context_of(request)
    return UserService(context.database, context.passwords)


async def _set_up_caller(request: Request[Any, Any, Any]) -> Caller:
    """The session's caller, who must be one that may set a client up at all (403 otherwise)."""
    caller = await session_caller(request)
    require_set_up(caller)
    return caller


def _admin(caller: Caller) -> None:
    require(caller, ADMINISTER)


# --- the set-up start page: clients, auditors, reviewers and admins --------------------------

# The agency's people who are not auditors, as the start page lists them: reviewers first.
STAFF_ROLES: Final = (REVIEWER, ADMIN)


async def _start_page(
    request: Request[Any, Any, Any],
    caller: Caller,
    client_form: Form | None = None,
    auditor_form: Form | None = None,
    status_code: int = 200,
    editing: dict[str, Any] | None = None,
    staff_form: Form | None = None,
) -> Response[str]:
    clients = (await _organisation(request).list_clients(caller, None, LIST_LIMIT)).items
    if caller.role == HEAD_OFFICE and len(clients) == 1 and client_form is None:
        # A head office sets up one client: its page is the start page.
        return _redirect(f"/setup/clients/{clients[0].id}")
    auditors: list[Any] = []
    staff: list[Any] = []
    regions: list[tuple[str, Any]] = []
    if may(caller, ADMINISTER):
        auditors = (await _users(request).list_users(caller, None, LIST_LIMIT, AUDITOR)).items
        for role in STAFF_ROLES:
            staff += (await _users(request).list_users(caller, None, LIST_LIMIT, role)).items
        for client in clients:
            page = await _organisation(request).list_regions(caller, client.id, None, LIST_LIMIT)
            regions += [(client.name, region) for region in page.items]
    database = context_of(request).database
    client_counts = {}
    for client in clients:
        outlets = await _organisation(request).list_outlets(
            caller, client_id=client.id, cursor=None, limit=MAX_OUTLETS
        )
        waves = await WaveService(database).list_waves(caller, None, LIST_LIMIT, client.id)
        client_counts[client.id] = {"outlets": len(outlets.items), "waves": len(waves.items)}
    setups = auditor_setups(
        [{"id": a.id, "email": a.email, "role": a.role} for a in auditors],
        context_of(request).settings.public_url,
        forms.words(language_of(request, caller), _("QR code of the setup link")),
    )
    return render(
        request,
        "setup.html",
        caller=caller,
        status_code=status_code,
        clients=clients,
        auditors=auditors,
        regions=regions,
        client_counts=client_counts,
        setups=setups,
        client_form=client_form or Form(values={"lockout_days": "90"}, prefix="c-"),
        auditor_form=auditor_form
        or Form(values={"language": language_of(request, caller)}, prefix="a-"),
        staff=staff,
        staff_roles=STAFF_ROLES,
        staff_form=staff_form
        or Form(values={"role": REVIEWER, "language": language_of(request, caller)}, prefix="s-"),
        client_names={client.id: client.name for client in clients},
        client_choices=[(client.name, client.id) for client in clients],
        done=_done(request),
        languages_named=LANGUAGE_NAMES,
        editing=_prefixed(editing),
        role_names=ROLE_NAMES,
        region_choices=[(f"{name} · {region.name}", region.id) for name, region in regions],
    )


@get("/setup", include_in_schema=False)
async def setup_start(request: Request[Any, Any, Any]) -> Response[str]:
    caller = await _set_up_caller(request)
    editing = None
    kind, record_id = _edit_key(request)
    if kind == "person" and may(caller, ADMINISTER):
        # The agency's people (auditors, reviewers, admins); a client's are on its page.
        person = await _users(request).get_user(caller, record_id)
        if person.client_id is not None:
            raise NotFound(_("No such user."))
        editing = _person_editing(person, _person_form(person))
    return await _start_page(request, caller, editing=editing)


@post("/setup/clients", include_in_schema=False, status_code=303)
async def create_client(request: Request[Any, Any, Any]) -> Response[Any]:
    caller = await _set_up_caller(request)
    _admin(caller)
    fields, _multiple, _files = await forms.read_form(request)
    language = language_of(request, caller)
    form = Form(values=fields, prefix="c-")
    problems: list[dict[str, Any]] = []
    lockout = forms.whole(fields, "lockout_days", problems, empty=90)
    name = forms.text(fields, "name")
    if not name:
        problems.append({"item": "name", "code": "required"})
    if not problems:
        try:
            client = await _organisation(request).create_client(
                caller,
                ClientCreate(
                    name=name,
                    lockout_days=lockout if lockout is not None else 90,
                    head_office_setup=forms.ticked(fields, "head_office_setup"),
                ),
            )
            return _redirect(f"/setup/clients/{client.id}?done=client")
        except (Invalid, Conflict) as error:
            forms.add_error(form, language, error, ("name", "lockout_days"), conflict_field="name")
    forms.add_problems(form, language, problems, ("name", "lockout_days"))
    return await _start_page(request, caller, client_form=form, status_code=422)


@post("/setup/auditors", include_in_schema=False, status_code=200)
async def invite_auditor(request: Request[Any, Any, Any]) -> Response[Any]:
    """An auditor's account, then the page with the link and QR code that set up their phone
    and the first password, shown this once."""
    caller = await _set_up_caller(request)
    _admin(caller)
    fields, multiple, _files = await forms.read_form(request)
    language = language_of(request, caller)
    form = Form(
        values={**fields, "region_ids": forms.ids(multiple.get("region_ids", []))}, prefix="a-"
    )
    try:
        user, password = await _add_person(
            request, caller, fields, AUDITOR, language, region_ids=form.values["region_ids"]
        )
    except (Invalid, Conflict) as error:
        forms.add_error(
            form,
            language,
            error,
            ("email", "name", "password", "language", "region_ids"),
            conflict_field="email",
        )
        return await _start_page(request, caller, auditor_form=form, status_code=422)
    return _password_page(request, caller, user, password, "/setup#auditors")


async def _add_person(
    request: Request[Any, Any, Any],
    caller: Caller,
    fields: Mapping[str, str],
    role: str,
    language: str,
    **scope: Any,
) -> tuple[User, str]:
    """The person a set-up form adds, and their first password: e-mail, name and language as
    typed (the page's language when none is chosen), the password as typed or made up, with
    the role and scope given. Raises what creating a user raises."""
    password = forms.text(fields, "password") or _first_password()
    user = await _users(request).create_user(
        caller,
        UserCreate(
            email=forms.text(fields, "email"),
            name=forms.text(fields, "name"),
            role=role,
            password=password,
            language=forms.text(fields, "language") or language,
            **scope,
        ),
    )
    return user, password


STAFF_FIELDS: Final = ("email", "name", "role", "password", "language", "client_ids")


@post("/setup/staff", include_in_schema=False, status_code=200)
async def add_staff(request: Request[Any, Any, Any]) -> Response[Any]:
    """A reviewer of the clients ticked, or another admin; the first password is shown once."""
    caller = await _set_up_caller(request)
    _admin(caller)
    fields, multiple, _files = await forms.read_form(request)
    language = language_of(request, caller)
    role = forms.text(fields, "role")
    form = Form(
        values={**fields, "client_ids": forms.ids(multiple.get("client_ids", []))}, prefix="s-"
    )
    client_ids = form.values["client_ids"] if role == REVIEWER else []
    problems: list[dict[str, Any]] = []
    if role not in STAFF_ROLES:
        problems.append({"item": "role", "code": "unknown_role"})
    if role == REVIEWER and not client_ids:
        problems.append({"item": "client_ids", "code": "no_client"})
    if problems:
        forms.add_problems(form, language, problems, STAFF_FIELDS)
        return await _start_page(request, caller, staff_form=form, status_code=422)
    try:
        user, password = await _add_person(
            request, caller, fields, role, language, client_ids=client_ids
        )
    except (Invalid, Conflict) as error:
        forms.add_error(form, language, error, STAFF_FIELDS, conflict_field="email")
        return await _start_page(request, caller, staff_form=form, status_code=422)
    return _password_page(request, caller, user, password, "/setup#staff")


def _first_password() -> str:
    """A first password for an invited person: 12 letters and digits easy to read aloud."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


# --- one client's set-up ------------------------------------------------------------------------


async def _client_page(
    request: Request[Any, Any, Any],
    caller: Caller,
    client_id: int,
    failed: dict[str, Form] | None = None,
    status_code: int = 200,
    preview: dict[str, Any] | None = None,
    editing: dict[str, Any] | None = None,
) -> Response[str]:
    organisation = _organisation(request)
    client = await organisation.get_client(caller, client_id)
    require_set_up(caller, client.id)
    regions = (await organisation.list_regions(caller, client_id, None, LIST_LIMIT)).items
    outlets = sorted(
        (
            await organisation.list_outlets(
                caller, client_id=client_id, cursor=None, limit=MAX_OUTLETS
            )
        ).items,
        key=lambda outlet: outlet.code,
    )
    people = [
        person
        for person in (await _users(request).list_users(caller, None, LIST_LIMIT)).items
        if person.client_id == client_id
    ]
    waves = (await WaveService(context_of(request).database).list_waves(
        caller, None, LIST_LIMIT, client_id
    )).items  # fmt: skip
    templates = [
        template
        for template in (
            await TemplateService(context_of(request).database).list_templates(
                caller, None, LIST_LIMIT
            )
        ).items
        if template.status == "published"
    ] if may(caller, ADMINISTER) else []  # fmt: skip
    settings = await rules.get_settings(caller, client_id)
    template_service = TemplateService(context_of(request).database)
    pass_marks = {
        template.id: (await template_service.get_template(caller, template.id)).body.get(
            "pass_mark"
        )
        for template in templates
    }
    forms_by_name = {
        "client": Form(
            values={
                "name": client.name,
                "lockout_days": str(client.lockout_days),
                "head_office_setup": client.head_office_setup,
            }
        ),
        "region": Form(),
        "outlet": Form(values={"channels": ["in_store"], "timezone": "UTC"}),
        "person": Form(values={"role": "outlet_manager", "language": language_of(request, caller)}),
        "wave": Form(),
        "workflow": Form(
            values={
                "dispute_window_days": str(settings.dispute_window_days),
                "corrective_due_days": str(settings.corrective_due_days),
                "trust_threshold": ""
                if settings.trust_threshold is None
                else str(settings.trust_threshold),
                "auto_release": settings.auto_release,
                "live_score": settings.live_score,
                "league_basis": settings.league_basis,
                **{
                    f"weight_{channel}": f"{weight:g}"
                    for channel, weight in settings.channel_weights.items()
                },
            }
        ),
        **(failed or {}),
    }
    for name, form in forms_by_name.items():
        form.prefix = f"{name}-"
    return render(
        request,
        "setup_client.html",
        caller=caller,
        status_code=status_code,
        client=client,
        regions=regions,
        region_names={region.id: region.name for region in regions},
        outlets=outlets,
        people=people,
        waves=waves,
        templates=templates,
        template_names={t.id: f"{t.title} (v{t.version})" for t in templates},
        pass_marks=pass_marks,
        dispute_window_days=settings.dispute_window_days,
        channels=CHANNELS,
        roles=[role for role in CLIENT_ROLES if role in managed_roles(caller)],
        role_names=ROLE_NAMES,
        languages_named=LANGUAGE_NAMES,
        forms=forms_by_name,
        done=_done(request),
        imported=_imported(request),
        preview=preview,
        may_admin=may(caller, ADMINISTER),
        editing=_prefixed(editing),
        region_choices=[(region.name, region.id) for region in regions],
        outlet_choices=[(f"{outlet.code} · {outlet.name}", outlet.id) for outlet in outlets],
    )


@get("/setup/clients/{client_id:int}", include_in_schema=False)
async def client_setup(request: Request[Any, Any, Any], client_id: FromPath[int]) -> Response[str]:
    caller = await _set_up_caller(request)
    kind, record_id = _edit_key(request)
    editing = await _editing(request, caller, client_id, kind, record_id) if kind else None
    return await _client_page(request, caller, client_id, editing=editing)


@post("/setup/clients/{client_id:int}", include_in_schema=False, status_code=303)
async def update_client(request: Request[Any, Any, Any], client_id: FromPath[int]) -> Response[Any]:
    caller = await _set_up_caller(request)
    _admin(caller)
    fields, _multiple, _files = await forms.read_form(request)
    language = language_of(request, caller)
    form = Form(values={**fields, "head_office_setup": forms.ticked(fields, "head_office_setup")})
    problems: list[dict[str, Any]] = []
    lockout = forms.whole(fields, "lockout_days", problems, empty=None)
    if lockout is None and not problems:
        problems.append({"item": "lockout_days", "code": "required"})
    if not problems:
        try:
            await _organisation(request).update_client(
                caller,
                client_id,
                ClientUpdate(
                    name=forms.text(fields, "name"),
                    lockout_days=lockout if lockout is not None else 90,
                    head_office_setup=form.values["head_office_setup"],
                ),
            )
            return _redirect(f"/setup/clients/{client_id}?done=saved")
        except (Invalid, Conflict) as error:
            forms.add_error(form, language, error, ("name", "lockout_days"), conflict_field="name")
    forms.add_problems(form, language, problems, ("name", "lockout_days"))
    return await _client_page(request, caller, client_id, {"client": form}, 422)


@post("/setup/clients/{client_id:int}/regions", include_in_schema=False, status_code=303)
async def add_region(request: Request[Any, Any, Any], client_id: FromPath[int]) -> Response[Any]:
    caller = await _set_up_caller(request)
    fields, _multiple, _files = await forms.read_form(request)
    form = Form(values=fields)
    try:
        await _organisation(request).create_region(
            caller, client_id, RegionCreate(name=forms.text(fields, "name"))
        )
        return _redirect(f"/setup/clients/{client_id}?done=region#regions")
    except (Invalid, Conflict) as error:
        forms.add_error(form, language_of(request, caller), error, ("name",), conflict_field="name")
    return await _client_page(request, caller, client_id, {"region": form}, 422)


OUTLET_FIELDS: Final = ("code", "name", "region_id", "address", "city", "lat", "lon",
                        "timezone", "channels")  # fmt: skip


@post("/setup/clients/{client_id:int}/outlets", include_in_schema=False, status_code=303)
async def add_outlet(request: Request[Any, Any, Any], client_id: FromPath[int]) -> Response[Any]:
    caller = await _set_up_caller(request)
    fields, multiple, _files = await forms.read_form(request)
    language = language_of(request, caller)
    channels = [c for c in multiple.get("channels", []) if c]
    form = Form(values={**fields, "channels": channels})
    problems: list[dict[str, Any]] = []
    lat = forms.decimal(fields, "lat", problems)
    lon = forms.decimal(fields, "lon", problems)
    region = forms.whole(fields, "region_id", problems, empty=None)
    if not channels:
        problems.append({"item": "channels", "code": "unknown_channel"})
    if not problems:
        try:
            await _organisation(request).create_outlet(
                caller,
                OutletCreate(
                    client_id=client_id,
                    region_id=region,
                    code=forms.text(fields, "code"),
                    name=forms.text(fields, "name"),
                    address=forms.text(fields, "address"),
                    city=forms.text(fields, "city"),
                    lat=lat,
                    lon=lon,
                    timezone=forms.text(fields, "timezone") or "UTC",
                    channels=channels,
                ),
            )
            return _redirect(f"/setup/clients/{client_id}?done=outlet#outlets")
        except (Invalid, Conflict) as error:
            forms.add_error(form, language, error, OUTLET_FIELDS, conflict_field="code")
    forms.add_problems(form, language, problems, OUTLET_FIELDS)
    return await _client_page(request, caller, client_id, {"outlet": form}, 422)


def _import_limit(request: Request[Any, Any, Any]) -> int:
    """The largest form an import may send: the file (base64 in the confirming form) and room
    for the form's framing."""
    return context_of(request).settings.max_csv_bytes * 4 // 3 + 64 * 1024


@post(
    "/setup/clients/{client_id:int}/outlets/preview",
    include_in_schema=False,
    status_code=200,
    request_max_body_size=None,
)
async def preview_outlets(
    request: Request[Any, Any, Any], client_id: FromPath[int]
) -> Response[Any]:
    """What importing the file would do, storing nothing; its rows' problems otherwise."""
    caller = await _set_up_caller(request)
    _fields, _multiple, files = await forms.read_form(request, _import_limit(request))
    language = language_of(request, caller)
    form = Form()
    upload = files.get("file")
    if upload is None:
        form.errors["file"] = [forms.words(language, _("Choose a CSV file or an .xlsx workbook."))]
        return await _client_page(request, caller, client_id, {"import": form}, 422)
    content = await upload.read()
    if len(content) > context_of(request).settings.max_csv_bytes:
        form.errors["file"] = [
            forms.words(
                language, _("The file is larger than the import limit; split it into parts.")
            )
        ]
        return await _client_page(request, caller, client_id, {"import": form}, 422)
    kind = XLSX if (upload.filename or "").lower().endswith(".xlsx") else CSV
    try:
        preview = await OutletImport(context_of(request).database, _organisation(request)).preview(
            caller, client_id, content, kind
        )
    except ServerError as error:
        if isinstance(error, Forbidden):
            raise
        return await _client_page(
            request,
            caller,
            client_id,
            {"import": form},
            422,
            preview={
                "file": upload.filename,
                "error": error,
                "problems": _import_problems(language_of(request, caller), error),
            },
        )
    return await _client_page(
        request,
        caller,
        client_id,
        preview=_preview_values(preview, upload.filename or "", content, kind),
    )


def _import_problems(language: str, error: ServerError) -> list[dict[str, Any]]:
    """The problems of a refused file, each with what to do in the page's language."""
    return [
        {**problem, "words": forms.import_problem_words(language, problem)}
        for problem in error.errors or []
    ]


def _preview_values(
    preview: ImportPreview, filename: str, content: bytes, kind: str
) -> dict[str, Any]:
    return {
        "file": filename,
        "kind": kind,
        "content": base64.b64encode(content).decode("ascii"),
        "rows": len(preview.outlets),
        "created": preview.created,
        "updated": preview.updated,
        "new_regions": preview.new_regions,
        "outlets": preview.outlets[:PREVIEW_ROWS],
        "updated_codes": preview.updated_codes,
        "error": None,
        "problems": [],
    }


@post(
    "/setup/clients/{client_id:int}/outlets/import",
    include_in_schema=False,
    status_code=303,
    request_max_body_size=None,
)
async def import_outlets(
    request: Request[Any, Any, Any], client_id: FromPath[int]
) -> Response[Any]:
    """Store the previewed file: all rows or none, checked again as they are stored."""
    caller = await _set_up_caller(request)
    fields, _multiple, _files = await forms.read_form(request, _import_limit(request))
    kind = XLSX if fields.get("kind") == XLSX else CSV
    try:
        content = base64.b64decode(fields.get("content", ""), validate=True)
    except (binascii.Error, ValueError):
        content = b""
    try:
        report = await OutletImport(context_of(request).database, _organisation(request)).run(
            caller, client_id, content, kind
        )
    except ServerError as error:
        if isinstance(error, Forbidden):
            raise
        return await _client_page(
            request,
            caller,
            client_id,
            {"import": Form()},
            422,
            preview={
                "file": fields.get("file", ""),
                "error": error,
                "problems": _import_problems(language_of(request, caller), error),
            },
        )
    return _redirect(
        f"/setup/clients/{client_id}?imported={report.rows}&created={report.created}"
        f"&updated={report.updated}#outlets"
    )


PERSON_FIELDS: Final = ("email", "name", "role", "password", "language", "region_ids",
                        "outlet_ids", "client_id")  # fmt: skip


@post("/setup/clients/{client_id:int}/people", include_in_schema=False, status_code=200)
async def add_person(request: Request[Any, Any, Any], client_id: FromPath[int]) -> Response[Any]:
    """A head office, regional or outlet manager of the client, scoped to it, some of its
    regions or some of its outlets; the first password is shown once."""
    caller = await _set_up_caller(request)
    fields, multiple, _files = await forms.read_form(request)
    await _organisation(request).get_client(caller, client_id)
    require_set_up(caller, client_id)
    language = language_of(request, caller)
    role = forms.text(fields, "role")
    form = Form(
        values={
            **fields,
            "region_ids": forms.ids(multiple.get("region_ids", [])),
            "outlet_ids": forms.ids(multiple.get("outlet_ids", [])),
        }
    )
    if role not in CLIENT_ROLES:
        forms.add_problems(form, language, [{"item": "role", "code": "unknown_role"}], ("role",))
        return await _client_page(request, caller, client_id, {"person": form}, 422)
    try:
        user, password = await _add_person(
            request,
            caller,
            fields,
            role,
            language,
            client_id=client_id,
            region_ids=form.values["region_ids"] if role == "regional_manager" else [],
            outlet_ids=form.values["outlet_ids"] if role == "outlet_manager" else [],
        )
    except (Invalid, Conflict) as error:
        forms.add_error(form, language, error, PERSON_FIELDS, conflict_field="email")
        return await _client_page(request, caller, client_id, {"person": form}, 422)
    return _password_page(request, caller, user, password, f"/setup/clients/{client_id}#people")


WAVE_FIELDS: Final = ("name", "starts_on", "ends_on", "templates")


@post("/setup/clients/{client_id:int}/waves", include_in_schema=False, status_code=303)
async def add_wave(request: Request[Any, Any, Any], client_id: FromPath[int]) -> Response[Any]:
    caller = await _set_up_caller(request)
    _admin(caller)
    fields, _multiple, _files = await forms.read_form(request)
    language = language_of(request, caller)
    form = Form(values=fields)
    problems: list[dict[str, Any]] = []
    starts_on = forms.date(fields, "starts_on", problems)
    ends_on = forms.date(fields, "ends_on", problems)
    templates: dict[str, int] = {}
    for channel in CHANNELS:
        chosen = forms.whole(fields, f"template_{channel}", problems, empty=None)
        if chosen is not None:
            templates[channel] = chosen
    if not templates:
        problems.append({"item": "templates", "code": "no_template"})
    if not forms.text(fields, "name"):
        problems.append({"item": "name", "code": "required"})
    if not problems and starts_on is not None and ends_on is not None:
        try:
            await WaveService(context_of(request).database).create_wave(
                caller,
                WaveCreate(
                    client_id=client_id,
                    name=forms.text(fields, "name"),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    templates=templates,
                ),
            )
            return _redirect(f"/setup/clients/{client_id}?done=wave#waves")
        except (Invalid, Conflict) as error:
            forms.add_error(
                form, language, error, WAVE_FIELDS, {"ends_on": "ends_on"}, conflict_field="name"
            )
    forms.add_problems(
        form,
        language,
        problems,
        WAVE_FIELDS,
        {f"template_{channel}": "templates" for channel in CHANNELS},
    )
    return await _client_page(request, caller, client_id, {"wave": form}, 422)


WORKFLOW_FIELDS: Final = ("dispute_window_days", "corrective_due_days", "trust_threshold",
                          "auto_release", "league_basis",
                          *(f"weight_{channel}" for channel in CHANNELS))  # fmt: skip
# A channel's weight in the service's problems, as the form's field.
WEIGHT_FIELDS: Final = {f"channel_weights.{channel}": f"weight_{channel}" for channel in CHANNELS}


@post("/setup/clients/{client_id:int}/workflow", include_in_schema=False, status_code=303)
async def save_workflow(request: Request[Any, Any, Any], client_id: FromPath[int]) -> Response[Any]:
    caller = await _set_up_caller(request)
    _admin(caller)
    fields, _multiple, _files = await forms.read_form(request)
    language = language_of(request, caller)
    form = Form(
        values={
            **fields,
            "auto_release": forms.ticked(fields, "auto_release"),
            "live_score": forms.ticked(fields, "live_score"),
        }
    )
    problems: list[dict[str, Any]] = []
    dispute = forms.whole(fields, "dispute_window_days", problems, empty=None)
    corrective = forms.whole(fields, "corrective_due_days", problems, empty=None)
    threshold = forms.whole(fields, "trust_threshold", problems, empty=None)
    for name, value in (("dispute_window_days", dispute), ("corrective_due_days", corrective)):
        if value is None and not any(p["item"] == name for p in problems):
            problems.append({"item": name, "code": "required"})
    weights: dict[str, float] = {}
    for channel in CHANNELS:
        weight = forms.decimal(fields, f"weight_{channel}", problems)
        if weight is not None:
            weights[channel] = weight
    if not problems and dispute is not None and corrective is not None:
        try:
            await rules.update_settings(
                context_of(request).database,
                caller,
                client_id,
                WorkflowSettingsUpdate(
                    dispute_window_days=dispute,
                    corrective_due_days=corrective,
                    trust_threshold=threshold,
                    auto_release=form.values["auto_release"],
                    live_score=form.values["live_score"],
                    channel_weights=weights,
                    league_basis=forms.text(fields, "league_basis") or "raw",
                ),
            )
            return _redirect(f"/setup/clients/{client_id}?done=workflow#workflow")
        except (Invalid, Conflict) as error:
            forms.add_error(form, language, error, WORKFLOW_FIELDS, WEIGHT_FIELDS)
    forms.add_problems(form, language, problems, WORKFLOW_FIELDS)
    return await _client_page(request, caller, client_id, {"workflow": form}, 422)


# --- the planner ----------------------------------------------------------------------------


async def _plan_page(
    request: Request[Any, Any, Any],
    caller: Caller,
    wave_id: int,
    *,
    visits: list[dict[str, Any]] | None = None,
    plan: Any = None,
    form: Form | None = None,
    status_code: int = 200,
) -> Response[str]:
    database = context_of(request).database
    wave = await WaveService(database).get_wave(caller, wave_id)
    client = await _organisation(request).get_client(caller, wave.client_id)
    outlets = (
        await _organisation(request).list_outlets(
            caller, client_id=wave.client_id, cursor=None, limit=MAX_OUTLETS
        )
    ).items
    auditors = [
        auditor
        for auditor in (await _users(request).list_users(caller, None, LIST_LIMIT, AUDITOR)).items
        if auditor.active
    ]
    assignments = (
        await WaveService(database).list_assignments(caller, None, 100_000, wave_id=wave_id)
    ).items
    return render(
        request,
        "setup_plan.html",
        caller=caller,
        status_code=status_code,
        wave=wave,
        client=client,
        outlets={outlet.id: outlet for outlet in outlets},
        auditors=auditors,
        auditor_names={auditor.id: auditor.name for auditor in auditors},
        # A choice of every auditor on every visit while the page stays light; past that, one
        # list the visits' fields suggest from.
        choose_auditor=len(visits or []) * len(auditors) <= SELECT_OPTIONS,
        assignments=assignments,
        visits=visits,
        plan=plan,
        form=form or Form(values={"auditor_ids": [a.id for a in auditors], "min_window_days": "7"}),
        published=request.query_params.get("published"),
    )


@get("/setup/waves/{wave_id:int}/plan", include_in_schema=False)
async def plan_page(request: Request[Any, Any, Any], wave_id: FromPath[int]) -> Response[str]:
    caller = await _set_up_caller(request)
    _admin(caller)
    return await _plan_page(request, caller, wave_id)


@post("/setup/waves/{wave_id:int}/plan", include_in_schema=False, status_code=200)
async def propose_plan(request: Request[Any, Any, Any], wave_id: FromPath[int]) -> Response[str]:
    """The planner's proposal, to review and change before it is published."""
    caller = await _set_up_caller(request)
    _admin(caller)
    fields, multiple, _files = await forms.read_form(request)
    language = language_of(request, caller)
    chosen = forms.ids(multiple.get("auditor_ids", []))
    form = Form(values={**fields, "auditor_ids": chosen})
    problems: list[dict[str, Any]] = []
    most = forms.whole(fields, "max_per_auditor", problems, empty=None)
    window = forms.whole(fields, "min_window_days", problems, empty=7)
    if most is not None and not 1 <= most <= 100_000:
        problems.append({"item": "max_per_auditor", "code": "out_of_range"})
    if window is not None and not 1 <= window <= 366:
        problems.append({"item": "min_window_days", "code": "out_of_range"})
    if not chosen:
        problems.append({"item": "auditor_ids", "code": "not_an_auditor"})
    if problems:
        forms.add_problems(
            form, language, problems, ("max_per_auditor", "min_window_days", "auditor_ids")
        )
        return await _plan_page(request, caller, wave_id, form=form, status_code=422)
    try:
        plan = await PlanningService(context_of(request).database).plan(
            caller,
            wave_id,
            PlanRequest(
                auditor_ids=chosen,
                max_per_auditor=most,
                calibration=forms.ticked(fields, "calibration"),
                min_window_days=window or 7,
            ),
        )
    except Invalid as error:
        forms.add_error(form, language, error, ("auditor_ids",))
        return await _plan_page(request, caller, wave_id, form=form, status_code=422)
    visits: list[dict[str, Any]] = [
        {
            "outlet_id": visit.outlet_id,
            "channel": visit.channel,
            "auditor_id": visit.auditor_id,
            "auditor_typed": "",
            "template_id": visit.template_id or "",
            "due_from": visit.due_from.isoformat() if visit.due_from else "",
            "due_to": visit.due_to.isoformat() if visit.due_to else "",
            "calibration": visit.calibration,
            "keep": True,
            "errors": [],
        }
        for visit in plan.visits
    ]
    return await _plan_page(request, caller, wave_id, visits=visits, plan=plan, form=form)


@post("/setup/waves/{wave_id:int}/publish", include_in_schema=False, status_code=303)
async def publish_plan(request: Request[Any, Any, Any], wave_id: FromPath[int]) -> Response[Any]:
    """Store the visits left in the proposal as assignments, all or none."""
    caller = await _set_up_caller(request)
    _admin(caller)
    fields, _multiple, _files = await forms.read_form(request)
    language = language_of(request, caller)
    count = forms.whole(fields, "visits", [], empty=0) or 0
    visits: list[dict[str, Any]] = []
    for index in range(min(count, 20_000)):
        prefix = f"v{index}."
        problems: list[dict[str, Any]] = []
        visit: dict[str, Any] = {
            "outlet_id": forms.whole(fields, prefix + "outlet_id", problems, empty=0),
            "channel": forms.text(fields, prefix + "channel"),
            "auditor_id": _auditor_id(fields, prefix + "auditor_id", problems),
            "auditor_typed": forms.text(fields, prefix + "auditor_id"),
            "template_id": forms.text(fields, prefix + "template_id"),
            "due_from": forms.text(fields, prefix + "due_from"),
            "due_to": forms.text(fields, prefix + "due_to"),
            "calibration": forms.ticked(fields, prefix + "calibration"),
            "keep": forms.ticked(fields, prefix + "keep"),
            "errors": [],
        }
        for name in ("due_from", "due_to"):
            if visit[name]:
                forms.date(fields, prefix + name, problems)
        visit["errors"] = [forms.problem_words(language, p) for p in problems]
        visits.append(visit)
    kept = [(index, visit) for index, visit in enumerate(visits) if visit["keep"]]
    if any(visit["errors"] for _index, visit in kept) or not kept:
        form = Form()
        if not kept:
            form.general.append(forms.words(language, _("Keep at least one visit to publish.")))
        return await _plan_page(request, caller, wave_id, visits=visits, form=form, status_code=422)
    wanted = VisitsPublish(
        visits=[
            ProposedVisit(
                outlet_id=visit["outlet_id"],
                channel=visit["channel"],
                auditor_id=visit["auditor_id"],
                template_id=int(visit["template_id"]) if visit["template_id"].isdigit() else None,
                due_from=_iso(visit["due_from"]),
                due_to=_iso(visit["due_to"]),
                calibration=visit["calibration"],
            )
            for _index, visit in kept
        ]
    )
    try:
        published = await PlanningService(context_of(request).database).publish(
            caller, wave_id, wanted
        )
    except Invalid as error:
        form = Form()
        for problem in error.errors or []:
            item = str(problem.get("item") or "")
            if item.startswith("visits["):
                position = int(item[len("visits[") : item.index("]")])
                if 0 <= position < len(kept):
                    kept[position][1]["errors"].append(forms.problem_words(language, problem))
                    continue
            form.general.append(forms.problem_words(language, problem))
        return await _plan_page(request, caller, wave_id, visits=visits, form=form, status_code=422)
    return _redirect(f"/setup/waves/{wave_id}/plan?published={published.created}")


def _auditor_id(fields: dict[str, str], name: str, problems: list[dict[str, Any]]) -> int:
    """An auditor chosen from the list (their id) or typed from the suggestions ("Anna (12)")."""
    value = forms.text(fields, name)
    match = re.fullmatch(r"(?:.*\()?(\d+)\)?", value)
    if match is None:
        problems.append({"item": name, "code": "not_an_auditor"})
        return 0
    return int(match.group(1))


def _iso(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


# --- changing one region, outlet, wave or person ------------------------------------------------


def _edit_key(request: Request[Any, Any, Any]) -> tuple[str, int]:
    """The record a page opens the form of (`?edit=outlet-12`): its kind and id, or ("", 0)."""
    kind, _dash, number = request.query_params.get("edit", "").partition("-")
    if kind in ("region", "outlet", "wave", "person") and number.isdigit():
        return kind, int(number)
    return "", 0


def _of_client(record_client_id: int | None, client_id: int, message: str) -> None:
    """A record reached through another client's page is not there (404), as in the API."""
    if record_client_id != client_id:
        raise NotFound(message)


async def _editing(
    request: Request[Any, Any, Any], caller: Caller, client_id: int, kind: str, record_id: int
) -> dict[str, Any]:
    """The form of one record of the client, filled in with what is stored."""
    if kind == "region":
        region = await _organisation(request).get_region(caller, record_id)
        _of_client(region.client_id, client_id, _("No such region."))
        return {"kind": kind, "record": region, "form": Form(values={"name": region.name})}
    if kind == "outlet":
        outlet = await _organisation(request).get_outlet(caller, record_id)
        _of_client(outlet.client_id, client_id, _("No such outlet."))
        return {"kind": kind, "record": outlet, "form": _outlet_form(outlet)}
    if kind == "wave":
        _admin(caller)
        wave = await WaveService(context_of(request).database).get_wave(caller, record_id)
        _of_client(wave.client_id, client_id, _("No such wave."))
        return await _wave_editing(request, caller, wave, _wave_form(wave))
    person = await _users(request).get_user(caller, record_id)
    _of_client(person.client_id, client_id, _("No such user."))
    return _person_editing(person, _person_form(person))


def _outlet_form(outlet: Outlet) -> Form:
    return Form(
        values={
            "code": outlet.code,
            "name": outlet.name,
            "region_id": "" if outlet.region_id is None else str(outlet.region_id),
            "address": outlet.address,
            "city": outlet.city,
            "lat": "" if outlet.lat is None else f"{outlet.lat:g}",
            "lon": "" if outlet.lon is None else f"{outlet.lon:g}",
            "timezone": outlet.timezone,
            "channels": list(outlet.channels),
            "active": outlet.active,
        }
    )


def _wave_form(wave: Wave) -> Form:
    return Form(
        values={
            "name": wave.name,
            "starts_on": wave.starts_on.isoformat(),
            "ends_on": wave.ends_on.isoformat(),
            **{f"template_{channel}": str(id_) for channel, id_ in wave.templates.items()},
        }
    )


async def _wave_editing(
    request: Request[Any, Any, Any], caller: Caller, wave: Wave, form: Form
) -> dict[str, Any]:
    sent = await WaveService(context_of(request).database).list_assignments(
        caller, None, 1, wave_id=wave.id
    )
    return {"kind": "wave", "record": wave, "form": form, "sent": bool(sent.items)}


def _person_form(person: User) -> Form:
    return Form(
        values={
            "name": person.name,
            "language": person.language,
            "active": person.active,
            "region_ids": list(person.region_ids),
            "outlet_ids": list(person.outlet_ids),
            "client_ids": list(person.client_ids),
        }
    )


def _person_editing(person: User, form: Form) -> dict[str, Any]:
    return {"kind": "person", "record": person, "form": form}


def _prefixed(editing: dict[str, Any] | None) -> dict[str, Any] | None:
    """The record's form, its controls' ids apart from the page's other forms."""
    if editing is not None:
        editing["form"].prefix = "edit-"
    return editing


@post("/setup/regions/{region_id:int}", include_in_schema=False, status_code=303)
async def save_region(request: Request[Any, Any, Any], region_id: FromPath[int]) -> Response[Any]:
    """A region's new name."""
    caller = await _set_up_caller(request)
    fields, _multiple, _files = await forms.read_form(request)
    region = await _organisation(request).get_region(caller, region_id)
    form = Form(values=fields)
    try:
        await _organisation(request).update_region(
            caller, region_id, RegionUpdate(name=forms.text(fields, "name"))
        )
        return _redirect(f"/setup/clients/{region.client_id}?done=saved#regions")
    except (Invalid, Conflict) as error:
        forms.add_error(form, language_of(request, caller), error, ("name",), conflict_field="name")
    editing = {"kind": "region", "record": region, "form": form}
    return await _client_page(request, caller, region.client_id, status_code=422, editing=editing)


@post("/setup/regions/{region_id:int}/delete", include_in_schema=False, status_code=303)
async def delete_region(request: Request[Any, Any, Any], region_id: FromPath[int]) -> Response[Any]:
    """Delete a region no outlet belongs to; otherwise say so, and delete nothing."""
    caller = await _set_up_caller(request)
    await forms.read_form(request)
    region = await _organisation(request).get_region(caller, region_id)
    try:
        await _organisation(request).delete_region(caller, region_id)
        return _redirect(f"/setup/clients/{region.client_id}?done=deleted#regions")
    except Conflict as error:
        form = Form(values={"name": region.name})
        forms.add_error(form, language_of(request, caller), error, ())
    editing = {"kind": "region", "record": region, "form": form}
    return await _client_page(request, caller, region.client_id, status_code=409, editing=editing)


OUTLET_EDIT_FIELDS: Final = ("code", "name", "region_id", "address", "city", "lat", "lon",
                             "timezone", "channels", "active")  # fmt: skip


@post("/setup/outlets/{outlet_id:int}", include_in_schema=False, status_code=303)
async def save_outlet(request: Request[Any, Any, Any], outlet_id: FromPath[int]) -> Response[Any]:
    """An outlet's code (unique within its client), name, address, coordinates, time zone,
    channels, region, and whether it is still active (an inactive outlet gets no new visits;
    its results stay)."""
    caller = await _set_up_caller(request)
    fields, multiple, _files = await forms.read_form(request)
    outlet = await _organisation(request).get_outlet(caller, outlet_id)
    language = language_of(request, caller)
    channels = [c for c in multiple.get("channels", []) if c]
    form = Form(values={**fields, "channels": channels, "active": forms.ticked(fields, "active")})
    problems: list[dict[str, Any]] = []
    lat = forms.decimal(fields, "lat", problems)
    lon = forms.decimal(fields, "lon", problems)
    region = forms.whole(fields, "region_id", problems, empty=None)
    if not channels:
        problems.append({"item": "channels", "code": "unknown_channel"})
    if not problems:
        try:
            await _organisation(request).update_outlet(
                caller,
                outlet_id,
                OutletUpdate(
                    code=forms.text(fields, "code"),
                    name=forms.text(fields, "name"),
                    region_id=region,
                    address=forms.text(fields, "address"),
                    city=forms.text(fields, "city"),
                    lat=lat,
                    lon=lon,
                    timezone=forms.text(fields, "timezone") or "UTC",
                    channels=channels,
                    active=form.values["active"],
                ),
            )
            return _redirect(f"/setup/clients/{outlet.client_id}?done=saved#outlets")
        except (Invalid, Conflict) as error:
            forms.add_error(form, language, error, OUTLET_EDIT_FIELDS, conflict_field="code")
    forms.add_problems(form, language, problems, OUTLET_EDIT_FIELDS)
    editing = {"kind": "outlet", "record": outlet, "form": form}
    return await _client_page(request, caller, outlet.client_id, status_code=422, editing=editing)


@post("/setup/outlets/{outlet_id:int}/delete", include_in_schema=False, status_code=303)
async def delete_outlet(request: Request[Any, Any, Any], outlet_id: FromPath[int]) -> Response[Any]:
    """Delete an outlet never visited; one with visits is deactivated instead."""
    caller = await _set_up_caller(request)
    await forms.read_form(request)
    outlet = await _organisation(request).get_outlet(caller, outlet_id)
    try:
        await _organisation(request).delete_outlet(caller, outlet_id)
        return _redirect(f"/setup/clients/{outlet.client_id}?done=deleted#outlets")
    except Conflict as error:
        form = _outlet_form(outlet)
        forms.add_error(form, language_of(request, caller), error, ())
    editing = {"kind": "outlet", "record": outlet, "form": form}
    return await _client_page(request, caller, outlet.client_id, status_code=409, editing=editing)


@post("/setup/waves/{wave_id:int}", include_in_schema=False, status_code=303)
async def save_wave(request: Request[Any, Any, Any], wave_id: FromPath[int]) -> Response[Any]:
    """A wave's name, dates and checklists (the dates and checklists until its visits are sent)."""
    caller = await _set_up_caller(request)
    _admin(caller)
    fields, _multiple, _files = await forms.read_form(request)
    wave = await WaveService(context_of(request).database).get_wave(caller, wave_id)
    language = language_of(request, caller)
    form = Form(values=fields)
    problems: list[dict[str, Any]] = []
    starts_on = forms.date(fields, "starts_on", problems)
    ends_on = forms.date(fields, "ends_on", problems)
    templates: dict[str, int] = {}
    for channel in CHANNELS:
        chosen = forms.whole(fields, f"template_{channel}", problems, empty=None)
        if chosen is not None:
            templates[channel] = chosen
    if not templates:
        problems.append({"item": "templates", "code": "no_template"})
    if not problems and starts_on is not None and ends_on is not None:
        try:
            await WaveService(context_of(request).database).update_wave(
                caller,
                wave_id,
                WaveUpdate(
                    name=forms.text(fields, "name"),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    templates=templates,
                ),
            )
            return _redirect(f"/setup/clients/{wave.client_id}?done=saved#waves")
        except (Invalid, Conflict) as error:
            forms.add_error(form, language, error, WAVE_FIELDS, {"ends_on": "ends_on"})
    forms.add_problems(
        form,
        language,
        problems,
        WAVE_FIELDS,
        {f"template_{channel}": "templates" for channel in CHANNELS},
    )
    editing = await _wave_editing(request, caller, wave, form)
    return await _client_page(request, caller, wave.client_id, status_code=422, editing=editing)


PERSON_EDIT_FIELDS: Final = ("name", "language", "active", "region_ids", "outlet_ids",
                             "client_ids", "password")  # fmt: skip


@post("/setup/people/{user_id:int}", include_in_schema=False, status_code=303)
async def save_person(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Response[Any]:
    """A person's name, language and scope (a regional manager's regions, an outlet manager's
    outlets, an auditor's home regions, the clients a reviewer reviews), whether the account is
    active (a deactivated person is logged out and cannot log in; their records stay), and a
    new password when one is given: the person is then logged out everywhere, and the page
    after it says so, with an auditor's setup link and QR code to set their phone up again."""
    caller = await _set_up_caller(request)
    fields, multiple, _files = await forms.read_form(request)
    users = _users(request)
    person = await users.get_user(caller, user_id)
    language = language_of(request, caller)
    form = Form(
        values={
            **fields,
            "active": forms.ticked(fields, "active"),
            "region_ids": forms.ids(multiple.get("region_ids", [])),
            "outlet_ids": forms.ids(multiple.get("outlet_ids", [])),
            "client_ids": forms.ids(multiple.get("client_ids", [])),
        }
    )
    changes: dict[str, Any] = {}
    if person.role in ("regional_manager", AUDITOR):
        changes["region_ids"] = form.values["region_ids"]
    if person.role == "outlet_manager":
        changes["outlet_ids"] = form.values["outlet_ids"]
    if person.role == REVIEWER:
        changes["client_ids"] = form.values["client_ids"]
    password = forms.text(fields, "password")
    if password:
        changes["password"] = password
    if person.client_id is not None:
        section = f"/setup/clients/{person.client_id}", "#people"
    else:
        section = "/setup", "#auditors" if person.role == AUDITOR else "#staff"
    problems: list[dict[str, Any]] = []
    if person.role == REVIEWER and not form.values["client_ids"]:
        problems.append({"item": "client_ids", "code": "no_client"})
    if not problems:
        try:
            changed = await users.update_user(
                caller,
                user_id,
                UserUpdate(
                    name=forms.text(fields, "name"),
                    language=forms.text(fields, "language") or person.language,
                    active=form.values["active"],
                    **changes,
                ),
            )
            if password:
                return _password_page(
                    request, caller, changed, password, "".join(section), new_password=True
                )
            return _redirect(f"{section[0]}?done=saved{section[1]}")
        except (Invalid, Conflict) as error:
            forms.add_error(form, language, error, PERSON_EDIT_FIELDS, conflict_field="active")
    forms.add_problems(form, language, problems, PERSON_EDIT_FIELDS)
    editing = _person_editing(person, form)
    if person.client_id is None:
        return await _start_page(request, caller, status_code=422, editing=editing)
    return await _client_page(request, caller, person.client_id, status_code=422, editing=editing)


def _password_page(
    request: Request[Any, Any, Any],
    caller: Caller,
    person: User,
    password: str,
    back: str,
    new_password: bool = False,
) -> Response[str]:
    """The person added (or given a `new_password`), the password to give them, shown this
    once, and for an auditor the link and QR code that set up their phone (the same each time:
    they hold the server and the e-mail only)."""
    setup_url = qr = None
    if person.role == AUDITOR:
        setup_url = setup_link(context_of(request).settings.public_url, person.email)
        label = forms.words(language_of(request, caller), _("QR code of the setup link"))
        qr = qr_code(setup_url, label)
    return render(
        request,
        "setup_invite.html",
        caller=caller,
        person=person,
        new_password=new_password,
        setup_url=setup_url,
        qr_svg=qr,
        password=password,
        back=back,
    )


ROUTES = [
    setup_start,
    create_client,
    invite_auditor,
    add_staff,
    client_setup,
    update_client,
    add_region,
    add_outlet,
    preview_outlets,
    import_outlets,
    add_person,
    add_wave,
    save_workflow,
    plan_page,
    propose_plan,
    publish_plan,
    save_region,
    delete_region,
    save_outlet,
    delete_outlet,
    save_wave,
    save_person,
]
