"""Bulk insert-or-update in chunks, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, or_, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

# Rows per executemany call: small enough for a smooth progress bar, large enough to be cheap.
CHUNK_ROWS = 5000


def upsert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
    compare: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Insert ``rows``; where ``keys`` exist, set ``update`` columns only if one of the
    ``compare`` columns (default: ``update``) differs.

    Rows whose values are unchanged are not rewritten, so importing the same data twice leaves
    every row (and its ``import_id``) exactly as it was. Returns the rows inserted or changed.
    """
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        run = _postgres_runner(session, table, keys, update, compare or update)
    elif dialect.name == "sqlite":
        run = _sqlite_runner(session, table, keys, update, compare or update)
    else:  # pragma: no cover - localcast supports these two
        raise NotImplementedError(f"bulk upsert for {dialect.name}")
    total, written = len(rows), 0
    for start in range(0, total, CHUNK_ROWS):
        written += run(list(rows[start : start + CHUNK_ROWS]))
        if progress is not None:
            progress(min(start + CHUNK_ROWS, total), total)
    return written


def _sqlite_runner(
    session: Session,
    table: Table,
    keys: Sequence[str],
    update: Sequence[str],
    compare: Sequence[str],
) -> Callable[[list[dict[str, Any]]], int]:
    """One compiled statement run with executemany: sqlite3 loops over the rows in C."""
    stmt = sqlite.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: stmt.excluded[c] for c in update},
        where=or_(*(table.c[c].is_distinct_from(stmt.excluded[c]) for c in compare)),
    )
    connection = session.connection()

    def run(chunk: list[dict[str, Any]]) -> int:
        if not chunk:
            return 0
        compiled = stmt.compile(dialect=connection.dialect, column_keys=list(chunk[0]))
        names = list(compiled.positiontup or [])
        processors = [_memo(_processor(table, n, connection.dialect)) for n in names]
        # Values converted once here and handed to the driver as plain tuples: SQLAlchemy's
        # per-row parameter handling would cost more than SQLite's own work.
        params = [
            tuple(p(row[n]) if p else row[n] for n, p in zip(names, processors, strict=True))
            for row in chunk
        ]
        result = connection.exec_driver_sql(compiled.string, params)
        return max(result.rowcount, 0)

    return run


def _postgres_runner(
    session: Session,
    table: Table,
    keys: Sequence[str],
    update: Sequence[str],
    compare: Sequence[str],
) -> Callable[[list[dict[str, Any]]], int]:
    """One statement per chunk: the rows travel as one array per column through ``unnest``
    (executemany would pay a round trip per row)."""
    connection = session.connection()
    dialect = connection.dialect
    columns = list(table.c.keys())

    def run(chunk: list[dict[str, Any]]) -> int:
        if not chunk:
            return 0
        names = [c for c in columns if c in chunk[0]]
        arrays = ", ".join(
            f"CAST(:{c} AS {table.c[c].type.compile(dialect=dialect)}[])" for c in names
        )
        quoted = ", ".join(f'"{c}"' for c in names)
        sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in update)
        where = " OR ".join(f'{table.name}."{c}" IS DISTINCT FROM EXCLUDED."{c}"' for c in compare)
        conflict = ", ".join(f'"{c}"' for c in keys)
        sql = text(
            f'INSERT INTO "{table.name}" ({quoted}) SELECT * FROM unnest({arrays}) '
            f"ON CONFLICT ({conflict}) DO UPDATE SET {sets} WHERE {where}"
        )
        params = {}
        for c in names:
            convert = _memo(_processor(table, c, dialect))
            params[c] = [convert(row[c]) if convert else row[c] for row in chunk]
        return max(connection.execute(sql, params).rowcount, 0)

    return run


def _processor(table: Table, column: str, dialect: Any) -> Callable[[Any], Any] | None:
    """The column type's bind processing for this dialect (as SQLAlchemy itself would bind it,
    e.g. SQLite's text format for datetimes), so rows written here match rows the ORM writes."""
    return table.c[column].type.dialect_impl(dialect).bind_processor(dialect)


def _memo(processor: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """Remember conversions: the same hours recur for every screen of a file."""
    if processor is None:
        return None
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = out = processor(value)
            return out
        except TypeError:  # unhashable
            return processor(value)

    return convert
