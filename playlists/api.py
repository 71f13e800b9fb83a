"""The screen API: everything a screen touches, and nothing the dashboard uses.

Run with ``uvicorn --factory playlists.api:create_app`` (``localcast serve`` does). Handlers are
thin: pairing and proof of play live in ``scheduler.pairing`` and ``scheduler.proof_of_play``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, create_engine, text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from assets.storage import Storage, content_type_of, storage_from_settings
from playlists.directory import BodyCache, ScreenDirectory
from playlists.observability import AccessLogMiddleware, Metrics
from playlists.poll import PlaylistPoll
from playlists.schemas import (
    ErrorOut,
    HealthOut,
    PairingPollOut,
    PairingStartOut,
    PlayBatchIn,
    PlayBatchOut,
    PlaylistOut,
)
from scheduler.db import engine_for, session_scope
from scheduler.errors import (
    AuthenticationFailed,
    Conflict,
    LocalcastError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from scheduler.models import Screen, utcnow
from scheduler.pairing import CODE_TTL, poll_pairing, start_pairing
from scheduler.proof_of_play import record_plays
from scheduler.screens import screen_for_token
from scheduler.security import hash_token
from scheduler.settings import Settings, get_settings

PLAYER_DIR = Path(__file__).parent / "player"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
PAIRING_POLL_S = 3

STATUS_OF: dict[type[LocalcastError], int] = {
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    ValidationFailed: 422,
}


def _status(exc: LocalcastError) -> int:
    for kind, status in STATUS_OF.items():
        if isinstance(exc, kind):
            return status
    return 400


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = ErrorOut(error=code, message=message, **extra).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, headers=headers)


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorOut} for status in statuses}


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise AuthenticationFailed("Send the screen token as 'Authorization: Bearer scr_…'.")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Send the screen token as 'Authorization: Bearer scr_…'.")
    return token.strip()


def _api_engine(url: str) -> Engine:
    """Our own pool, sized for the thread pool that runs the handlers (40 threads)."""
    if url.startswith("sqlite"):
        return engine_for(url)
    return create_engine(url, pool_size=20, max_overflow=20, pool_recycle=1800)


class _PlayerFiles(StaticFiles):
    """The player page: always revalidated, so a fixed player reaches every screen."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        if path.endswith("sw.js"):
            response.headers["Service-Worker-Allowed"] = "/"
        return response


class ScreenAPI(FastAPI):
    """FastAPI, with playlist polls answered ahead of the middleware stack (``playlists.poll``)."""

    poll: PlaylistPoll | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.poll is not None and await self.poll.asgi(scope, receive, send):
            return
        await super().__call__(scope, receive, send)


def create_app(
    engine: Engine | None = None,
    settings: Settings | None = None,
    storage: Storage | None = None,
    *,
    refresh_s: float = 1.0,
) -> FastAPI:
    """The screen API on ``engine`` (default: the configured database).

    ``refresh_s``: how often each worker checks the database for changed tokens and playlists;
    a request never uses a snapshot older than twice that, so a revoked token is refused and a
    new playlist served within 2 s by default. 0 checks on every request (tests).
    """
    settings = settings or get_settings()
    engine = engine or _api_engine(settings.effective_database_url)
    storage = storage or storage_from_settings(settings)
    metrics = Metrics()
    interval_s = settings.poll_seconds
    heads = ScreenDirectory(engine, refresh_s=refresh_s)
    bodies = BodyCache(engine, interval_s, on_change=metrics.bodies_cached.set)
    # After each change every worker renders the new playlists before the screens ask for them.
    heads.on_reload = lambda current: bodies.prefetch(
        [(h.playlist_id, h.etag) for h in current if h.playlist_id is not None and h.etag]
    )
    poller = PlaylistPoll(heads, bodies, metrics)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        heads.start()
        metrics.start()
        try:
            yield
        finally:
            metrics.stop()
            heads.stop()

    app = ScreenAPI(
        title="localcast screen API",
        version="1",
        description="Pairing, playlists, files and proof of play for the city's screens.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.poll = poller
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(AccessLogMiddleware, metrics=metrics)
    app.state.metrics = metrics

    @app.exception_handler(LocalcastError)
    async def _ours(request: Request, exc: LocalcastError) -> JSONResponse:
        return _error(_status(exc), exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        return _error(422, "invalid", "The request is not valid; see details.", details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        logging.getLogger("localcast.api").exception("unhandled error on %s", request.url.path)
        return _error(500, "internal", "Something went wrong on our side; it has been logged.")

    @app.get("/healthz", response_model=HealthOut, responses=_errors(503), tags=["operations"])
    def healthz() -> Any:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return _error(503, "database_down", "The database does not answer.")
        return HealthOut(status="ok", database="ok")

    @app.get(
        "/metrics",
        response_class=Response,
        tags=["operations"],
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    def prometheus() -> Response:
        heads.flush_seen()
        seen = heads.screens_seen_since(utcnow() - dt.timedelta(minutes=5))
        return Response(
            metrics.exposition(seen),
            media_type="text/plain; version=0.0.4; charset=utf-8",
        )

    @app.post(
        "/api/v1/pairing",
        status_code=201,
        response_model=PairingStartOut,
        tags=["pairing"],
        summary="A new screen asks for a pairing code to show",
    )
    def pairing_start() -> Any:
        with session_scope(engine) as session:
            code, secret = start_pairing(session)
        return PairingStartOut(
            code=code,
            device_secret=secret,
            expires_at=utcnow() + CODE_TTL,
            poll_interval_s=PAIRING_POLL_S,
        )

    @app.get(
        "/api/v1/pairing/{code}",
        response_model=PairingPollOut,
        responses=_errors(401, 409, 422),
        tags=["pairing"],
        summary="The screen polls with its device secret until staff claimed the code",
    )
    def pairing_poll(
        code: Annotated[str, PathParam(max_length=16)],
        authorization: Annotated[str | None, Header()] = None,
    ) -> Any:
        secret = _bearer(authorization)
        with session_scope(engine) as session:
            token = poll_pairing(session, code, secret)
            if token is None:
                return PairingPollOut(status="waiting")
            screen = screen_for_token(session, token)
            return PairingPollOut(status="paired", screen_id=screen.id, token=token)

    def _authorised(request: Request, screen_id: int, authorization: str | None) -> Any:
        head = heads.head(hash_token(_bearer(authorization)))
        if head is None or head.status != "active":
            raise AuthenticationFailed("Unknown or revoked screen token.")
        request.scope.setdefault("state", {})["screen_id"] = head.screen_id
        if head.screen_id != screen_id:
            raise PermissionDenied(
                f"This token belongs to screen {head.screen_id}; a screen reads only its own."
            )
        if heads.seen(head.screen_id):
            heads.flush_seen()
        return head

    @app.get(
        "/api/v1/screens/{screen_id}/playlist",
        response_model=PlaylistOut,
        responses={
            304: {"description": "Not modified: the playlist has the ETag sent"},
            **_errors(401, 403, 404, 422),
        },
        tags=["screens"],
        summary="The screen's current playlist (send If-None-Match to get 304 when unchanged)",
    )
    async def playlist(
        screen_id: int,
        authorization: Annotated[str | None, Header()] = None,
        if_none_match: Annotated[str | None, Header()] = None,
        accept_encoding: Annotated[str | None, Header()] = None,
    ) -> Any:
        # Declared for the schema and validation; GET polls are answered by ``app.poll`` before
        # routing, with the same code.
        answer = await poller.answer(screen_id, authorization, if_none_match, accept_encoding)
        headers = {k.decode(): v.decode() for k, v in answer.headers if k != b"content-length"}
        return Response(answer.body, status_code=answer.status, headers=headers)

    @app.post(
        "/api/v1/screens/{screen_id}/plays",
        response_model=PlayBatchOut,
        responses=_errors(401, 403, 422),
        tags=["screens"],
        summary="Proof of play in batches; a retried batch is never counted twice",
    )
    def plays(
        request: Request,
        screen_id: int,
        batch: PlayBatchIn,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Any:
        _authorised(request, screen_id, authorization)
        raw = [p if isinstance(p, dict) else p.model_dump() for p in batch.plays]
        with session_scope(engine) as session:
            screen = session.get(Screen, screen_id)
            assert screen is not None  # just authorised
            result = record_plays(session, screen, raw)
        heads.forget_seen(screen_id)
        if result.accepted:
            metrics.plays.labels("accepted", "").inc(len(result.accepted))
        if result.duplicates:
            metrics.plays.labels("duplicate", "").inc(len(result.duplicates))
        for refused in result.refused:
            metrics.plays.labels("refused", refused.reason).inc()
        return result.as_dict()

    file_responses: dict[int | str, dict[str, Any]] = {
        200: {
            "description": "The file; immutable, cache forever",
            "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        206: {
            "description": "Part of the file (Range)",
            "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        416: {"description": "Range not satisfiable"},
        **_errors(404),
    }

    @app.get(
        "/files/{sha256}",
        response_class=FileResponse,
        responses=file_responses,
        tags=["files"],
        summary="A media file, content-addressed by SHA-256",
    )
    def files(sha256: str) -> Any:
        if not SHA256.match(sha256) or not storage.exists(sha256):
            raise NotFound(f"No file {sha256[:80]!r}.")
        path = storage.path(sha256)
        with open(path, "rb") as handle:
            head = handle.read(16)
        return FileResponse(
            path,
            media_type=content_type_of(head),
            headers={"Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{sha256}"'},
        )

    app.mount("/player", _PlayerFiles(directory=PLAYER_DIR, html=True), name="player")
    return app
