"""HTTP endpoints of clients, regions and outlets (thin: parse, call the service, return)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from server.access.scope import require_set_up
from server.core.dependencies import AuthenticatedCaller, DatabaseDep, SettingsDep
from server.core.errors import PayloadTooLarge, UnsupportedMediaType
from server.core.i18n import _
from server.organisation.csv_import import CSV, XLSX, OutletImport
from server.organisation.schemas import (
    Client,
    ClientCreate,
    ClientPage,
    ClientUpdate,
    ImportReport,
    Outlet,
    OutletCreate,
    OutletPage,
    OutletUpdate,
    Region,
    RegionCreate,
    RegionPage,
    RegionUpdate,
)
from server.organisation.service import OrganisationService
from server.organisation.xlsx_import import XLSX_MEDIA_TYPE

Organisation = NamedDependency[OrganisationService]

# Excel and some browsers label CSV files as these.
CSV_MEDIA_TYPES = frozenset({"text/csv", "application/vnd.ms-excel", "text/plain"})

Limit = Annotated[int, QueryParameter(ge=1, le=1000)]


def provide_organisation(database: DatabaseDep) -> OrganisationService:
    return OrganisationService(database)


ORGANISATION = {"organisation": Provide(provide_organisation, sync_to_thread=False)}


@dataclass
class OutletImportOperation(Operation):
    """The operation of `POST /api/v1/clients/{id}/outlets/import`: a CSV or .xlsx body."""

    def __post_init__(self) -> None:
        text = Schema(type=OpenAPIType.STRING)
        binary = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
        self.request_body = RequestBody(
            content={
                "text/csv": OpenAPIMediaType(schema=text),
                XLSX_MEDIA_TYPE: OpenAPIMediaType(schema=binary),
            },
            required=True,
            description="The outlets, one a row under a header row naming the columns (code, "
            "name, region, address, city, lat, lon, timezone, channels, active): a CSV (UTF-8, "
            "',' or ';') or an .xlsx workbook (docs/contract.md#outlet-import); at most "
            "MAX_CSV_BYTES",
        )


class ClientController(Controller):
    path = "/api/v1/clients"
    tags = ("organisation",)
    dependencies = ORGANISATION

    @get("/")
    async def list_clients(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 100,
    ) -> ClientPage:
        return await organisation.list_clients(caller, cursor, limit)

    @post("/")
    async def create_client(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        data: JSONBody[ClientCreate],
    ) -> Client:
        return await organisation.create_client(caller, data)

    @get("/{client_id:int}")
    async def get_client(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        client_id: FromPath[int],
    ) -> Client:
        return await organisation.get_client(caller, client_id)

    @patch("/{client_id:int}")
    async def update_client(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        client_id: FromPath[int],
        data: JSONBody[ClientUpdate],
    ) -> Client:
        return await organisation.update_client(caller, client_id, data)

    @delete("/{client_id:int}")
    async def delete_client(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        client_id: FromPath[int],
    ) -> None:
        await organisation.delete_client(caller, client_id)

    @get("/{client_id:int}/regions")
    async def list_regions(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        client_id: FromPath[int],
        cursor: FromQuery[str | None] = None,
        limit: Limit = 100,
    ) -> RegionPage:
        return await organisation.list_regions(caller, client_id, cursor, limit)

    @post("/{client_id:int}/regions")
    async def create_region(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        client_id: FromPath[int],
        data: JSONBody[RegionCreate],
    ) -> Region:
        return await organisation.create_region(caller, client_id, data)

    @post(
        "/{client_id:int}/outlets/import",
        status_code=HTTP_200_OK,
        request_max_body_size=None,
        operation_class=OutletImportOperation,
    )
    async def import_outlets(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        database: DatabaseDep,
        settings: SettingsDep,
        request: Request,  # type: ignore[type-arg]
        client_id: FromPath[int],
    ) -> ImportReport:
        """Import outlets from a CSV body (`text/csv`, UTF-8, `,` or `;`) or an Excel workbook
        (`XLSX_MEDIA_TYPE`), all or nothing."""
        require_set_up(caller)  # before a byte of the body is read
        media_type = request.content_type[0]
        if media_type not in CSV_MEDIA_TYPES and media_type != XLSX_MEDIA_TYPE:
            raise UnsupportedMediaType(
                _("Send the file as text/csv (UTF-8, ',' or ';') or as an .xlsx workbook.")
            )
        content = bytearray()
        async for chunk in request.stream():
            content += chunk
            if len(content) > settings.max_csv_bytes:
                raise PayloadTooLarge(_("The CSV file is too large; split it into parts."))
        kind = XLSX if media_type == XLSX_MEDIA_TYPE else CSV
        return await OutletImport(database, organisation).run(
            caller, client_id, bytes(content), kind
        )


class RegionController(Controller):
    path = "/api/v1/regions"
    tags = ("organisation",)
    dependencies = ORGANISATION

    @get("/{region_id:int}")
    async def get_region(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        region_id: FromPath[int],
    ) -> Region:
        return await organisation.get_region(caller, region_id)

    @patch("/{region_id:int}")
    async def update_region(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        region_id: FromPath[int],
        data: JSONBody[RegionUpdate],
    ) -> Region:
        return await organisation.update_region(caller, region_id, data)

    @delete("/{region_id:int}")
    async def delete_region(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        region_id: FromPath[int],
    ) -> None:
        await organisation.delete_region(caller, region_id)


class OutletController(Controller):
    path = "/api/v1/outlets"
    tags = ("organisation",)
    dependencies = ORGANISATION

    @get("/")
    async def list_outlets(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 100,
        client_id: FromQuery[int | None] = None,
        region_id: FromQuery[int | None] = None,
        city: FromQuery[str | None] = None,
        active: FromQuery[bool | None] = None,
    ) -> OutletPage:
        return await organisation.list_outlets(
            caller, cursor, limit, client_id, region_id, city, active
        )

    @post("/")
    async def create_outlet(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        data: JSONBody[OutletCreate],
    ) -> Outlet:
        return await organisation.create_outlet(caller, data)

    @get("/{outlet_id:int}")
    async def get_outlet(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        outlet_id: FromPath[int],
    ) -> Outlet:
        return await organisation.get_outlet(caller, outlet_id)

    @patch("/{outlet_id:int}")
    async def update_outlet(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        outlet_id: FromPath[int],
        data: JSONBody[OutletUpdate],
    ) -> Outlet:
        return await organisation.update_outlet(caller, outlet_id, data)

    @delete("/{outlet_id:int}")
    async def delete_outlet(
        self,
        caller: AuthenticatedCaller,
        organisation: Organisation,
        outlet_id: FromPath[int],
    ) -> None:
        await organisation.delete_outlet(caller, outlet_id)
