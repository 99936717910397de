"""The Kivy application: wires the store, the sync thread and the screens together.

The screens hold no business logic: they call the store, ``AuditSession`` and the sync client.
Sync results arrive in the sync thread and are handed to the UI thread with
``Clock.schedule_once``. Text goes through ``app._(msgid, app.lang)`` in the ``.kv`` files so
that changing the language re-evaluates every bound label.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from mobile.camera import Camera, default_camera
from mobile.i18n import DEFAULT_LANGUAGE, LANGUAGES, gettext_for, ngettext_for, register_fonts
from mobile.notices import OFFLINE, Notice, message_text, notice_text
from mobile.screens import create_screen, load_common_rules
from mobile.store import Store

if TYPE_CHECKING:
    from mobile.sync import SyncEvent


WARM_UP_DELAY_S = 0.3


class ShopscoreApp(App):  # type: ignore[misc]  # Kivy is untyped
    """The field app. ``data_dir`` and ``camera`` may be given (tests, benchmarks)."""

    lang = StringProperty(DEFAULT_LANGUAGE)
    status = StringProperty("")
    title = "Shopscore"

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        camera: Camera | None = None,
        start_sync: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._data_dir = Path(data_dir) if data_dir else None
        self.camera = camera
        self.start_sync = start_sync
        self.sync_listeners: list[Callable[[SyncEvent], None]] = []
        self.last_location: dict[str, Any] | None = None
        self._sync_ready = threading.Event()
        self._sync_setup_lock = threading.Lock()
        self._sync_setup_started = False

    # text ---------------------------------------------------------------------------------------

    def _(self, message: str, _lang: str | None = None) -> str:
        """Translate; ``_lang`` is only there so that kv bindings follow ``app.lang``."""
        return gettext_for(self.lang)(message)

    def ngettext(self, singular: str, plural: str, count: int, _lang: str | None = None) -> str:
        return ngettext_for(self.lang)(singular, plural, count)

    def message_text(self, message: str, questions: Mapping[str, str] | None = None) -> str:
        """A stored outbox message in the auditor's language (see ``mobile.notices``), its
        errors naming their questions by ``questions`` (item key -> the question's words)."""
        return message_text(message, self._, self.ngettext, questions)

    def set_language(self, lang: str) -> None:
        if lang in LANGUAGES:
            self.store.set_settings(language=lang)
            self.lang = lang

    # life cycle ---------------------------------------------------------------------------------

    def build(self) -> ScreenManager:
        register_fonts()
        data_dir = self._data_dir or self._private_data_dir()
        self.store = Store(data_dir)
        self.lang = self.store.get_setting("language", DEFAULT_LANGUAGE)
        if self.camera is None:
            self.camera = default_camera()
        load_common_rules()
        manager = ScreenManager(transition=NoTransition())
        first = "assignments" if self.store.get_setting("token") else "login"
        manager.add_widget(create_screen(first))
        manager.current = first
        return manager

    def _private_data_dir(self) -> Path:
        """Kivy's user_data_dir (the app's private folder on Android)."""
        try:
            return Path(self.user_data_dir)
        except FileNotFoundError:  # a desktop without ~/.config yet: Kivy does not create it
            Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")).mkdir(parents=True)
            return Path(self.user_data_dir)

    def on_start(self) -> None:
        self.go(self.root.current)
        self._start_gps()
        self._listen_for_links()
        Window.bind(on_flip=self._after_first_frame)

    # setting the phone up ----------------------------------------------------------------------

    def server_address(self) -> str:
        """The server this phone talks to: set by a setup link, else the build's, else ""."""
        from mobile.setup_link import built_in_server

        return self.store.get_setting("server") or built_in_server()

    def accept_setup_link(self, text: str) -> bool:
        """Take a setup link (opened, scanned or pasted): remember the server and the e-mail.

        A link to another server than the one logged in to ends that session: its token,
        cursor and visits belong to the other server. Returns False for text that is no link.
        """
        from mobile.setup_link import parse_setup_link

        setup = parse_setup_link(text)
        if setup is None:
            return False
        if self.store.get_setting("token") and setup.server != self.store.get_setting("server"):
            self.store.delete_settings("token", "sync_cursor")
        self.store.set_settings(server=setup.server)
        if setup.email:
            self.store.set_settings(user_email=setup.email)
        if not self.store.get_setting("token"):
            self.go("login")
        return True

    def _listen_for_links(self) -> None:
        from kivy.utils import platform

        if platform != "android":
            return
        try:  # pragma: no cover - on a device only
            from mobile.android_link import link_at_start, on_new_link
        except ImportError:
            return
        link = link_at_start()  # pragma: no cover
        if link:  # pragma: no cover
            self.accept_setup_link(link)
        on_new_link(  # pragma: no cover
            lambda text: Clock.schedule_once(lambda _dt: self.accept_setup_link(text))
        )

    def _after_first_frame(self, *_args: Any) -> None:
        """Work that must not delay the first screen, started once it is on the glass.

        Importing httpx (a third of a second on the desktop) or building the visit screens
        before that competed with drawing the list for the two cores and the GIL.
        """
        Window.unbind(on_flip=self._after_first_frame)
        # A RecycleView fills its rows a frame or two after the first one: let it.
        Clock.schedule_once(lambda _dt: self._warm_up(), WARM_UP_DELAY_S)

    def _warm_up(self) -> None:
        """Build the visit screens while the auditor reads the list, not when they tap."""
        self._start_sync_setup()  # in its own thread, meanwhile
        for name in ("briefing", "checklist", "review"):
            self.screen(name)
        self.screen("checklist").warm_up()

    def _start_sync_setup(self) -> None:
        with self._sync_setup_lock:
            if self._sync_setup_started:
                return
            self._sync_setup_started = True
        threading.Thread(target=self._set_up_sync, name="sync-setup", daemon=True).start()

    def _set_up_sync(self) -> None:
        from mobile.sync import BackgroundSync, SyncClient

        self.sync_client = SyncClient(self.store, listener=self._from_sync_thread)
        self.background = BackgroundSync(self.sync_client)
        if self.start_sync:
            self.background.start()
        self._sync_ready.set()

    def sync(self) -> Any:
        """The SyncClient, once set up (it is, a moment after the first frame)."""
        self._start_sync_setup()
        self._sync_ready.wait()
        return self.sync_client

    def on_stop(self) -> None:
        if self._sync_setup_started and self._sync_ready.wait(5) and self.start_sync:
            self.background.stop()
        self.store.close()

    def screen(self, name: str) -> Any:
        """The screen called ``name``, built the first time it is needed."""
        if not self.root.has_screen(name):
            self.root.add_widget(create_screen(name))
        return self.root.get_screen(name)

    def go(self, screen: str, **arguments: Any) -> None:
        """Show a screen; a screen's ``prepare(**arguments)`` loads what it shows."""
        target = self.screen(screen)
        prepare = getattr(target, "prepare", None)
        if prepare is not None:
            prepare(**arguments)
        self.root.current = screen

    # sync ----------------------------------------------------------------------------------------

    def _from_sync_thread(self, event: SyncEvent) -> None:
        Clock.schedule_once(lambda _dt: self._on_sync_event(event))

    def _on_sync_event(self, event: SyncEvent) -> None:
        if event.kind == "login_required":
            self.status = self._("Please log in again.")
            self.go("login")
        elif event.kind == "offline":
            self.status = notice_text(Notice(OFFLINE), self._, self.ngettext)
        elif event.kind in ("pulled", "outbox"):
            self.status = ""
        for listener in list(self.sync_listeners):
            listener(event)

    def login(
        self,
        server: str,
        email: str,
        password: str,
        on_done: Callable[[str | None], None],
    ) -> None:
        """Log in from the sync thread; ``on_done(error message or None)`` on the UI thread."""

        def job() -> None:
            from mobile.sync import LoginFailed

            try:
                self.sync().login(server, email, password)
                failure: Notice | None = None
            except LoginFailed as refused:
                failure = refused.notice
            Clock.schedule_once(lambda _dt: self._after_login(failure, on_done))

        if self.start_sync:
            self.sync()
            self.background.run_job(job)
        else:
            job()

    def _after_login(self, failure: Notice | None, on_done: Callable[[str | None], None]) -> None:
        if failure is None:
            on_done(None)
        else:
            on_done(notice_text(failure, self._, self.ngettext))

    def location(self) -> dict[str, Any] | None:
        """The latest GPS fix, when the platform gave one (recorded at "start visit")."""
        return self.last_location

    def _start_gps(self) -> None:
        from kivy.utils import platform

        if platform != "android":
            return
        try:  # pragma: no cover - on a device only
            from plyer import gps

            gps.configure(on_location=self._on_location)
            gps.start(minTime=10000, minDistance=10)
        except (ImportError, NotImplementedError):
            return

    def _on_location(self, **fix: Any) -> None:  # pragma: no cover - on a device only
        self.last_location = {
            "lat": fix.get("lat"),
            "lon": fix.get("lon"),
            "accuracy_m": fix.get("accuracy"),
            "at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }

    def sync_now(self) -> None:
        if self.start_sync and self._sync_ready.is_set():
            self.background.wake()

    def log_out(self) -> None:
        self.sync().logout()
        self.go("login")


def main() -> None:
    ShopscoreApp().run()
