"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when configured).

``LOCALCAST_TEST_POSTGRES_URL`` points at a server where the tests may create databases.
``LOCALCAST_TEST_STRICT=1`` (set by CI) turns a skip for a missing PostgreSQL server or missing
shared data into a failure, so that CI can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from scheduler.db import make_engine
from scheduler.migrate import upgrade
from scheduler.models import Base

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
STRICT = os.environ.get("LOCALCAST_TEST_STRICT") == "1"
POSTGRES_URL = os.environ.get("LOCALCAST_TEST_POSTGRES_URL")


def skip_or_fail(reason: str) -> None:
    """Skip, except under CI's strict mode where a skip would hide a missing dependency."""
    if STRICT:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real foot-traffic data beside the project (absent in a user's clone)."""
    if not (SHARED_DATA / "melbourne").is_dir():
        skip_or_fail("the shared foot-traffic data is not beside the project")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database, migrated once for the session."""
    if not POSTGRES_URL:
        skip_or_fail("LOCALCAST_TEST_POSTGRES_URL is not set")
    admin_url = make_url(POSTGRES_URL)
    name = f"localcast_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # server down or no rights: say which
        admin.dispose()
        skip_or_fail(f"cannot create a PostgreSQL test database: {exc}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a fresh SQLite file, or a truncated PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "localcast.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
    else:
        url = request.getfixturevalue("postgres_database")
        eng = make_engine(url)
        _truncate_all(eng)
        yield eng
        eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """A migrated SQLite database only, for tests that need no second backend."""
    path = tmp_path / "sqlite-only.db"
    shutil.copy(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()
