"""Qualified names of the SQLAlchemy, FastAPI and typing objects the analysis knows."""

from __future__ import annotations

from greenlint.semantics.values import Kind

SESSION_CLASSES: dict[str, Kind] = {
    "sqlalchemy.orm.Session": Kind.SYNC_SESSION,
    "sqlalchemy.orm.session.Session": Kind.SYNC_SESSION,
    "sqlmodel.Session": Kind.SYNC_SESSION,
    "sqlmodel.orm.session.Session": Kind.SYNC_SESSION,
    "sqlalchemy.ext.asyncio.AsyncSession": Kind.ASYNC_SESSION,
    "sqlalchemy.ext.asyncio.session.AsyncSession": Kind.ASYNC_SESSION,
    "sqlmodel.ext.asyncio.session.AsyncSession": Kind.ASYNC_SESSION,
    "sqlalchemy.ext.asyncio.AsyncEngine": Kind.ASYNC_ENGINE,
    "sqlalchemy.ext.asyncio.engine.AsyncEngine": Kind.ASYNC_ENGINE,
    "sqlalchemy.ext.asyncio.AsyncConnection": Kind.ASYNC_CONNECTION,
    "sqlalchemy.ext.asyncio.engine.AsyncConnection": Kind.ASYNC_CONNECTION,
    "sqlalchemy.Engine": Kind.SYNC_ENGINE,
    "sqlalchemy.engine.Engine": Kind.SYNC_ENGINE,
    "sqlalchemy.engine.base.Engine": Kind.SYNC_ENGINE,
    "sqlalchemy.Connection": Kind.SYNC_CONNECTION,
    "sqlalchemy.engine.Connection": Kind.SYNC_CONNECTION,
    "sqlalchemy.engine.base.Connection": Kind.SYNC_CONNECTION,
    "sqlalchemy.orm.sessionmaker": Kind.SYNC_FACTORY,
    "sqlalchemy.orm.session.sessionmaker": Kind.SYNC_FACTORY,
    "sqlalchemy.ext.asyncio.async_sessionmaker": Kind.ASYNC_FACTORY,
    "sqlalchemy.ext.asyncio.session.async_sessionmaker": Kind.ASYNC_FACTORY,
    "sqlalchemy.orm.scoped_session": Kind.SYNC_SCOPED,
    "sqlalchemy.orm.scoping.scoped_session": Kind.SYNC_SCOPED,
    "sqlalchemy.ext.asyncio.async_scoped_session": Kind.ASYNC_SCOPED,
    "sqlalchemy.ext.asyncio.scoping.async_scoped_session": Kind.ASYNC_SCOPED,
}

CREATE_ENGINE = frozenset(
    {
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "sqlalchemy.engine.create.create_engine",
        "sqlmodel.create_engine",
    }
)
CREATE_ASYNC_ENGINE = frozenset(
    {"sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.engine.create_async_engine"}
)
DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends", "fastapi.Security", "fastapi.params.Security"})
GETENV = frozenset({"os.getenv", "os.environ.get"})
ASYNCIO_EXTENSIONS = ("sqlalchemy.ext.asyncio", "sqlmodel.ext.asyncio")
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional", "typing.Union", "typing_extensions.Union"})
ITERATOR_WRAPPERS = frozenset(
    f"{module}.{name}"
    for module in ("typing", "typing_extensions", "collections.abc")
    for name in (
        "AsyncIterator",
        "AsyncGenerator",
        "Iterator",
        "Generator",
        "AsyncIterable",
        "Iterable",
        "Awaitable",
    )
)

CANONICAL_SESSION_CLASS = {
    Kind.ASYNC_SESSION: ("sqlalchemy.ext.asyncio", "AsyncSession"),
    Kind.SYNC_SESSION: ("sqlalchemy.orm", "Session"),
}

DECLARATIVE_BASE = "sqlalchemy.orm.DeclarativeBase"
DECLARATIVE_BASES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
    }
)
DECLARATIVE_BASE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
    }
)
SQLMODEL_BASE = "sqlmodel.SQLModel"
SCHEMA_BASES = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", SQLMODEL_BASE})
ASYNC_ATTRS = frozenset({"sqlalchemy.ext.asyncio.AsyncAttrs", "sqlalchemy.ext.asyncio.session.AsyncAttrs"})
ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "options", "head", "trace", "api_route", "websocket"}
)
SELECT = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlalchemy.sql.select", "sqlmodel.select"})
