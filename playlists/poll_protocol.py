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
        request = POLL_REQUEST.fullmatch(data)
        if request is None:
            return False
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            return False  # a request before this one is still running: answers keep their order
        headers = [(name.lower(), value) for name, value in HEADER.findall(request.group(3))]
        for name, value in headers:
            if name in TAKES_PARSER or (
                name == b"connection" and value.strip().lower() != b"keep-alive"
            ):
                return False
        started = time.perf_counter()
        assert self.poll is not None
        try:
            answer = self.poll.respond(
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
        self.transport.write(b"".join(head))
        self._answered()
        elapsed = time.perf_counter() - started
        self.poll.metrics.observe_request(ROUTE, "GET", answer.status, elapsed)
        if self.log_access:
            scope = {
                "method": "GET",
                "path": request.group(1).decode(),
                "client": self._client(headers),
            }
            access_record(scope, ROUTE, answer.status, elapsed, answer.screen_id)
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

    def _client(self, headers: list[tuple[bytes, bytes]]) -> tuple[str, int] | None:
        """The client as uvicorn's proxy-header middleware would name it."""
        client = self.client
        if self.proxy is None or client is None or client[0] not in self.proxy.trusted_hosts:
            return client
        forwarded = b", ".join(v for n, v in headers if n == b"x-forwarded-for")
        if not forwarded:
            return client
        trusted = self.proxy.trusted_hosts
        host, port = trusted.get_trusted_client_address(forwarded.decode("latin-1"))
        return (host, port) if host else client
