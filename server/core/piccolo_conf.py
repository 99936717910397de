"""Piccolo's configuration module: the app registry, and the engine `server.core.database` binds.

`DB` starts as the embedded default so Piccolo's own CLI (`piccolo migrations new --auto`)
works from a clone; the running server and `shopscore migrate` replace it from settings.
"""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.sqlite import SQLiteEngine

DB = SQLiteEngine(path="var/shopscore.db")

APP_REGISTRY = AppRegistry(
    apps=[
        "server.core.piccolo_app",
        "server.audits.piccolo_app",
        "server.workflow.piccolo_app",
        "server.analytics.piccolo_app",
        "server.reporting.piccolo_app",
    ]
)
