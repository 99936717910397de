"""ASGI entry point for production servers: `uvicorn server.asgi:app` (settings from env)."""

import gc
import os

from server.app import create_app
from server.core.settings import Settings

app = create_app(Settings.from_env(os.environ))

# What start-up made (the modules, the app and its routes) lives as long as the process: kept
# out of the garbage collector's passes. A full pass walked all of it, stopping every request
# for ~0.12 s once every ~1,500 audits received (bench/ingest.py).
gc.collect()
gc.freeze()
