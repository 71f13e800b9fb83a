"""Regenerate the initial migration from the models (only until the first release ships).

Run ``python -m scheduler.migrations.regenerate POSTGRES_ADMIN_URL``. PostgreSQL is the reference
because SQLite reflection hides some constraints; revisions are rendered in batch mode so that they
also run on SQLite. After a release, write new revisions instead.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scheduler.migrate import MIGRATIONS, alembic_config
from scheduler.models import Base


def main(admin_url: str) -> None:
    for old in (MIGRATIONS / "versions").glob("0001_*.py"):
        old.unlink()
    name = f"localcast_regen_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        command.revision(
            alembic_config(url), message="initial schema", autogenerate=True, rev_id="0001"
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for new in (MIGRATIONS / "versions").glob("0001_*.py"):
        _add_deferred_foreign_keys(new)
        print(f"wrote {new.relative_to(MIGRATIONS.parent.parent)}")


def _add_deferred_foreign_keys(path: Path) -> None:
    """Autogenerate leaves out ``use_alter`` foreign keys (cycles); add them after the tables."""
    lines = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            if not fk.use_alter:
                continue
            local = [c.name for c in fk.columns]
            remote = [e.column.name for e in fk.elements]
            lines += [
                f"    with op.batch_alter_table({table.name!r}, schema=None) as batch_op:",
                f"        batch_op.create_foreign_key(op.f({fk.name!r}),"
                f" {fk.referred_table.name!r}, {local!r}, {remote!r})",
            ]
    marker = "    # ### end Alembic commands ###"
    source = path.read_text()
    head, tail = source.split(marker, 1)
    path.write_text(head + "\n".join(lines) + "\n" + marker + tail)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "postgresql+psycopg://postgres@127.0.0.1:5432/test")
