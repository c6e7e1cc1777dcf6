"""Database triggers that make a table append-only, for SQLite and PostgreSQL.

Used by migrations: every ledger table gets them when it is created.

On SQLite, ``INSERT OR REPLACE`` deletes a row it conflicts with before inserting, and
that delete fires no trigger on a connection with ``recursive_triggers`` off (the default
for any connection the app did not open). So each table also refuses, before the insert,
a row that would collide with a stored one on its primary key or any unique index: a
``BEFORE INSERT`` trigger fires before conflict resolution. On PostgreSQL ``INSERT ...
ON CONFLICT DO UPDATE`` is an update, which the update trigger refuses.
"""

from __future__ import annotations

MESSAGE = "is append-only: corrections are new entries"


def install(op, table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION refuse_ledger_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% % {MESSAGE}', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} {action} {MESSAGE}'); END"
            )
        install_no_replace(op, table)


def install_no_replace(op, table: str) -> None:
    """SQLite: refuse an insert that would replace a stored row (see the module's notes).
    Made from the table's keys as they are now: call it again after adding a unique index."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
    keys = unique_keys(bind, table)
    if not keys:
        return
    clash = " OR ".join(
        "EXISTS (SELECT 1 FROM {t} WHERE {c})".format(t=table, c=" AND ".join(f"{col} = NEW.{col}" for col in key))
        for key in keys
    )
    named = "; ".join(", ".join(key) for key in keys)
    op.execute(
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {clash} "
        f"BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed on {table} ({named}): an insert may not replace a "
        f"stored row; {table} {MESSAGE}'); END"
    )


def unique_keys(bind, table: str) -> list[tuple[str, ...]]:
    """The primary key and every full (not partial) unique index of a SQLite table."""
    quote = bind.exec_driver_sql
    columns = quote(f"PRAGMA table_info('{table}')").fetchall()
    keys = [tuple(row[1] for row in sorted((c for c in columns if c[5]), key=lambda c: c[5]))]
    for index in quote(f"PRAGMA index_list('{table}')").fetchall():
        _, name, unique, origin, partial = index[:5]
        if unique and not partial and origin != "pk":
            keys.append(tuple(row[2] for row in quote(f"PRAGMA index_info('{name}')").fetchall()))
    return [key for key in keys if key and all(key)]


def remove(op, table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    else:
        for action in ("update", "delete", "replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
