"""The Piccolo app of audits and photos: its tables and its own migrations folder."""

import os

from piccolo.conf.apps import AppConfig

from server.audits.tables import AUDIT_TABLES

APP_CONFIG = AppConfig(
    app_name="audits",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=list(AUDIT_TABLES),
    migration_dependencies=["server.core.piccolo_app"],
    commands=[],
)
