"""Named statements: SQLAlchemy Core constructs compiled once per dialect, into the form
PostgreSQL's PREPARE takes (see the package's docstring)."""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import ARRAY, Integer, any_, bindparam
from sqlalchemy.sql import ColumnElement, Executable

# In SQLAlchemy's SQL for psycopg: a parameter, an escaped percent sign, a list in IN (...).
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%|__\[POSTCOMPILE_(\w+)\]")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,50}")
_STATEMENTS: dict[str, Statement] = {}


@dataclass(frozen=True)
class Outcome:
    """What one statement of a batch returned: its rows (empty without RETURNING or a
    SELECT), named tuples with the statement's column names, and the rows it touched."""

    rows: list[tuple]
    rowcount: int

    def one_or_none(self):
        return self.rows[0] if self.rows else None


@dataclass(frozen=True)
class Call:
    statement: Statement
    params: dict[str, Any]


@dataclass
class Compiled:
    """A statement in PostgreSQL's PREPARE form: `$n` for the parameters, psycopg's `%s`
    for the constants (quoted when the statement is prepared)."""

    template: str
    constants: tuple
    names: tuple[str, ...]            # the parameter behind each $n
    binds: tuple[Callable | None, ...]
    columns: tuple                    # the answer's columns, for their result types
    # Each column's result processing, set from the first answer's column types (the
    # driver's type codes decide some of them) and kept: a statement's columns never change.
    results: tuple[Callable | None, ...] | None = None

    def prepare(self, cursor, name: str) -> str:
        body = (cursor.mogrify(self.template, self.constants) if self.constants
                else self.template.replace("%%", "%"))
        return f"PREPARE {name} AS {body}"


@dataclass(eq=False)
class Statement:
    """A named statement: `build(dialect_name)` returns its Core construct (so that a list
    can be an array on PostgreSQL and an expanding IN on SQLite). Call it with the
    parameters to put it in a batch: `LOCK(event_id=3)`."""

    name: str
    build: Callable[[str], Executable]
    _compiled: dict[str, Compiled] = field(default_factory=dict, repr=False)
    _constructs: dict[str, Executable] = field(default_factory=dict, repr=False)
    _row_types: dict[str, type] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"statement name {self.name!r}: lower case letters, digits, _")
        if self.name in _STATEMENTS:
            raise ValueError(f"two statements are called {self.name!r}")
        _STATEMENTS[self.name] = self
        self.prepared_name = f"mq_{self.name}"

    def __call__(self, **params: Any) -> Call:
        return Call(self, params)

    def construct(self, dialect_name: str) -> Executable:
        found = self._constructs.get(dialect_name)
        if found is None:
            found = self._constructs[dialect_name] = self.build(dialect_name)
        return found

    def row_type(self, dialect_name: str) -> type:
        """A named tuple of the statement's answer columns (`row.id`, `row.status`...)."""
        found = self._row_types.get(dialect_name)
        if found is None:
            columns = getattr(self.construct(dialect_name), "exported_columns", ())
            found = self._row_types[dialect_name] = namedtuple(
                "Row", [column.key or "_" for column in columns], rename=True)
        return found

    def compiled(self, dialect) -> Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(self.construct(dialect.name),
                                                             dialect)
        return found


def _compile(construct: Executable, dialect) -> Compiled:
    compiled = construct.compile(dialect=dialect)
    binds = compiled.binds
    names: list[str] = []
    constants: list = []

    def constant(key: str, value) -> None:
        process = binds[key].type.dialect_impl(dialect).bind_processor(dialect)
        value = process(value) if process is not None else value
        constants.append(value.value if isinstance(value, Enum) else value)

    def placeholder(match: re.Match) -> str:
        key, listed = match.group(1), match.group(2)
        if listed is not None:  # a constant list: IN (%s, %s, ...)
            values = binds[listed].value
            if binds[listed].required or values is None:
                raise ValueError(f"{listed}: pass a list as an array (= ANY) on PostgreSQL")
            for value in values:
                constant(listed, value)
            return ", ".join(["%s"] * len(values))
        if key is None:
            return "%%"
        if not binds[key].required:  # a value written in the construct
            constant(key, binds[key].effective_value)
            return "%s"
        if key not in names:
            names.append(key)
        return f"${names.index(key) + 1}"

    template = _PLACEHOLDER.sub(placeholder, compiled.string)
    processors = tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                       for name in names)
    return Compiled(template, tuple(constants), tuple(names), processors,
                     tuple(getattr(construct, "exported_columns", ())))


def statement(name: str) -> Callable[[Callable[[str], Executable]], Statement]:
    """Decorator: `@statement("seat_lock")` over a `build(dialect_name)` function."""
    return lambda build: Statement(name, build)


def among(column, name: str, dialect: str) -> ColumnElement[bool]:
    """`column` is one of the integers of the list parameter `name`: an array on PostgreSQL
    (one prepared plan for any length), an expanding IN elsewhere."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))


def check_params(name: str, expected, params: dict[str, Any]) -> None:
    """Every parameter given is used and none is missing (a constant of the construct is not
    a parameter: passing one would be silently ignored)."""
    if len(params) != len(expected) or not set(params) <= set(expected):
        raise TypeError(f"{name}: parameters {sorted(params)}, expected {sorted(expected)}")
