"""The `shopscore` command: serve, migrate, create users, load starter templates, check the
audit log, demo."""

from __future__ import annotations

import argparse
import asyncio
import errno
import getpass
import os
import shutil
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from server.access.caller import ROLES
from server.auditlog.chain import Head
from server.core.database import Database, migrate
from server.core.settings import Settings

# How far past a taken port `port_problem` looks for a free one to suggest.
PORTS_TO_SUGGEST = 20


def serve(host: str, port: int, workers: int) -> None:
    """uvicorn serving `server.asgi:app`, whose settings its workers read from the process's
    environment (`main` has read them once already: var/ and the secret key exist)."""
    import uvicorn

    uvicorn.run(
        "server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        http="httptools",
        access_log=False,  # the app logs requests itself, without bodies or headers
        log_level="info",
    )


def _bind_error(host: str, port: int) -> OSError | None:
    """Why uvicorn could not listen on host:port now (None: it could), by binding as it does."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As uvicorn does: a port left in TIME_WAIT by a stopped server is free to reuse.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        return error
    return None


def port_problem(host: str, port: int) -> str | None:
    """What stops the server from listening on host:port, and what to do; None when it can."""
    error = _bind_error(host, port)
    if error is None:
        return None
    if error.errno != errno.EADDRINUSE:
        return f"cannot listen on {host}:{port}: {error.strerror or error}"
    free = next(
        (
            candidate
            for candidate in range(port + 1, min(port + PORTS_TO_SUGGEST, 65535) + 1)
            if _bind_error(host, candidate) is None
        ),
        None,
    )
    other = free or port + 1
    return (
        f"port {port} on {host} is already in use (another Shopscore demo or server?).\n"
        f"Nothing was loaded. Choose another port"
        + (f" ({free} is free)" if free else "")
        + f": make demo PORT={other}, or {shopscore_command()} demo --port {other}"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "  ") -> list[str]:
    """Rows as lines of left-aligned columns under `header`, for a terminal."""
    cells = [[str(cell) for cell in row] for row in (header, *rows)]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    return [
        indent
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]


def shopscore_command() -> str:
    """How the reader can type this command: `shopscore` on the PATH, else the .venv's."""
    if shutil.which("shopscore"):
        return "shopscore"
    script = Path(sys.executable).parent / "shopscore"
    return shown(script) if script.exists() else "shopscore"


def shown(path: Path) -> str:
    """`path` as short as a reader can use it: relative to the working folder when inside it."""
    resolved = path.resolve()
    try:
        return "./" + str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


async def _migrate(settings: Settings) -> None:
    await migrate(Database(settings.database_url))


async def _create_user(
    settings: Settings, role: str, email: str, password: str, name: str, client_id: int | None
) -> int:
    from server.auth.passwords import Passwords
    from server.users.schemas import UserCreate
    from server.users.service import UserService

    database = Database(settings.database_url)
    await database.start()
    try:
        service = UserService(database, Passwords(settings.argon2))
        user = await service.create_user(
            None,
            UserCreate(email=email, name=name, role=role, password=password, client_id=client_id),
        )
        return user.id
    finally:
        await database.close()


async def _load_starters(settings: Settings) -> list[str]:
    from server.templates.starters import load_starters

    database = Database(settings.database_url)
    await database.start()
    try:
        return await load_starters(database)
    finally:
        await database.close()


def _chain_head(text: str) -> Head:
    try:
        return Head.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


async def _verify_log(settings: Settings, anchor: Head | None) -> int:
    from server.auditlog.service import verify_log

    database = Database(settings.database_url)
    try:
        result = await verify_log(database, anchor)
    finally:
        await database.close()
    print(result.summary(), file=sys.stdout if result.intact else sys.stderr)
    return 0 if result.intact else 1


def _backup_or_restore(settings: Settings, args: argparse.Namespace) -> int:
    from server.backup.archive import BackupError, backup, restore

    try:
        if args.command == "backup":
            summary = backup(settings, Path(args.file))
        else:
            summary = restore(settings, Path(args.file), force=args.force)
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    rows = sum(summary.tables.values())
    print(
        f"{args.command}: {len(summary.tables)} tables, {rows} rows, "
        f"{summary.media_files} media files, {summary.archive_bytes} bytes ({args.file})"
    )
    return 0


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one `shopscore` command; settings come from `environ` (the process's environment
    when None)."""

    def settings() -> Settings:
        return Settings.from_env(os.environ if environ is None else environ)

    parser = argparse.ArgumentParser(prog="shopscore", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the API server")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--workers", type=int, default=1)
    commands.add_parser("migrate", help="bring the database to the latest schema")
    user_parser = commands.add_parser("user", help="manage users")
    user_commands = user_parser.add_subparsers(dest="user_command", required=True)
    create_parser = user_commands.add_parser("create", help="create a user (e.g. the first admin)")
    create_parser.add_argument("--role", required=True, choices=ROLES)
    create_parser.add_argument("--email", required=True)
    create_parser.add_argument("--password", help="prompted for when omitted")
    create_parser.add_argument("--name", default="")
    create_parser.add_argument(
        "--client-id",
        type=int,
        default=None,
        help="the client of a client user (head_office, regional_manager, outlet_manager)",
    )
    templates_parser = commands.add_parser("templates", help="manage checklist templates")
    templates_commands = templates_parser.add_subparsers(dest="templates_command", required=True)
    templates_commands.add_parser("load-starters", help="create and publish the starter templates")
    demo_parser = commands.add_parser(
        "demo", help="load the demo programme, write its reports into ./out, start the server"
    )
    demo_parser.add_argument("--host", default="127.0.0.1")
    demo_parser.add_argument("--port", type=int, default=8000, help="default: 8000")
    demo_parser.add_argument("--no-serve", action="store_true", help="load the data only")
    commands.add_parser("waves", help="list the waves: id, name, client, dates, released audits")
    backup_parser = commands.add_parser(
        "backup", help="write the database and every media file into one tar archive"
    )
    backup_parser.add_argument("file", help="the archive to write (e.g. shopscore.tar)")
    restore_parser = commands.add_parser(
        "restore", help="load a backup archive into an empty database and media directory"
    )
    restore_parser.add_argument("file", help="the archive written by `shopscore backup`")
    restore_parser.add_argument(
        "--force", action="store_true", help="empty a non-empty database and media dir first"
    )
    verify_parser = commands.add_parser(
        "verify-log",
        help="check the audit log's hash chain: the first entry edited, inserted or deleted",
    )
    verify_parser.add_argument(
        "--head",
        metavar="SEQUENCE:SHA256",
        type=_chain_head,
        help="an earlier head (from verify-log or a backup manifest) the log must still hold",
    )
    from server.reporting.batch import add_report_parser, print_waves, run_report_command

    add_report_parser(commands)
    args = parser.parse_args(argv)

    from server.core.errors import ServerError

    try:
        if args.command == "serve":
            settings()  # create var/ and the secret key once, before workers race for it
            serve(args.host, args.port, args.workers)
        elif args.command == "migrate":
            asyncio.run(_migrate(settings()))
        elif args.command == "user":
            password = args.password or getpass.getpass("Password: ")
            user_id = asyncio.run(
                _create_user(
                    settings(),
                    args.role,
                    args.email,
                    password,
                    args.name or args.email.split("@")[0],
                    args.client_id,
                )
            )
            print(f"created user {user_id} ({args.role}) {args.email}")
        elif args.command == "templates":
            loaded = asyncio.run(_load_starters(settings()))
            print("loaded: " + (", ".join(loaded) if loaded else "nothing new"))
        elif args.command == "report":
            return run_report_command(settings(), args)
        elif args.command == "waves":
            print_waves(settings())
        elif args.command == "verify-log":
            return asyncio.run(_verify_log(settings(), args.head))
        elif args.command in ("backup", "restore"):
            return _backup_or_restore(settings(), args)
        elif args.command == "demo":
            # Before anything is created or loaded: a taken port must cost seconds, not a load.
            problem = None if args.no_serve else port_problem(args.host, args.port)
            if problem is not None:
                print(f"error: {problem}", file=sys.stderr)
                return 1
            from server.demo import run_demo

            # The reports' verification links and the served pages name the demo's own address
            # unless PUBLIC_URL says another (`make demo PORT=8011`).
            os.environ.setdefault("PUBLIC_URL", f"http://{args.host}:{args.port}")
            try:
                run_demo(settings(), args.host, args.port, serve=not args.no_serve)
            except KeyboardInterrupt:
                print(
                    "\ninterrupted: the next `make demo` carries on where the load stopped",
                    file=sys.stderr,
                )
                return 130
    except ServerError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        for entry in error.errors or []:
            print(f"  {entry.get('item')}: {entry.get('message')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
