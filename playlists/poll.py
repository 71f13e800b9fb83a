"""The hot route, ``GET /api/v1/screens/{id}/playlist``, answered lean.

Every screen polls it every minute, so it skips the framework: no dependency injection, no
pydantic, no middleware stack. The answer comes from the worker's ``ScreenDirectory`` and
``BodyCache`` (no database round trip for a 304 or a cached 200). The FastAPI route of the same
path stays declared (it is the OpenAPI schema) and answers through the same ``PlaylistPoll``;
requests, latency, playlists served and the access log line are recorded as for any route.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from playlists.directory import BodyCache, ScreenDirectory
from playlists.observability import Metrics, access_record
from playlists.serving import etag_matches, quoted_etag

ROUTE = "/api/v1/screens/{screen_id}/playlist"
PATH = re.compile(r"^/api/v1/screens/(\d{1,18})/playlist$")
CRASHED = "Something went wrong on our side; it has been logged."
AUTH_HINT = "Send the screen token as 'Authorization: Bearer scr_…'."

log = logging.getLogger("localcast.api")


@dataclass(slots=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""
    screen_id: int | None = None


def _error(status: int, code: str, message: str, screen_id: int | None = None) -> Answer:
    body = json.dumps({"error": code, "message": message}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    return Answer(status, headers, body, screen_id)


@functools.lru_cache(maxsize=1 << 16)
def _entity_tag(etag: str) -> tuple[bytes, str]:
    """The ETag header value, as bytes and as text (memoised: a current playlist is asked for
    by its screen every minute)."""
    quoted = quoted_etag(etag)
    return quoted.encode(), quoted


def _bearer_hash(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return hashlib.sha256(token.encode()).hexdigest()


def poll_headers(
    headers: Iterable[tuple[bytes, bytes]],
) -> tuple[str | None, str | None, str | None]:
    """Authorization, If-None-Match and Accept-Encoding from raw (lower-case) headers."""
    authorization = if_none_match = accept_encoding = None
    for name, value in headers:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1")
        elif name == b"accept-encoding":
            accept_encoding = value.decode("latin-1")
    return authorization, if_none_match, accept_encoding


class PlaylistPoll:
    """Answers playlist polls from the worker's snapshot; ``asgi`` is the lean entry point."""

    def __init__(self, directory: ScreenDirectory, bodies: BodyCache, metrics: Metrics) -> None:
        self.directory = directory
        self.bodies = bodies
        self.metrics = metrics

    async def answer(
        self,
        screen_id: int,
        authorization: str | None,
        if_none_match: str | None,
        accept_encoding: str | None,
    ) -> Answer:
        """The answer from memory if it holds all that is needed, else from the thread pool."""
        args = (screen_id, authorization, if_none_match, accept_encoding)
        answer = self.respond(*args, may_block=False)
        if answer is None:
            answer = await run_in_threadpool(self.respond, *args, may_block=True)
        assert answer is not None  # may_block=True always answers
        return answer

    def respond(
        self,
        screen_id: int,
        authorization: str | None,
        if_none_match: str | None,
        accept_encoding: str | None,
        *,
        may_block: bool,
    ) -> Answer | None:
        """The answer; with ``may_block`` False, None where the database would have to be asked
        (a stale snapshot, an unknown token, last-seen times due, a body not cached)."""
        directory = self.directory
        token_hash = _bearer_hash(authorization)
        if token_hash is None:
            return _error(401, "unauthenticated", AUTH_HINT)
        if directory.needs_refresh():
            if not may_block:
                return None
            directory.refresh()
        known, head = directory.cached(token_hash)
        if not known:
            if not may_block:
                return None
            head = directory.lookup(token_hash)
        if head is None or head.status != "active":
            return _error(401, "unauthenticated", "Unknown or revoked screen token.")
        if head.screen_id != screen_id:
            return _error(
                403,
                "forbidden",
                f"This token belongs to screen {head.screen_id}; a screen reads only its own.",
                head.screen_id,
            )
        if directory.seen(screen_id):
            if not may_block:
                return None
            directory.flush_seen()
        playlist_id, etag = head.playlist_id, head.etag
        if playlist_id is None or etag is None:
            return _error(
                404,
                "no_playlist",
                f"No playlist is published for screen {screen_id} yet; keep showing house content.",
                screen_id,
            )
        tag, quoted = _entity_tag(etag)
        headers = [(b"etag", tag), (b"cache-control", b"no-cache")]
        if if_none_match and (if_none_match == quoted or etag_matches(if_none_match, etag)):
            self.metrics.playlist_served("304")
            return Answer(304, headers, b"", screen_id)
        body = self.bodies.cached(playlist_id, etag)
        if body is None:
            if not may_block:
                return None
            body = self.bodies.load(playlist_id, etag)
        if body is None:  # replaced since the snapshot: the screen asks again
            return _error(404, "retry", "The playlist changed while it was read; ask again.")
        headers.append((b"content-type", b"application/json"))
        headers.append((b"vary", b"Accept-Encoding"))
        if accept_encoding and "gzip" in accept_encoding:
            payload = body.gzipped
            headers.append((b"content-encoding", b"gzip"))
        else:
            payload = body.plain()
        headers.append((b"content-length", b"%d" % len(payload)))
        self.metrics.playlist_served("200")
        return Answer(200, headers, payload, screen_id)

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer ``scope`` if it is a playlist poll; False (nothing sent) for anything else."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        match = PATH.match(scope["path"])
        if match is None:
            return False
        started = time.perf_counter()
        try:
            answer = await self.answer(int(match.group(1)), *poll_headers(scope["headers"]))
        except Exception:
            log.exception("unhandled error on %s", scope["path"])
            answer = _error(500, "internal", CRASHED)
        await send(
            {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
        )
        await send({"type": "http.response.body", "body": answer.body})
        elapsed = time.perf_counter() - started
        self.metrics.observe_request(ROUTE, "GET", answer.status, elapsed)
        access_record(scope, ROUTE, answer.status, elapsed, answer.screen_id)
        return True
