"""The `shopscore` command: serve, migrate, create users, load starter templates, demo."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence

from server.core.database import Database, migrate
from server.core.settings import Settings


def _settings() -> Settings:
    return Settings.from_env(os.environ)


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    _settings()  # create var/ and the secret key once, before workers race for it
    uvicorn.run(
        "server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        http="httptools",
        access_log=False,  # the app logs requests itself, without bodies or headers
        log_level="info",
    )


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


def _backup_or_restore(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

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


def main(argv: Sequence[str] | None = None) -> int:
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
    create_parser.add_argument("--role", required=True)
    create_parser.add_argument("--email", required=True)
    create_parser.add_argument("--password", help="prompted for when omitted")
    create_parser.add_argument("--name", default="")
    create_parser.add_argument("--client-id", type=int, default=None)
    templates_parser = commands.add_parser("templates", help="manage checklist templates")
    templates_commands = templates_parser.add_subparsers(dest="templates_command", required=True)
    templates_commands.add_parser("load-starters", help="create and publish the starter templates")
    demo_parser = commands.add_parser("demo", help="load the demo programme and start the server")
    demo_parser.add_argument("--host", default="127.0.0.1")
    demo_parser.add_argument("--port", type=int, default=8000)
    demo_parser.add_argument("--no-serve", action="store_true", help="load the data only")
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
    from server.reporting.batch import add_report_parser, run_report_command

    add_report_parser(commands)
    args = parser.parse_args(argv)

    from server.core.errors import ServerError

    try:
        if args.command == "serve":
            serve(args.host, args.port, args.workers)
        elif args.command == "migrate":
            asyncio.run(_migrate(_settings()))
        elif args.command == "user":
            password = args.password or getpass.getpass("Password: ")
            user_id = asyncio.run(
                _create_user(
                    _settings(),
                    args.role,
                    args.email,
                    password,
                    args.name or args.email.split("@")[0],
                    args.client_id,
                )
            )
            print(f"created user {user_id} ({args.role}) {args.email}")
        elif args.command == "templates":
            loaded = asyncio.run(_load_starters(_settings()))
            print("loaded: " + (", ".join(loaded) if loaded else "nothing new"))
        elif args.command == "report":
            return run_report_command(_settings(), args)
        elif args.command in ("backup", "restore"):
            return _backup_or_restore(_settings(), args)
        elif args.command == "demo":
            from server.demo import run_demo

            run_demo(_settings(), args.host, args.port, serve=not args.no_serve)
    except ServerError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        for entry in error.errors or []:
            print(f"  {entry.get('item')}: {entry.get('message')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
