"""uvicorn's httptools protocol, answering playlist polls inside the protocol itself.

Nearly every request a city's screens make is a poll that memory can answer (a fresh snapshot,
a known token, a cached body): for those the ASGI machinery (scope, task, messages, the
``RequestResponseCycle``) costs more than the answer. This protocol writes such an answer to the
socket straight from the parser's callback, in one write. Everything else, a poll that needs the
database included, goes through the ASGI app as usual, so behaviour is the same either way.
``localcast serve`` and ``localcast up`` use it (``http=POLL_PROTOCOL``).
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
RAW_PATH = re.compile(rb"^/api/v1/screens/(\d{1,18})/playlist$")


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
    """HTTP/1.1 keep-alive GET polls answered here when memory can; all else as uvicorn does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.poll, self.proxy = find_parts(self.app)
        self.answered = False  # the current request was answered here

    def on_message_begin(self) -> None:
        self.answered = False
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        if self.poll is not None and self._answer_here():
            self.answered = True
            self.on_response_complete()  # keep-alive timer, counts, pipelining: as uvicorn's
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.answered:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self.answered:
            super().on_message_complete()

    def _answer_here(self) -> bool:
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            return False  # a request before this one is still running: answers keep their order
        parser = self.parser
        if (
            parser.get_method() != b"GET"
            or parser.get_http_version() != "1.1"
            or not parser.should_keep_alive()
            or parser.should_upgrade()
        ):
            return False
        match = RAW_PATH.match(self.url)
        if match is None:
            return False
        started = time.perf_counter()
        authorization, if_none_match, accept_encoding = poll_headers(self.headers)
        assert self.poll is not None
        try:
            answer = self.poll.respond(
                int(match.group(1)), authorization, if_none_match, accept_encoding, may_block=False
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
        elapsed = time.perf_counter() - started
        self.poll.metrics.observe_request(ROUTE, "GET", answer.status, elapsed)
        if access_log_enabled():
            scope = {"method": "GET", "path": self.url.decode("latin-1"), "client": self._client()}
            access_record(scope, ROUTE, answer.status, elapsed, answer.screen_id)
        return True

    def _client(self) -> tuple[str, int] | None:
        """The client as uvicorn's proxy-header middleware would name it."""
        client = self.client
        if self.proxy is None or client is None or client[0] not in self.proxy.trusted_hosts:
            return client
        forwarded = b", ".join(v for n, v in self.headers if n == b"x-forwarded-for")
        if not forwarded:
            return client
        trusted = self.proxy.trusted_hosts
        host, port = trusted.get_trusted_client_address(forwarded.decode("latin-1"))
        return (host, port) if host else client
