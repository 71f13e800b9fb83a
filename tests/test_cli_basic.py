"""`localcast users add`, `screens add` and `db upgrade` against a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from scheduler.cli import main
from scheduler.models import Business, Screen, User
from scheduler.screens import screen_for_token
from scheduler.security import verify_password
from scheduler.settings import get_settings


@pytest.fixture
def cli_env(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("LOCALCAST_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_db_upgrade_is_idempotent(cli_env: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and "up to date" in out


def test_users_add_hashes_the_password(cli_env: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "users", "add", "kim", "--role", "staff", "--password", "s3cret-pass", "--json"
    )
    assert code == 0
    created = json.loads(out)
    with Session(cli_env) as session:
        user = session.get(User, created["id"])
        assert user is not None and user.role == "staff"
        assert user.password_hash != "s3cret-pass"
        assert verify_password(user.password_hash, "s3cret-pass")


def test_owner_login_needs_an_existing_business(
    cli_env: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "users", "add", "lee", "--role", "owner", "--password", "long-enough"
    )
    assert code == 2 and "--business" in err
    code, _, err = run(
        capsys,
        "users",
        "add",
        "lee",
        "--role",
        "owner",
        "--business",
        "99",
        "--password",
        "long-enough",
    )
    assert code == 2 and "no business with id 99" in err
    with Session(cli_env) as session:
        session.add(Business(name="Hansol Bakery", claims_small_local=True))
        session.commit()
        business_id = session.scalar(select(Business.id))
    code, _, _ = run(
        capsys,
        "users",
        "add",
        "lee",
        "--role",
        "owner",
        "--business",
        str(business_id),
        "--password",
        "long-enough",
    )
    assert code == 0
    code, _, err = run(
        capsys, "users", "add", "lee", "--role", "staff", "--password", "long-enough"
    )
    assert code == 2 and "taken" in err


def test_short_password_is_refused(cli_env: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "users", "add", "park", "--role", "admin", "--password", "short")
    assert code == 2 and "at least 8 characters" in err
    with Session(cli_env) as session:
        assert session.scalar(select(User).where(User.username == "park")) is None


def test_screens_add_prints_token_once_and_stores_its_hash(
    cli_env: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "screens", "add", "Lake Park #1", "--size", "1920x1080", "--hours", "7-22", "--json"
    )
    assert code == 0
    created = json.loads(out)
    with Session(cli_env) as session:
        screen = session.get(Screen, created["id"])
        assert screen is not None and (screen.width_px, screen.height_px) == (1920, 1080)
        assert (screen.open_hour, screen.close_hour) == (7, 22)
        assert screen.token_hash and created["token"] not in screen.token_hash
        assert screen_for_token(session, created["token"]).id == screen.id
    code, _, err = run(capsys, "screens", "add", "Lake Park #1")
    assert code == 2 and "exists already" in err
