"""uvicorn's httptools protocol, answering playlist polls inside the protocol itself.

Nearly every request a city's screens make is a poll that memory can answer (a fresh snapshot,
a known token, a cached body). For those, the HTTP parser's nine Python callbacks and the ASGI
machinery (scope, task, messages) cost more than the answer, so a segment that holds exactly one
plain poll (``GET``, HTTP/1.1, keep-alive, no body, no query) is matched by one regular
expression and answered in one write. Anything else (a pipelined or split request, a poll that
needs the database, every other route) is fed to uvicorn's parser and the ASGI app as usual, and
gets the same answer there. ``localcast serve`` and ``localcast up`` use it (``POLL_PROTOCOL``).
"""

from __future__ import annotations

import re
import time
import weakref
from dataclasses import dataclass
from typing import Any

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from playlists.observability import access_log_enabled, access_record
from playlists.poll import ROUTE, PlaylistPoll, poll_headers

POLL_PROTOCOL = "playlists.poll_protocol:PollProtocol"
_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"  # RFC 9110 field name
_VALUE = rb"[\x20-\x7e\x80-\xff\t]*"  # visible characters, spaces and tabs: no bare CR or LF
POLL_REQUEST = re.compile(
    rb"GET (/api/v1/screens/(\d{1,18})/playlist) HTTP/1\.1\r\n((?:"
    + _TOKEN
    + rb":"
    + _VALUE
    + rb"\r\n)*)\r\n"
)
# Values keep trailing blanks: each use of them strips or compares loosely, as on the ASGI path.
HEADER = re.compile(rb"(" + _TOKEN + rb"):[ \t]*([^\r\n]*)\r\n")
# Headers that change how the request is read or answered: such requests take the parser's way.
TAKES_PARSER = frozenset((b"content-length", b"transfer-encoding", b"expect", b"upgrade"))


@dataclass(slots=True)
class Remembered:
    """A whole answer to one exact request, and what the metrics and access log need of it."""

    response: bytes
    status: int
    screen_id: int | None
    path: bytes
    forwarded: bytes  # X-Forwarded-For, for the access log


class AnswerMemo:
    """Whole answers by the exact bytes of the request, for one snapshot generation.

    A screen sends the same bytes on every poll until its playlist changes, and any change of a
    token, a status or a playlist reloads the snapshot (a new generation), which empties the
    memo. So a repeated poll is answered without parsing, hashing or looking anything up.
    """

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        self.max_bytes = max_bytes
        self.generation = -1
        self.entries: dict[bytes, Remembered] = {}
        self.bytes = 0

    def get(self, request: bytes, generation: int) -> Remembered | None:
        if generation != self.generation:
            self.entries, self.bytes, self.generation = {}, 0, generation
            return None
        return self.entries.get(request)

    def put(self, request: bytes, remembered: Remembered, generation: int) -> None:
        if generation != self.generation:
            return  # the snapshot was reloaded while this answer was made
        size = len(request) + len(remembered.response)
        if self.bytes + size > self.max_bytes:
            self.entries, self.bytes = {}, 0
        self.entries[request] = remembered
        self.bytes += size


# One memo per app (per worker process); it goes with its app.
_memos: weakref.WeakKeyDictionary[PlaylistPoll, AnswerMemo] = weakref.WeakKeyDictionary()


def find_parts(app: Any) -> tuple[PlaylistPoll | None, ProxyHeadersMiddleware | None]:
    """The app's ``PlaylistPoll``, and the proxy-header middleware wrapped around it if any."""
    proxy = None
    for _ in range(10):  # the few wrappers uvicorn and we put around the app
        if isinstance(app, ProxyHeadersMiddleware):
            proxy = app
        poll = getattr(app, "poll", None)
        if isinstance(poll, PlaylistPoll):
            return poll, proxy
        app = getattr(app, "app", None)
        if app is None:
            break
    return None, None


class PollProtocol(HttpToolsProtocol):
    """Plain playlist polls answered here when memory can; everything else as uvicorn does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.poll, self.proxy = find_parts(self.app)
        self.memo = None if self.poll is None else _memos.setdefault(self.poll, AnswerMemo())
        self.in_message = False  # the parser holds part of a request
        self.last_answer = 0.0  # loop time of the last answer given here

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.log_access = access_log_enabled()

    def on_message_begin(self) -> None:
        self.in_message = True
        super().on_message_begin()

    def on_message_complete(self) -> None:
        self.in_message = False
        super().on_message_complete()

    def data_received(self, data: bytes) -> None:
        if self.poll is None or self.in_message or not self._answer_here(data):
            super().data_received(data)

    def _answer_here(self, data: bytes) -> bool:
        """Answer ``data`` if it is one whole plain poll that memory can answer; else False."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            return False  # a request before this one is still running: answers keep their order
        poll, memo = self.poll, self.memo
        assert poll is not None and memo is not None
        directory = poll.directory
        # Answers are remembered only without per-response headers (uvicorn's date header).
        generation = -1 if self.server_state.default_headers else directory.generation
        remembered = memo.get(data, generation)
        if remembered is not None:
            if directory.needs_refresh() or directory.seen(remembered.screen_id or 0):
                return False
            started = time.perf_counter()
            poll.metrics.playlist_served("304" if remembered.status == 304 else "200")
            self.transport.write(remembered.response)
        else:
            request = POLL_REQUEST.fullmatch(data)
            if request is None:
                return False
            headers = [(name.lower(), value) for name, value in HEADER.findall(request.group(3))]
            for name, value in headers:
                if name in TAKES_PARSER or (
                    name == b"connection" and value.strip().lower() != b"keep-alive"
                ):
                    return False
            started = time.perf_counter()
            try:
                answer = poll.respond(
                    int(request.group(2)), *poll_headers(headers), may_block=False
                )
            except Exception:
                return False  # the ASGI path answers, and logs, the same failure
            if answer is None:
                return False
            head = [STATUS_LINE[answer.status]]
            for name, value in (*self.server_state.default_headers, *answer.headers):
                head += [name, b": ", value, b"\r\n"]
            head += [b"\r\n", answer.body]
            forwarded = b", ".join(v for n, v in headers if n == b"x-forwarded-for")
            remembered = Remembered(
                b"".join(head), answer.status, answer.screen_id, request.group(1), forwarded
            )
            self.transport.write(remembered.response)
            if answer.status in (200, 304) and generation >= 0:
                memo.put(data, remembered, generation)
        self._answered()
        elapsed = time.perf_counter() - started
        poll.metrics.observe_request(ROUTE, "GET", remembered.status, elapsed)
        if self.log_access:
            scope = {
                "method": "GET",
                "path": remembered.path.decode(),
                "client": self._client(remembered.forwarded),
            }
            access_record(scope, ROUTE, remembered.status, elapsed, remembered.screen_id)
        return True

    def _answered(self) -> None:
        """Count the request and keep the keep-alive timer running, without re-arming it.

        uvicorn cancels and re-arms the timer on every request; here the timer, when it fires,
        looks at the time of the last answer and waits again for the rest of the timeout.
        """
        self.server_state.total_requests += 1
        self.last_answer = self.loop.time()
        if self.timeout_keep_alive_task is None and not self.transport.is_closing():
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    def timeout_keep_alive_handler(self) -> None:
        idle = self.loop.time() - self.last_answer
        if idle < self.timeout_keep_alive:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive - idle, self.timeout_keep_alive_handler
            )
            return
        self.timeout_keep_alive_task = None
        super().timeout_keep_alive_handler()

    def _client(self, forwarded: bytes) -> tuple[str, int] | None:
        """The client as uvicorn's proxy-header middleware would name it."""
        client = self.client
        if self.proxy is None or client is None or client[0] not in self.proxy.trusted_hosts:
            return client
        if not forwarded:
            return client
        trusted = self.proxy.trusted_hosts
        host, port = trusted.get_trusted_client_address(forwarded.decode("latin-1"))
        return (host, port) if host else client
