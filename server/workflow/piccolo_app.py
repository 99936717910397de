"""The workflow feature's own Piccolo app, so its migrations never collide with the core's."""

import os

from piccolo.conf.apps import AppConfig

from server.workflow.tables import WORKFLOW_TABLES

APP_CONFIG = AppConfig(
    app_name="workflow",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=list(WORKFLOW_TABLES),
    migration_dependencies=["server.core.piccolo_app"],
    commands=[],
)
