"""The screens of the field app, each a ``.py`` + ``.kv`` pair; they call the core, nothing more.

Screens are created when first shown (``ShopscoreApp.screen``), so starting the app builds only
the first one.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from kivy.lang import Builder
from kivy.uix.screenmanager import Screen

KV_DIR = Path(__file__).parent

# screen name -> (module under mobile.screens, class); the .kv file has the module's name
SCREENS = {
    "login": ("login", "LoginScreen"),
    "assignments": ("assignments", "AssignmentsScreen"),
    "briefing": ("briefing", "BriefingScreen"),
    "checklist": ("checklist", "ChecklistScreen"),
    "review": ("review", "ReviewScreen"),
    "photo": ("photo", "PhotoScreen"),
    "outbox": ("outbox", "OutboxScreen"),
    "settings": ("settings", "SettingsScreen"),
}


def load_common_rules() -> None:
    """The look shared by all screens (buttons, inputs, bars)."""
    Builder.load_file(str(KV_DIR / "widgets.kv"))


def create_screen(name: str) -> Screen:
    """Load the screen's rules and module, and build it."""
    module_name, class_name = SCREENS[name]
    kv_file = str(KV_DIR / f"{module_name}.kv")
    if kv_file not in Builder.files:
        Builder.load_file(kv_file)
    module = importlib.import_module(f"mobile.screens.{module_name}")
    screen: Screen = getattr(module, class_name)(name=name)
    return screen
