"""ASGI entry point for production servers: `uvicorn server.asgi:app` (settings from env)."""

import os

from server.app import create_app
from server.core.settings import Settings

app = create_app(Settings.from_env(os.environ))
