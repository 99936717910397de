"""The reporting feature's own Piccolo app (the record of issued reports), so its migrations
never collide with those of the core or of another feature."""

import os

from piccolo.conf.apps import AppConfig

from server.reporting.tables import REPORTING_TABLES

APP_CONFIG = AppConfig(
    app_name="reporting",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=list(REPORTING_TABLES),
    migration_dependencies=["server.core.piccolo_app"],
    commands=[],
)
