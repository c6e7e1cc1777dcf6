"""A page's statements run as their SQL on the driver (``Plain``).

SQLAlchemy's execution of a cached statement costs about 50 us of Python on every run
(looking the statement up by a key as long as the statement, an execution context, a
result object, its rows), several times what SQLite does for a small page's statement. The
statements every own page runs (the signed-in person, a mentor's mentorships and their
history) are compiled once per dialect and sent on a cursor of the session's connection,
through SQLAlchemy's own listeners, logging and error handling.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import CompoundSelect, Select
from sqlalchemy.engine import Connection

# Whether this SQLAlchemy has the two calls of its own execution that ``Plain`` makes
# (``Connection._cursor_execute`` and ``_handle_dbapi_exception``, in every 2.x release so
# far): a release without them runs the SQL through ``exec_driver_sql`` instead, which
# does the same with an execution context and a result object more.
DIRECT = all(hasattr(Connection, name) for name in ("_cursor_execute", "_handle_dbapi_exception"))


class Plain:
    """A select that a page runs on every visit (the signed-in person, a mentor's
    mentorships and history), run as its SQL on a cursor of the session's connection:
    compiled once for each dialect, each value bound in the order or under the name the
    SQL takes it, and each column converted as SQLAlchemy converts it (on SQLite a date
    comes back as text). The statement still passes through the connection's
    ``before_cursor_execute`` listeners, its logging and its error handling
    (``database._on_error``: a lock or a lost server is still a 503), and it is the SQL
    SQLAlchemy would send; what it leaves out is the per-run cost of SQLAlchemy's
    execution (looking the statement up in its cache by a key as long as the statement, an
    execution context, a result object), which on a small page costs several times what
    the database does for it.

    The statement's values must all be named parameters (no list parameter, which
    SQLAlchemy writes into the SQL at each run); rows come back as lists, in the
    statement's column order."""

    def __init__(self, statement: Select | CompoundSelect) -> None:
        self.statement = statement
        self._by_dialect: WeakKeyDictionary = WeakKeyDictionary()

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[list[Any]]:
        compiled = self._by_dialect.get(connection.dialect) or self._compile(connection.dialect)
        parameters = compiled.parameters(values)
        if not DIRECT:  # a SQLAlchemy without the two calls: its public way, a little slower
            return compiled.convert(connection.exec_driver_sql(compiled.sql, parameters).fetchall())
        cursor = connection.connection.cursor()
        try:
            # SQLAlchemy's own path for a statement it did not compile for this run: the
            # listeners, the logging, and a driver's error handled and raised as SQLAlchemy's
            # (which discards the connection it was lost with).
            connection._cursor_execute(cursor, compiled.sql, parameters)
            try:
                rows = cursor.fetchall()
            except connection.dialect.loaded_dbapi.Error as error:
                connection._handle_dbapi_exception(error, compiled.sql, parameters, cursor, None)
        finally:
            with contextlib.suppress(connection.dialect.loaded_dbapi.Error):  # closed with its connection
                cursor.close()
        return compiled.convert(rows)

    def _compile(self, dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names:
            raise ValueError("Plain runs statements whose values are plain named parameters")
        made = _Compiled(
            sql=compiled.string,
            order=tuple(compiled.positiontup or ()) if compiled.positional else None,
            fixed={name: bind.value for name, bind in compiled.binds.items() if not bind.required},
            binds={
                name: process
                for name, bind in compiled.binds.items()
                if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
            },
            columns=tuple(
                (index, process)
                for index, column in enumerate(self.statement.selected_columns)
                if (process := column.type.dialect_impl(dialect).result_processor(dialect, None)) is not None
            ),
        )
        self._by_dialect[dialect] = made
        return made


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # the names of positional parameters, in order
    fixed: dict[str, Any]  # the values the statement carries (``literal``)
    binds: dict[str, Callable[[Any], Any]]  # what SQLAlchemy does to a value before binding it
    columns: tuple[tuple[int, Callable[[Any], Any]], ...]  # what it does to a column it reads

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        merged = {**self.fixed, **values}
        for name, process in self.binds.items():
            merged[name] = process(merged[name])
        # A tuple, as SQLAlchemy passes positional values (a list would be many rows' values).
        return tuple(merged[name] for name in self.order) if self.order is not None else merged

    def convert(self, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        converted = []
        for row in rows:
            values = list(row)
            for index, process in self.columns:
                values[index] = process(values[index])
            converted.append(values)
        return converted
