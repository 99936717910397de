"""The phone's sync client: log in, pull assignments, push photos and audits.

``SyncClient`` does the HTTP work synchronously with httpx and keeps every state in the
``Store``: it holds no globals, so a fleet of simulated phones is just many clients, each with
its own store directory and base URL. ``BackgroundSync`` runs one client in a thread and
reports through a callback; the Kivy layer hands those reports to the UI thread.

Rules kept here: retries are always safe (PUT by uuid); transient failures (no network, 5xx,
429) are retried without limit with exponential backoff and jitter; an audit is synced only on
200/201 with an empty ``missing_photos``; 409 and 422 (and other 4xx) mark the entry failed
with the server's message until the auditor retries it; 401 asks for a new login.
"""

from __future__ import annotations

import queue
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mobile.notices import (
    AUDIT_MISSING,
    CONFLICT,
    LOGIN_REFUSED,
    OFFLINE,
    PHOTO_FILE_MISSING,
    REFUSED,
    SERVER_BUSY,
    UNCHANGED,
    UNREACHABLE,
    WAITING_FOR_PHOTOS,
    Notice,
)
from mobile.store import FAILED, QUEUED, SENDING, SYNCED, OutboxEntry, Store

# httpx imports its command-line client whenever rich, click and pygments are installed (as on
# a desktop next to the server: about 9 MB and 0.2 s); the app never runs it, and the phone
# build has none of them. A None entry makes that optional import fail, as it does there.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import httpx  # noqa: E402

API = "/api/v1"
BASE_BACKOFF_S = 2.0
MAX_BACKOFF_S = 300.0
IDLE_POLL_S = 60.0


class LoginRequired(Exception):
    """The server refused the token (or there is none): the auditor must log in again."""


class LoginFailed(Exception):
    """Wrong e-mail or password, or the server could not be reached: ``notice`` says which."""

    def __init__(self, notice: Notice) -> None:
        super().__init__(notice.detail or notice.code)
        self.notice = notice


@dataclass(frozen=True)
class SyncEvent:
    """What the UI is told: ``kind`` is pulled, outbox, login_required, offline or error."""

    kind: str
    message: str = ""


@dataclass
class PushReport:
    """The outcome of one pass over the outbox."""

    synced: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)


Listener = Callable[[SyncEvent], None]


def problem_message(response: httpx.Response) -> str:
    """The server's words for a refusal: detail (or title) plus each validation error."""
    try:
        problem = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(problem, dict):
        return f"HTTP {response.status_code}"
    parts = [str(problem.get("detail") or problem.get("title") or f"HTTP {response.status_code}")]
    for error in problem.get("errors") or []:
        if isinstance(error, dict):
            where = error.get("item") or error.get("field") or ""
            text = error.get("message") or error.get("code") or ""
            parts.append(f"{where}: {text}" if where else str(text))
    return "\n".join(parts)


def refusal(response: httpx.Response) -> str:
    """The outbox message of a refused upload: the server's words, labelled when shown.

    A 409 gets its own explanation: the phone cannot fix it by sending again.
    """
    code = CONFLICT if response.status_code == 409 else REFUSED
    return Notice(code, status=response.status_code, detail=problem_message(response)).to_message()


class SyncClient:
    """Talks to one Shopscore server on behalf of one phone's store."""

    def __init__(
        self,
        store: Store,
        base_url: str | None = None,
        *,
        timeout: float = 20.0,
        transport: httpx.BaseTransport | None = None,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        listener: Listener | None = None,
    ) -> None:
        self.store = store
        if base_url:
            store.set_settings(server=base_url.rstrip("/"))
        self.timeout = timeout
        self.transport = transport
        self.wall_clock = wall_clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.listener = listener
        self._http: httpx.Client | None = None
        self._http_base = ""

    @property
    def base_url(self) -> str:
        return self.store.get_setting("server")

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _client(self) -> httpx.Client:
        base = self.base_url
        if not base:
            raise LoginRequired("no server address")
        if self._http is None or self._http_base != base:
            self.close()
            self._http = httpx.Client(base_url=base, timeout=self.timeout, transport=self.transport)
            self._http_base = base
        return self._http

    def _auth(self) -> dict[str, str]:
        token = self.store.get_setting("token")
        if not token:
            raise LoginRequired("not logged in")
        return {"Authorization": f"Bearer {token}"}

    def emit(self, kind: str, message: str = "") -> None:
        if self.listener is not None:
            self.listener(SyncEvent(kind, message))

    # login ------------------------------------------------------------------------------------

    def login(self, server: str, email: str, password: str) -> dict[str, Any]:
        """Log in, remember the server, the token and the user; return the user."""
        self.store.set_settings(server=server.rstrip("/"))
        try:
            response = self._client().post(
                f"{API}/auth/login", json={"email": email, "password": password}
            )
        except httpx.HTTPError as error:
            raise LoginFailed(Notice(UNREACHABLE, detail=str(error))) from error
        if response.status_code != 200:
            raise LoginFailed(
                Notice(LOGIN_REFUSED, status=response.status_code, detail=problem_message(response))
            )
        body = response.json()
        user = body["user"]
        # The app's language stays the one the auditor chose on the phone, whatever the
        # profile on the server says.
        self.store.set_settings(
            token=body["token"],
            user_email=str(user.get("email", email)),
            user_name=str(user.get("name", "")),
        )
        return dict(user)

    def logout(self) -> None:
        self.store.delete_settings("token", "user_email", "user_name", "sync_cursor")

    # pull -------------------------------------------------------------------------------------

    def pull(self) -> dict[str, Any]:
        """Fetch what changed since the saved cursor and store it; return the payload."""
        cursor = self.store.get_setting("sync_cursor")
        response = self._client().get(
            f"{API}/sync", params={"since": cursor} if cursor else None, headers=self._auth()
        )
        if response.status_code == 401:
            raise LoginRequired(problem_message(response))
        response.raise_for_status()
        payload: dict[str, Any] = response.json()
        self.store.apply_pull(payload)
        self.emit("pulled")
        return payload

    # push -------------------------------------------------------------------------------------

    def push(self) -> PushReport:
        """One pass over the due outbox entries: photos first, then audits."""
        report = PushReport()
        due = sorted(self.store.due_outbox(self.wall_clock()), key=lambda e: e.kind != "photo")
        for index, entry in enumerate(due):
            unreachable = self._push_entry(entry, report)
            if unreachable is not None:
                # Every other entry would wait out the same connect timeout: back them all off
                # now instead of trying each one against a server that is not there.
                for waiting in due[index + 1 :]:
                    self._retry_later(waiting, unreachable, None)
                    report.retrying.append(waiting.uuid)
                break
        return report

    def _push_entry(self, entry: OutboxEntry, report: PushReport) -> Notice | None:
        """Send one entry; the notice to show when the server could not be reached at all."""
        self.store.mark_outbox(entry.kind, entry.uuid, SENDING, message=entry.message)
        self.emit("outbox")
        try:
            if entry.kind == "photo":
                state, message, response_body = self._send_photo(entry)
            else:
                state, message, response_body = self._send_audit(entry)
        except LoginRequired:
            self.store.mark_outbox(entry.kind, entry.uuid, QUEUED, message=entry.message)
            raise
        except httpx.HTTPError as error:
            notice = Notice(OFFLINE, detail=type(error).__name__)
            self._retry_later(entry, notice, None)
            report.retrying.append(entry.uuid)
            self.emit("offline", str(error))
            # A dropped connection says nothing about the next request; a refused one does.
            unreachable = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
            return notice if unreachable else None
        except _RetryLater as later:
            self._retry_later(entry, later.notice, later.after)
            report.retrying.append(entry.uuid)
            return None
        self.store.mark_outbox(
            entry.kind,
            entry.uuid,
            state,
            message=message,
            count_attempt=True,
            server_response=response_body,
        )
        (report.synced if state == SYNCED else report.failed).append(entry.uuid)
        self.emit("outbox")
        return None

    def _retry_later(self, entry: OutboxEntry, notice: Notice, after: float | None) -> None:
        if after is None:
            backoff = min(MAX_BACKOFF_S, BASE_BACKOFF_S * 2 ** min(entry.attempts, 16))
            after = backoff * self.rng.uniform(0.5, 1.0)
        self.store.mark_outbox(
            entry.kind,
            entry.uuid,
            QUEUED,
            message=notice.to_message(),
            next_retry_at=self.wall_clock() + after,
            count_attempt=True,
        )
        self.emit("outbox")

    def _send_photo(self, entry: OutboxEntry) -> tuple[str, str, dict[str, Any] | None]:
        photo = self.store.photo(entry.uuid)
        if photo is None or not photo.path.exists():
            return FAILED, Notice(PHOTO_FILE_MISSING).to_message(), None
        response = self._client().put(
            f"{API}/photos/{photo.uuid}",
            content=photo.path.read_bytes(),
            headers={
                **self._auth(),
                "Content-Type": photo.content_type,
                "X-Content-SHA256": photo.sha256,
            },
        )
        self._raise_for_transient(response)
        if response.status_code in (200, 201):
            return SYNCED, "", _json_or_none(response)
        return FAILED, refusal(response), _json_or_none(response)

    def _send_audit(self, entry: OutboxEntry) -> tuple[str, str, dict[str, Any] | None]:
        record = self.store.audit(entry.uuid)
        if record is None or record.body is None:
            return FAILED, Notice(AUDIT_MISSING).to_message(), None
        body = dict(record.body)
        body["sent_at"] = datetime.now().astimezone().isoformat(timespec="seconds")
        body["device_id"] = self.store.device_id()
        response = self._client().put(f"{API}/audits/{entry.uuid}", json=body, headers=self._auth())
        self._raise_for_transient(response)
        if response.status_code not in (200, 201):
            return FAILED, refusal(response), _json_or_none(response)
        result = response.json()
        if result.get("status") == "returned":
            # An unchanged correction is a replay: the audit stays returned. Back to the auditor.
            self.store.reopen_audit(entry.uuid)
            return FAILED, Notice(UNCHANGED).to_message(), result
        missing = [str(uuid) for uuid in result.get("missing_photos") or []]
        if missing:
            # The server lacks some photos: make sure they are queued, and come back later.
            for photo_uuid in missing:
                photo_entry = self.store.outbox_entry("photo", photo_uuid)
                if photo_entry is not None and photo_entry.state == SYNCED:
                    self.store.mark_outbox("photo", photo_uuid, QUEUED)
            self.store.mark_outbox(entry.kind, entry.uuid, SENDING, server_response=result)
            raise _RetryLater(Notice(WAITING_FOR_PHOTOS, count=len(missing)), None)
        return SYNCED, "", result

    def _raise_for_transient(self, response: httpx.Response) -> None:
        if response.status_code == 401:
            raise LoginRequired(problem_message(response))
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = response.headers.get("Retry-After", "")
            after = float(retry_after) if retry_after.isdigit() else None
            raise _RetryLater(Notice(SERVER_BUSY, status=response.status_code), after)

    # both -------------------------------------------------------------------------------------

    def download_photos(self) -> int:
        """Fetch the thumbnails of returned audits' photos this phone did not take.

        A photo that cannot be fetched now is tried again at the next sync; the checklist
        shows a placeholder meanwhile. Returns how many arrived.
        """
        arrived = 0
        for photo in self.store.photos_to_download():
            assert photo.source_url is not None
            response = self._client().get(photo.source_url, headers=self._auth())
            if response.status_code == 401:
                raise LoginRequired(problem_message(response))
            if response.status_code != 200:
                continue
            self.store.save_photo_file(photo, response.content)
            arrived += 1
        if arrived:
            self.emit("photos")
        return arrived

    def sync_once(self) -> PushReport:
        """Push what is due, pull, then fetch the photos of returned audits; LoginRequired
        and httpx errors of pull propagate."""
        report = self.push()
        self.pull()
        self.download_photos()
        return report

    def retry(self, kind: str, entry_uuid: str) -> None:
        """The auditor's retry of a failed entry."""
        self.store.retry_outbox(kind, entry_uuid)
        self.emit("outbox")

    def retry_audit(self, audit_uuid: str) -> None:
        """The auditor's "retry now" of an audit and its photos."""
        self.store.retry_audit(audit_uuid)
        self.emit("outbox")


class _RetryLater(Exception):
    def __init__(self, notice: Notice, after: float | None) -> None:
        super().__init__(notice.code)
        self.notice = notice
        self.after = after


def _json_or_none(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class BackgroundSync:
    """Runs one SyncClient in a daemon thread: periodic sync, wake-ups, and queued jobs.

    Jobs (login, retry) run in the sync thread too, so httpx and the client are only ever used
    from one thread. Results come back through ``listener`` (called in the sync thread).
    """

    def __init__(self, client: SyncClient, *, idle_poll_s: float = IDLE_POLL_S) -> None:
        self.client = client
        self.idle_poll_s = idle_poll_s
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="shopscore-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout)
        self.client.close()

    def wake(self) -> None:
        """Sync now (after a submit, a retry, or "pull to refresh")."""
        self._jobs.put(lambda: None)

    def run_job(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self._wait_s())
            except queue.Empty:
                job = lambda: None  # noqa: E731 - a timed wake-up
            if job is None:
                return
            try:
                job()
                self._sync_pass()
            except Exception as error:  # the sync thread must survive anything
                self.client.emit("error", f"{type(error).__name__}: {error}")

    def _wait_s(self) -> float:
        next_retry = self.client.store.next_retry_at()
        if next_retry is None:
            return self.idle_poll_s
        return max(0.05, min(self.idle_poll_s, next_retry - self.client.wall_clock()))

    def _sync_pass(self) -> None:
        if not self.client.store.get_setting("token"):
            return
        try:
            self.client.sync_once()
        except LoginRequired as error:
            self.client.emit("login_required", str(error))
        except httpx.HTTPError as error:
            self.client.emit("offline", str(error))
