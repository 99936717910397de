"""The analytics feature's own Piccolo app: the leagues asked lately (`league_asked`), and
indexes on the rollup.

Analytics reads `score_rollup` (owned by the workflow app); the covering index it needs for a
league table that never touches table rows lives here, so its migration cannot collide with
those of the workflow app.
"""

import os

from piccolo.conf.apps import AppConfig

from server.analytics.tables import ANALYTICS_TABLES

APP_CONFIG = AppConfig(
    app_name="analytics",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=list(ANALYTICS_TABLES),
    migration_dependencies=["server.workflow.piccolo_app"],
    commands=[],
)
