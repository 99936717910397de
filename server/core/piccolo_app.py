"""The one Piccolo app of the server: every table, and the committed migrations folder."""

import os

from piccolo.conf.apps import AppConfig

from server.auditlog.tables import AuditLogEntry
from server.auth.tables import LoginFailure
from server.organisation.tables import Client, Outlet, Region
from server.templates.tables import ChecklistTemplate
from server.users.tables import AuditorExclusion, ReviewerClient, User, UserOutlet, UserRegion
from server.waves.tables import Assignment, Wave

ALL_TABLES = [
    Client,
    Region,
    Outlet,
    User,
    UserRegion,
    UserOutlet,
    ReviewerClient,
    AuditorExclusion,
    LoginFailure,
    ChecklistTemplate,
    Wave,
    Assignment,
    AuditLogEntry,
]

APP_CONFIG = AppConfig(
    app_name="shopscore",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
