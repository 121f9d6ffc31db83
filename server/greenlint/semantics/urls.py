"""Database URL schemes: which driver SQLAlchemy loads for them, and whether it is async.

Checked against SQLAlchemy 2.0 and 2.1 (`make_url(url).get_dialect(_is_async=True).is_async`).
"""

from __future__ import annotations

from enum import Enum


class DriverMode(Enum):
    ASYNC = "async"  # works with create_async_engine (and not with create_engine, unless DUAL)
    DUAL = "dual"  # one driver name that serves both (psycopg 3, python-oracledb)
    SYNC = "sync"
    DEPENDS_ON_VERSION = "depends-on-version"  # no driver named; 2.0 loads a sync default, 2.1 an async-capable one


_ASYNC_ONLY = {
    "postgresql": {"asyncpg", "psycopg_async"},
    "sqlite": {"aiosqlite"},
    "mysql": {"aiomysql", "asyncmy"},
    "mariadb": {"aiomysql", "asyncmy"},
    "oracle": {"oracledb_async"},
    "mssql": {"aioodbc"},
}
_DUAL = {"postgresql": {"psycopg"}, "oracle": {"oracledb"}}
_SYNC = {
    "postgresql": {"psycopg2", "pg8000", "psycopg2cffi"},
    "sqlite": {"pysqlite", "pysqlcipher"},
    "mysql": {"pymysql", "mysqldb", "mysqlconnector", "cymysql", "mariadbconnector"},
    "mariadb": {"pymysql", "mysqldb", "mysqlconnector", "cymysql", "mariadbconnector"},
    "oracle": {"cx_oracle"},
    "mssql": {"pyodbc", "pymssql"},
}
# The driver SQLAlchemy loads when the URL names none: (2.0, 2.1).
DEFAULT_DRIVERS = {
    "postgresql": ("psycopg2", "psycopg"),
    "sqlite": ("pysqlite", "pysqlite"),
    "mysql": ("mysqldb", "mysqldb"),
    "mariadb": ("mysqldb", "mysqldb"),
    "oracle": ("cx_oracle", "oracledb"),
    "mssql": ("pyodbc", "pyodbc"),
}
ASYNC_REPLACEMENT = {
    "postgresql": "asyncpg",
    "sqlite": "aiosqlite",
    "mysql": "aiomysql",
    "mariadb": "aiomysql",
    "oracle": "oracledb_async",
    "mssql": "aioodbc",
}
SYNC_REPLACEMENT = {
    ("postgresql", "asyncpg"): "psycopg",
    ("postgresql", "psycopg_async"): "psycopg",
    ("sqlite", "aiosqlite"): "",
    ("mysql", "aiomysql"): "pymysql",
    ("mysql", "asyncmy"): "pymysql",
    ("mariadb", "aiomysql"): "pymysql",
    ("mariadb", "asyncmy"): "pymysql",
    ("oracle", "oracledb_async"): "oracledb",
    ("mssql", "aioodbc"): "pyodbc",
}


def scheme_of(url: str) -> tuple[str, str | None] | None:
    """(dialect, driver) of a URL such as "postgresql+asyncpg://..."; None if it has no scheme."""
    scheme, separator, _ = url.partition("://")
    if not separator or not scheme:
        return None
    dialect, plus, driver = scheme.lower().partition("+")
    return dialect, (driver if plus else None)


def driver_mode(url: str) -> DriverMode | None:
    """How the URL's driver behaves; None when the dialect or driver is not one this table knows."""
    parts = scheme_of(url)
    if parts is None:
        return None
    dialect, driver = parts
    if driver is None:
        if dialect not in DEFAULT_DRIVERS:
            return None
        old, new = DEFAULT_DRIVERS[dialect]
        return DriverMode.DEPENDS_ON_VERSION if old != new else DriverMode.SYNC
    if driver in _ASYNC_ONLY.get(dialect, ()):
        return DriverMode.ASYNC
    if driver in _DUAL.get(dialect, ()):
        return DriverMode.DUAL
    if driver in _SYNC.get(dialect, ()):
        return DriverMode.SYNC
    return None


def with_driver(url: str, driver: str) -> str:
    """The URL with its driver replaced ("" drops the driver)."""
    scheme, _, rest = url.partition("://")
    dialect = scheme.partition("+")[0]
    return f"{dialect}{'+' + driver if driver else ''}://{rest}"


def async_variant(url: str) -> str | None:
    """The URL with the async driver greenlint recommends, or None if there is none."""
    parts = scheme_of(url)
    if parts is None or parts[0] not in ASYNC_REPLACEMENT or parts[1] == "pysqlcipher":
        return None
    return with_driver(url, ASYNC_REPLACEMENT[parts[0]])


def sync_variant(url: str) -> str | None:
    """The URL with the sync driver that matches its async one, or None."""
    parts = scheme_of(url)
    if parts is None or parts[1] is None or (parts[0], parts[1]) not in SYNC_REPLACEMENT:
        return None
    return with_driver(url, SYNC_REPLACEMENT[(parts[0], parts[1])])


def default_driver_note(dialect: str) -> str:
    """What each SQLAlchemy line does with a URL that names no driver, under create_async_engine."""
    old, new = DEFAULT_DRIVERS[dialect]
    return (
        f"SQLAlchemy 2.0 loads {old}, which is not async, and create_async_engine raises InvalidRequestError at "
        f"startup (2.1 loads {new}, which must be installed)"
    )
