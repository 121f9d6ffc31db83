"""What `Semantics` infers for names, parameters, dependencies, factories, engines and URLs."""

from __future__ import annotations

import libcst as cst
import pytest

from casetools import codes, source
from greenlint.semantics.facts import Scope, ScopeKind
from greenlint.semantics.infer import Semantics
from greenlint.semantics.values import Kind, Value
from greenlint.semantics.walker import gather_facts


class Module:
    """A parsed module with its facts and semantics, and helpers to ask about its names."""

    def __init__(self, code: str) -> None:
        self.code = source(code)
        self.module = cst.parse_module(self.code)
        self.facts = gather_facts(self.module)
        self.semantics = Semantics(self.facts)
        # Semantics memoises by id(node): keep the nodes made up for questions alive (ids are not reused).
        self._asked: list[cst.CSTNode] = []

    def scope(self, function: str | None = None) -> Scope:
        if function is None:
            return self.facts.root
        found = [
            scope
            for scope in self.facts.scopes()
            if scope.kind is ScopeKind.FUNCTION
            and isinstance(scope.node, cst.FunctionDef)
            and scope.node.name.value == function
        ]
        assert len(found) == 1, f"expected one function {function!r}, found {len(found)}"
        return found[0]

    def value(self, name: str, function: str | None = None) -> Value | None:
        """What the name `name` evaluates to inside `function` (or at module level)."""
        node = cst.Name(name)
        self._asked.append(node)
        return self.semantics.value_of(node, self.scope(function))

    def expression(self, name: str, function: str | None = None) -> Value | None:
        """The value of the expression assigned to `name` (its single binding) in `function` / the module."""
        scope = self.scope(function)
        bindings = scope.bindings[name]
        assert len(bindings) == 1
        assert bindings[0].value is not None
        return self.semantics.value_of(bindings[0].value, scope)

    def param(self, function: str, name: str) -> Value | None:
        scope = self.scope(function)
        bindings = scope.bindings[name]
        assert len(bindings) == 1
        return self.semantics.param_value(bindings[0], scope)

    def provided(self, function: str) -> Value | None:
        return self.semantics.provided_value(self.scope(function))

    def url(self, engine: str = "engine", function: str | None = None) -> str | None:
        value = self.value(engine, function)
        assert value is not None, f"{engine} is not known to be an engine"
        assert value.kind in (Kind.ASYNC_ENGINE, Kind.SYNC_ENGINE)
        return value.url.text if value.url is not None else None


def kind_of(value: Value | None) -> Kind | None:
    assert value is None or not value.is_class, "expected an instance, got a class"
    return value.kind if value is not None else None


# -- annotations ---------------------------------------------------------------------------------------------

ANNOTATIONS = [
    ("from sqlalchemy.ext.asyncio import AsyncSession", "AsyncSession", Kind.ASYNC_SESSION),
    ("from sqlalchemy.orm import Session", "Session", Kind.SYNC_SESSION),
    ("from sqlalchemy.orm.session import Session", "Session", Kind.SYNC_SESSION),
    (
        "from typing import Optional\nfrom sqlalchemy.ext.asyncio import AsyncSession",
        "Optional[AsyncSession]",
        Kind.ASYNC_SESSION,
    ),
    (
        "import typing\nfrom sqlalchemy.ext.asyncio import AsyncSession",
        "typing.Optional[AsyncSession]",
        Kind.ASYNC_SESSION,
    ),
    (
        "from typing import Union\nfrom sqlalchemy.orm import Session",
        "Union[Session, None]",
        Kind.SYNC_SESSION,
    ),
    (
        "from typing import Union\nfrom sqlalchemy.orm import Session",
        "Union[None, Session]",
        Kind.SYNC_SESSION,
    ),
    ("from sqlalchemy.ext.asyncio import AsyncSession", "AsyncSession | None", Kind.ASYNC_SESSION),
    ("from sqlalchemy.ext.asyncio import AsyncSession", "None | AsyncSession", Kind.ASYNC_SESSION),
    (
        "from typing import Annotated\nfrom fastapi import Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession",
        "Annotated[AsyncSession, Depends()]",
        Kind.ASYNC_SESSION,
    ),
    (
        "from typing_extensions import Annotated\nfrom sqlalchemy.orm import Session",
        "Annotated[Session, 'meta']",
        Kind.SYNC_SESSION,
    ),
    ("from sqlalchemy.ext.asyncio import AsyncEngine", "AsyncEngine", Kind.ASYNC_ENGINE),
    ("from sqlalchemy import Engine", "Engine", Kind.SYNC_ENGINE),
    ("from sqlalchemy.ext.asyncio import AsyncConnection", "AsyncConnection", Kind.ASYNC_CONNECTION),
    ("from sqlalchemy.engine import Connection", "Connection", Kind.SYNC_CONNECTION),
    ("from sqlmodel.ext.asyncio.session import AsyncSession", "AsyncSession", Kind.ASYNC_SESSION),
    ("from sqlmodel import Session", "Session", Kind.SYNC_SESSION),
    ("import sqlalchemy.ext.asyncio as sa_async", "sa_async.AsyncSession", Kind.ASYNC_SESSION),
    ("from sqlalchemy.ext.asyncio import AsyncSession as AS", "AS", Kind.ASYNC_SESSION),
    ("import sqlalchemy.orm", "sqlalchemy.orm.Session", Kind.SYNC_SESSION),
    ("import sqlalchemy as sa", "sa.orm.Session", Kind.SYNC_SESSION),
    # Not a session, or not known to be one.
    ("from sqlalchemy.ext.asyncio import AsyncSession", "list[AsyncSession]", None),
    (
        "from sqlalchemy.ext.asyncio import AsyncSession\nfrom sqlalchemy.orm import Session",
        "AsyncSession | Session",
        None,
    ),
    (
        "from typing import Union\nfrom sqlalchemy.ext.asyncio import AsyncSession\nfrom sqlalchemy.orm import Session",
        "Union[AsyncSession, Session]",
        None,
    ),
    ("from myapp.db import AsyncSession", "AsyncSession", None),
    ("import httpx", "httpx.AsyncClient", None),
    ("import sqlite3", "sqlite3.Connection", None),
    ("class Repo:\n    pass", "Repo", None),
    ("", "AsyncSession", None),
    ("from sqlalchemy.ext.asyncio import AsyncSession", "'AsyncSession'", None),
]


@pytest.mark.parametrize(("imports", "annotation", "expected"), ANNOTATIONS, ids=[a[1] for a in ANNOTATIONS])
def test_parameter_annotation(imports: str, annotation: str, expected: Kind | None) -> None:
    module = Module(f"{imports}\n\n\nasync def handler(db: {annotation}):\n    pass\n")
    assert kind_of(module.param("handler", "db")) is expected
    assert kind_of(module.value("db", "handler")) is expected


def test_annotation_value_is_an_instance_with_its_class_name() -> None:
    module = Module(
        """
        from sqlmodel.ext.asyncio.session import AsyncSession


        async def handler(db: AsyncSession):
            pass
        """
    )
    value = module.value("db", "handler")
    assert value is not None
    assert not value.is_class
    assert value.class_name == "sqlmodel.ext.asyncio.session.AsyncSession"
    imported = module.value("AsyncSession")
    assert imported is not None and imported.is_class and imported.kind is Kind.ASYNC_SESSION


def test_annotated_assignment_in_body() -> None:
    module = Module(
        """
        from sqlalchemy.ext.asyncio import AsyncSession

        db: AsyncSession | None = None


        async def handler(other):
            session: AsyncSession = other
            return session
        """
    )
    assert kind_of(module.value("db")) is Kind.ASYNC_SESSION
    assert kind_of(module.value("session", "handler")) is Kind.ASYNC_SESSION
    assert module.value("other", "handler") is None


def test_module_alias_of_annotated_with_depends() -> None:
    module = Module(
        """
        from typing import Annotated

        from fastapi import Depends
        from sqlalchemy.ext.asyncio import AsyncSession

        from .database import get_db

        Db = Annotated[AsyncSession, Depends(get_db)]
        DbAlias = Db


        async def handler(db: Db, other: DbAlias, maybe: Db | None):
            pass
        """
    )
    assert kind_of(module.param("handler", "db")) is Kind.ASYNC_SESSION
    assert kind_of(module.param("handler", "other")) is Kind.ASYNC_SESSION
    assert kind_of(module.param("handler", "maybe")) is Kind.ASYNC_SESSION


def test_annotation_alias_bound_twice_is_unknown() -> None:
    module = Module(
        """
        from sqlalchemy.ext.asyncio import AsyncSession
        from sqlalchemy.orm import Session

        if USE_ASYNC:
            Db = AsyncSession
        else:
            Db = Session


        async def handler(db: Db):
            pass
        """
    )
    assert module.param("handler", "db") is None


# -- dependencies --------------------------------------------------------------------------------------------

ASYNC_FACTORY = """
from fastapi import Depends
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///app.db")
Factory = async_sessionmaker(engine, expire_on_commit=False)
"""
SYNC_FACTORY = """
from fastapi import Depends
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite:///app.db")
Factory = sessionmaker(bind=engine)
"""

DEPENDENCIES = [
    (
        "async-with-factory",
        ASYNC_FACTORY,
        "async def get_db():\n    async with Factory() as session:\n        yield session\n",
        Kind.ASYNC_SESSION,
    ),
    (
        "assign-then-yield",
        ASYNC_FACTORY,
        "async def get_db():\n    s = Factory()\n    try:\n        yield s\n    finally:\n        await s.close()\n",
        Kind.ASYNC_SESSION,
    ),
    (
        "factory-begin",
        ASYNC_FACTORY,
        "async def get_db():\n    async with Factory.begin() as session:\n        yield session\n",
        Kind.ASYNC_SESSION,
    ),
    (
        "sync-generator",
        SYNC_FACTORY,
        "def get_db():\n    with Factory() as session:\n        yield session\n",
        Kind.SYNC_SESSION,
    ),
    (
        "sync-generator-try-finally",
        SYNC_FACTORY,
        "def get_db():\n    db = Factory()\n    try:\n        yield db\n    finally:\n        db.close()\n",
        Kind.SYNC_SESSION,
    ),
    ("plain-return", SYNC_FACTORY, "def get_db():\n    return Factory()\n", Kind.SYNC_SESSION),
    ("async-plain-return", ASYNC_FACTORY, "async def get_db():\n    return Factory()\n", Kind.ASYNC_SESSION),
    (
        "async-return-annotation",
        "from collections.abc import AsyncIterator\nfrom fastapi import Depends\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\nfrom .db import make\n",
        "async def get_db() -> AsyncIterator[AsyncSession]:\n    async with make() as session:\n"
        "        yield session\n",
        Kind.ASYNC_SESSION,
    ),
    (
        "typing-async-generator-annotation",
        "from typing import AsyncGenerator\nfrom fastapi import Depends\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\nfrom .db import make\n",
        "async def get_db() -> AsyncGenerator[AsyncSession, None]:\n    yield make()\n",
        Kind.ASYNC_SESSION,
    ),
    (
        "sync-generator-annotation",
        "from typing import Generator\nfrom fastapi import Depends\nfrom sqlalchemy.orm import Session\n"
        "from .db import make\n",
        "def get_db() -> Generator[Session, None, None]:\n    db = make()\n    yield db\n",
        Kind.SYNC_SESSION,
    ),
    (
        "plain-return-annotation",
        "from fastapi import Depends\nfrom sqlalchemy.orm import Session\nfrom .db import make\n",
        "def get_db() -> Session:\n    return make()\n",
        Kind.SYNC_SESSION,
    ),
    (
        "body-beats-wrong-annotation",
        SYNC_FACTORY + "from collections.abc import AsyncIterator\nfrom sqlalchemy.ext.asyncio import AsyncSession\n",
        "async def get_db() -> AsyncIterator[AsyncSession]:\n    with Factory() as session:\n        yield session\n",
        Kind.SYNC_SESSION,
    ),
    (
        "body-beats-wrong-plain-annotation",
        ASYNC_FACTORY + "from sqlalchemy.orm import Session\n",
        "def get_db() -> Session:\n    return Factory()\n",
        Kind.ASYNC_SESSION,
    ),
    (
        "unknown-body",
        "from fastapi import Depends\nfrom .db import make\n",
        "def get_db():\n    yield make()\n",
        None,
    ),
    (
        "two-kinds-yielded",
        SYNC_FACTORY + "from sqlalchemy.ext.asyncio import AsyncSession\n",
        "def get_db(flag):\n    if flag:\n        yield Factory()\n    else:\n        yield AsyncSession()\n",
        None,
    ),
    ("yields-the-factory", ASYNC_FACTORY, "def get_db():\n    yield Factory\n", Kind.ASYNC_FACTORY),
    ("yields-the-engine", ASYNC_FACTORY, "def get_db():\n    yield engine\n", Kind.ASYNC_ENGINE),
]


@pytest.mark.parametrize(
    ("header", "dependency", "expected"), [d[1:] for d in DEPENDENCIES], ids=[d[0] for d in DEPENDENCIES]
)
def test_depends_default_resolves_to_dependency(header: str, dependency: str, expected: Kind | None) -> None:
    module = Module(f"{header}\n\n{dependency}\n\nasync def handler(db=Depends(get_db)):\n    pass\n")
    assert kind_of(module.provided("get_db")) is expected
    assert kind_of(module.param("handler", "db")) is expected
    assert kind_of(module.value("db", "handler")) is expected


def test_dependency_beats_parameter_annotation() -> None:
    module = Module(
        ASYNC_FACTORY
        + """
from typing import Annotated
from sqlalchemy.orm import Session


async def get_db():
    async with Factory() as session:
        yield session


async def by_default(db: Session = Depends(get_db)):
    pass


async def by_annotated(db: Annotated[Session, Depends(get_db)]):
    pass


async def by_keyword(db: Session = Depends(dependency=get_db)):
    pass
"""
    )
    for handler in ("by_default", "by_annotated", "by_keyword"):
        assert kind_of(module.param(handler, "db")) is Kind.ASYNC_SESSION, handler


def test_dependency_session_knows_its_factory_and_engine() -> None:
    module = Module(
        ASYNC_FACTORY
        + """

async def get_db():
    async with Factory() as session:
        yield session


async def handler(db=Depends(get_db)):
    pass
"""
    )
    value = module.param("handler", "db")
    assert value is not None and value.kind is Kind.ASYNC_SESSION
    assert value.factory is not None and value.factory.kind is Kind.ASYNC_FACTORY
    engine = value.bound_engine()
    assert engine is not None and engine.kind is Kind.ASYNC_ENGINE
    assert engine.url is not None and engine.url.text == "sqlite+aiosqlite:///app.db"


def test_pep695_type_alias_with_depends() -> None:
    module = Module(
        ASYNC_FACTORY
        + """
from typing import Annotated
from sqlalchemy.orm import Session


async def get_db():
    async with Factory() as session:
        yield session


type Db = Annotated[Session, Depends(get_db)]


async def handler(db: Db):
    pass
"""
    )
    assert kind_of(module.param("handler", "db")) is Kind.ASYNC_SESSION


NESTED_ANNOTATED = """
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

engine = create_async_engine("sqlite+aiosqlite:///app.db")
Factory = async_sessionmaker(engine)


async def get_db():
    async with Factory() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db)]
Db = Annotated[DbSession, "the request session"]


async def handler(db: Db):
    return await db.execute(query)
"""


def test_nested_annotated_alias_keeps_its_dependency() -> None:
    module = Module(NESTED_ANNOTATED)
    assert kind_of(module.param("handler", "db")) is Kind.ASYNC_SESSION


def test_nested_annotated_alias_no_false_gl008() -> None:
    assert [code for _, code in codes(NESTED_ANNOTATED)].count("GL008") == 0


def test_security_and_qualified_depends() -> None:
    module = Module(
        ASYNC_FACTORY
        + """
import fastapi
from fastapi import Security


def get_db():
    return Factory()


async def first(db=fastapi.Depends(get_db)):
    pass


async def second(db=Security(get_db)):
    pass
"""
    )
    assert kind_of(module.param("first", "db")) is Kind.ASYNC_SESSION
    assert kind_of(module.param("second", "db")) is Kind.ASYNC_SESSION


def test_depends_on_unknown_function_falls_back_to_annotation() -> None:
    module = Module(
        """
        from fastapi import Depends
        from sqlalchemy.orm import Session

        from .database import get_db


        def not_depends(f):
            return f


        async def handler(db: Session = Depends(get_db), other=Depends(get_db), third=not_depends(get_db)):
            pass
        """
    )
    assert kind_of(module.param("handler", "db")) is Kind.SYNC_SESSION
    assert module.param("handler", "other") is None
    assert module.param("handler", "third") is None


def test_depends_lookalike_from_other_package_is_ignored() -> None:
    module = Module(
        ASYNC_FACTORY.replace("from fastapi import Depends", "from myframework import Depends")
        + """

def get_db():
    return Factory()


async def handler(db=Depends(get_db)):
    pass
"""
    )
    assert module.param("handler", "db") is None


def test_recursive_dependency_does_not_loop() -> None:
    module = Module(
        """
        from fastapi import Depends


        def get_db(db=Depends(get_db)):
            return db


        async def handler(db=Depends(get_db)):
            pass
        """
    )
    assert module.param("handler", "db") is None


# -- factories and sessions ----------------------------------------------------------------------------------

FACTORIES = [
    (
        "from sqlalchemy.ext.asyncio import async_sessionmaker",
        "async_sessionmaker(engine)",
        Kind.ASYNC_FACTORY,
    ),
    (
        "from sqlalchemy.ext.asyncio import async_sessionmaker",
        "async_sessionmaker(bind=engine)",
        Kind.ASYNC_FACTORY,
    ),
    (
        "from sqlalchemy.ext.asyncio import async_sessionmaker",
        "async_sessionmaker[AsyncSession](engine)",
        Kind.ASYNC_FACTORY,
    ),
    (
        "from sqlalchemy.orm import sessionmaker",
        "sessionmaker(class_=AsyncSession, bind=engine)",
        Kind.ASYNC_FACTORY,
    ),
    (
        "from sqlalchemy.orm import sessionmaker",
        "sessionmaker(engine, class_=AsyncSession)",
        Kind.ASYNC_FACTORY,
    ),
    ("from sqlalchemy.orm import sessionmaker", "sessionmaker(bind=engine)", Kind.SYNC_FACTORY),
    ("from sqlalchemy.orm import sessionmaker", "sessionmaker(engine, class_=Session)", Kind.SYNC_FACTORY),
    (
        "from sqlalchemy.orm import sessionmaker",
        "sessionmaker(autoflush=False, bind=engine)",
        Kind.SYNC_FACTORY,
    ),
    ("import sqlalchemy.orm as orm", "orm.sessionmaker(bind=engine)", Kind.SYNC_FACTORY),
    ("from sqlalchemy.ext.asyncio import AsyncSession as AS", "AS(engine)", Kind.ASYNC_SESSION),
    ("", "AsyncSession(engine)", Kind.ASYNC_SESSION),
    ("", "AsyncSession(bind=engine)", Kind.ASYNC_SESSION),
    ("", "Session(engine)", Kind.SYNC_SESSION),
    (
        "from sqlalchemy.orm import scoped_session, sessionmaker",
        "scoped_session(sessionmaker(bind=engine))",
        Kind.SYNC_SCOPED,
    ),
    (
        "from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker\nfrom asyncio import current_task",
        "async_scoped_session(async_sessionmaker(engine), scopefunc=current_task)",
        Kind.ASYNC_SCOPED,
    ),
    ("from myapp import sessionmaker", "sessionmaker(bind=engine)", None),
]
FACTORY_HEADER = """
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

engine = create_async_engine("postgresql+asyncpg://localhost/app")
"""


@pytest.mark.parametrize(("imports", "expression", "expected"), FACTORIES, ids=[f[1] for f in FACTORIES])
def test_factories_and_sessions(imports: str, expression: str, expected: Kind | None) -> None:
    module = Module(f"{FACTORY_HEADER}{imports}\n\nthing = {expression}\n")
    value = module.expression("thing")
    assert kind_of(value) is expected
    if value is not None and value.kind is not Kind.ASYNC_SCOPED and value.kind is not Kind.SYNC_SCOPED:
        engine = value.bound_engine()
        assert engine is not None and engine.kind is Kind.ASYNC_ENGINE
        assert engine.origin is module.expression("engine").origin  # type: ignore[union-attr]


def test_session_from_factory_instance_and_scoped_session() -> None:
    module = Module(
        """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import scoped_session, sessionmaker
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        engine = create_engine("sqlite://")
        aengine = create_async_engine("sqlite+aiosqlite://")
        SessionLocal = sessionmaker(bind=engine)
        AsyncLocal = async_sessionmaker(aengine)
        Scoped = scoped_session(SessionLocal)


        def work():
            db = SessionLocal()
            adb = AsyncLocal()
            sdb = Scoped()
            inline = sessionmaker(bind=engine)()
        """
    )
    db = module.value("db", "work")
    assert db is not None and db.kind is Kind.SYNC_SESSION
    assert db.factory is module.value("SessionLocal")
    assert kind_of(module.value("adb", "work")) is Kind.ASYNC_SESSION
    assert kind_of(module.value("sdb", "work")) is Kind.SYNC_SESSION
    assert kind_of(module.value("inline", "work")) is Kind.SYNC_SESSION
    assert kind_of(module.value("Scoped")) is Kind.SYNC_SCOPED


# -- engines, connections and URLs ---------------------------------------------------------------------------


def test_engine_kinds_and_connections() -> None:
    module = Module(
        """
        from sqlalchemy import create_engine
        from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

        sync_engine = create_engine("sqlite:///app.db")
        engine = create_async_engine("sqlite+aiosqlite:///app.db")


        async def init():
            async with engine.begin() as conn:
                pass
            async with engine.connect() as conn2:
                pass
            conn3 = await engine.connect()
            async with AsyncSession(engine) as session:
                conn4 = await session.connection()
            async with session.begin() as transaction:
                pass


        def sync_init():
            with sync_engine.begin() as conn:
                pass
            conn2 = sync_engine.connect()
        """
    )
    assert kind_of(module.value("sync_engine")) is Kind.SYNC_ENGINE
    assert kind_of(module.value("engine")) is Kind.ASYNC_ENGINE
    for name in ("conn", "conn2", "conn3", "conn4"):
        value = module.value(name, "init")
        assert kind_of(value) is Kind.ASYNC_CONNECTION, name
        assert value is not None and value.bound_engine() is module.value("engine"), name
    assert kind_of(module.value("session", "init")) is Kind.ASYNC_SESSION
    assert module.value("transaction", "init") is None
    assert kind_of(module.value("conn", "sync_init")) is Kind.SYNC_CONNECTION
    assert kind_of(module.value("conn2", "sync_init")) is Kind.SYNC_CONNECTION


URLS = [
    ('"postgresql+asyncpg://user@localhost/app"', "postgresql+asyncpg://user@localhost/app"),
    ("URL", "sqlite+aiosqlite:///const.db"),
    ("TYPED_URL", "sqlite:///typed.db"),
    ('url="sqlite:///kw.db"', "sqlite:///kw.db"),
    ('os.getenv("DATABASE_URL", "sqlite:///env.db")', "sqlite:///env.db"),
    ('os.getenv("DATABASE_URL", default="sqlite:///envkw.db")', "sqlite:///envkw.db"),
    ('os.environ.get("DATABASE_URL", "mysql+aiomysql://h/db")', "mysql+aiomysql://h/db"),
    ('getenv("DATABASE_URL", "sqlite:///fromimport.db")', "sqlite:///fromimport.db"),
    ('environ.get("DATABASE_URL", "sqlite:///environ.db")', "sqlite:///environ.db"),
    ("ENV_URL", "sqlite:///module-env.db"),
    ('f"postgresql+psycopg2://{user}:{password}@{host}/app"', "postgresql+psycopg2://"),
    ('"postgresql+asyncpg://" "user@host/app"', "postgresql+asyncpg://"),
    ('os.environ["DATABASE_URL"]', None),
    ('os.getenv("DATABASE_URL")', None),
    ("settings.url", None),
    ("settings.DATABASE_URL", None),
    ('f"{scheme}://{host}/app"', None),
    ("build_url()", None),
    ("TWICE", None),
    ('b"sqlite://"', None),
    ('mygetenv("X", "sqlite:///not-env.db")', None),
]
URL_HEADER = """
import os
from os import environ, getenv

from sqlalchemy import create_engine

from .config import build_url, mygetenv, scheme, settings

URL = "sqlite+aiosqlite:///const.db"
TYPED_URL: str = "sqlite:///typed.db"
ENV_URL = os.getenv("DATABASE_URL", "sqlite:///module-env.db")
TWICE = "sqlite:///one.db"
if settings.other:
    TWICE = "sqlite:///two.db"
"""


@pytest.mark.parametrize(("argument", "expected"), URLS, ids=[u[0] for u in URLS])
def test_engine_url(argument: str, expected: str | None) -> None:
    module = Module(f"{URL_HEADER}\nengine = create_engine({argument})\n")
    assert module.url() == expected


def test_url_records_how_it_was_reached() -> None:
    module = Module(
        URL_HEADER
        + """
direct = create_engine("sqlite:///direct.db")
by_name = create_engine(URL)
by_env = create_engine(os.getenv("X", "sqlite:///d.db"))
"""
    )
    direct, by_name, by_env = (module.value(name) for name in ("direct", "by_name", "by_env"))
    assert direct is not None and direct.url is not None and direct.url.via is None
    assert isinstance(direct.url.node, cst.SimpleString) and direct.url.node.value == '"sqlite:///direct.db"'
    assert by_name is not None and by_name.url is not None and by_name.url.via == "URL"
    assert by_name.url.node.value == '"sqlite+aiosqlite:///const.db"'  # type: ignore[attr-defined]
    assert by_env is not None and by_env.url is not None and by_env.url.via is not None
    assert "default" in by_env.url.via


def test_url_of_directly() -> None:
    module = Module(
        """
        import os

        URL = os.environ.get("DATABASE_URL", "postgresql://localhost/app")
        OTHER = URL
        """
    )
    root = module.facts.root
    other = module.semantics.url_of(cst.Name("OTHER"), root)
    assert other is not None and other.text == "postgresql://localhost/app"
    assert module.semantics.url_of(cst.Name("MISSING"), root) is None
    assert module.semantics.url_of(cst.parse_expression("'sqlite://'"), root).text == "sqlite://"  # type: ignore[union-attr]
    assert module.semantics.url_of(cst.parse_expression("1"), root) is None


def test_engine_url_from_module_constant_inside_function() -> None:
    module = Module(
        """
        from sqlalchemy.ext.asyncio import create_async_engine

        URL = "postgresql+asyncpg://localhost/app"


        def make(url):
            engine = create_async_engine(URL)
            other = create_async_engine(url)
            return engine, other
        """
    )
    assert module.url("engine", "make") == "postgresql+asyncpg://localhost/app"
    assert module.url("other", "make") is None


ENGINE_FUNCTIONS = [
    ("from sqlalchemy import create_engine", "create_engine", Kind.SYNC_ENGINE),
    ("from sqlalchemy.engine import create_engine", "create_engine", Kind.SYNC_ENGINE),
    ("import sqlalchemy as sa", "sa.create_engine", Kind.SYNC_ENGINE),
    ("import sqlalchemy", "sqlalchemy.create_engine", Kind.SYNC_ENGINE),
    ("from sqlmodel import create_engine", "create_engine", Kind.SYNC_ENGINE),
    ("from sqlalchemy.ext.asyncio import create_async_engine", "create_async_engine", Kind.ASYNC_ENGINE),
    ("import sqlalchemy.ext.asyncio as sa_async", "sa_async.create_async_engine", Kind.ASYNC_ENGINE),
    ("from sqlalchemy.ext.asyncio import create_async_engine as cae", "cae", Kind.ASYNC_ENGINE),
    ("from sqlalchemy.ext import asyncio as sa_asyncio", "sa_asyncio.create_async_engine", Kind.ASYNC_ENGINE),
    ("from myapp.db import create_engine", "create_engine", None),
    ("import aiosqlite", "aiosqlite.connect", None),
]


@pytest.mark.parametrize(("imports", "function", "expected"), ENGINE_FUNCTIONS, ids=[e[1] for e in ENGINE_FUNCTIONS])
def test_engine_functions_and_aliases(imports: str, function: str, expected: Kind | None) -> None:
    module = Module(f'{imports}\n\nengine = {function}("sqlite:///x.db")\n')
    value = module.value("engine")
    assert kind_of(value) is expected
    if value is not None:
        assert value.url is not None and value.url.text == "sqlite:///x.db"


# -- bindings ------------------------------------------------------------------------------------------------


def test_names_bound_to_different_kinds_are_unknown() -> None:
    module = Module(
        """
        from sqlalchemy import create_engine
        from sqlalchemy.ext.asyncio import create_async_engine

        if TESTING:
            engine = create_engine("sqlite://")
        else:
            engine = create_async_engine("sqlite+aiosqlite://")

        same = create_engine("sqlite://")
        same = create_engine("sqlite:///other.db")

        partly = create_engine("sqlite://")
        partly = make_engine()

        maybe = None
        maybe = create_async_engine("sqlite+aiosqlite://")

        counted = create_engine("sqlite://")
        counted += 1


        def rebinds(flag):
            db = Session()
            if flag:
                db = other()
            return db


        def loop(items):
            for engine in items:
                pass
            return engine


        def shadow(engine):
            return engine
        """
    )
    assert module.value("engine") is None
    assert kind_of(module.value("same")) is Kind.SYNC_ENGINE
    assert module.value("partly") is None
    assert kind_of(module.value("maybe")) is Kind.ASYNC_ENGINE
    assert module.value("counted") is None
    assert module.value("db", "rebinds") is None
    assert module.value("engine", "loop") is None
    assert module.value("engine", "shadow") is None


def test_names_bound_by_other_statements_are_unknown() -> None:
    module = Module(
        """
        from sqlalchemy import create_engine

        a = create_engine("sqlite://")
        b = create_engine("sqlite://")
        c = create_engine("sqlite://")
        d = create_engine("sqlite://")

        try:
            pass
        except Exception as a:
            pass
        with open("x") as b:
            pass
        (c, other) = (1, 2)
        [d for d in range(3)]
        """
    )
    for name in "abc":
        assert module.value(name) is None, name
    # A comprehension's loop variable is local to it (Python 3): `d` is still the engine.
    value = module.value("d")
    assert value is not None and value.kind is Kind.SYNC_ENGINE


def test_class_body_names_are_not_visible_in_methods() -> None:
    module = Module(
        """
        from sqlalchemy import create_engine
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine("sqlite+aiosqlite://")


        class Repository:
            engine = create_engine("sqlite://")

            def method(self):
                return engine
        """
    )
    assert kind_of(module.value("engine", "method")) is Kind.ASYNC_ENGINE


def test_self_referencing_binding_does_not_loop() -> None:
    module = Module(
        """
        x = x
        y = z
        z = y
        """
    )
    assert module.value("x") is None
    assert module.value("y") is None


def test_comprehension_target_does_not_rebind_enclosing_name() -> None:
    code = """
    from sqlalchemy.ext.asyncio import AsyncSession


    async def handler(db: AsyncSession, others):
        db.commit()
        return [db.name for db in others]
    """
    module = Module(code)
    assert kind_of(module.value("db", "handler")) is Kind.ASYNC_SESSION
    assert codes(code) == [(5, "GL002")]


def test_global_rebinding_in_function_makes_name_unknown() -> None:
    module = Module(
        """
        from sqlalchemy import create_engine
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_engine("sqlite://")


        def use_async():
            global engine
            engine = create_async_engine("sqlite+aiosqlite://")
        """
    )
    assert module.value("engine") is None


# -- lookalikes ----------------------------------------------------------------------------------------------


def test_lookalikes_are_not_sqlalchemy() -> None:
    module = Module(
        """
        import sqlite3

        import httpx
        import redis.asyncio as aioredis


        class Repo:
            def commit(self):
                pass


        async def fetch(url: str, repo: Repo, client: aioredis.Redis, conn: sqlite3.Connection):
            async with httpx.AsyncClient() as session:
                pass
            db = sqlite3.connect(":memory:")
            other = Repo()
            async with client.pipeline() as pipe:
                pass
            unannotated = session
        """
    )
    for name in ("session", "db", "repo", "other", "client", "pipe", "conn", "url", "unannotated"):
        assert module.value(name, "fetch") is None, name


# -- rules over the same patterns ----------------------------------------------------------------------------

GL002_CASES = [
    ("annotation", "from sqlalchemy.ext.asyncio import AsyncSession", "db: AsyncSession", True),
    (
        "optional",
        "from typing import Optional\nfrom sqlalchemy.ext.asyncio import AsyncSession",
        "db: Optional[AsyncSession]",
        True,
    ),
    ("union-none", "from sqlalchemy.ext.asyncio import AsyncSession", "db: AsyncSession | None", True),
    (
        "annotated",
        "from typing import Annotated\nfrom fastapi import Depends\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\nfrom .db import get_db",
        "db: Annotated[AsyncSession, Depends(get_db)]",
        True,
    ),
    (
        "alias",
        "from typing import Annotated\nfrom fastapi import Depends\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\nfrom .db import get_db\n"
        "Db = Annotated[AsyncSession, Depends(get_db)]",
        "db: Db",
        True,
    ),
    ("sqlmodel", "from sqlmodel.ext.asyncio.session import AsyncSession", "db: AsyncSession", True),
    ("module-alias", "import sqlalchemy.ext.asyncio as sa_async", "db: sa_async.AsyncSession", True),
    ("import-alias", "from sqlalchemy.ext.asyncio import AsyncSession as AS", "db: AS", True),
    (
        "depends-async",
        ASYNC_FACTORY + "\n\nasync def get_db():\n    async with Factory() as s:\n        yield s\n",
        "db=Depends(get_db)",
        True,
    ),
    (
        "depends-annotation",
        "from collections.abc import AsyncIterator\nfrom fastapi import Depends\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n\n"
        "async def get_db() -> AsyncIterator[AsyncSession]:\n    yield make()\n",
        "db=Depends(get_db)",
        True,
    ),
    ("sync-session", "from sqlalchemy.orm import Session", "db: Session", False),
    (
        "depends-sync",
        SYNC_FACTORY + "\n\ndef get_db():\n    with Factory() as s:\n        yield s\n",
        "db=Depends(get_db)",
        False,
    ),
    ("unannotated", "", "db", False),
    ("user-class", "class AsyncSession:\n    def commit(self):\n        pass", "db: AsyncSession", False),
    ("httpx", "import httpx", "db: httpx.AsyncClient", False),
]


@pytest.mark.parametrize(("header", "param", "fires"), [c[1:] for c in GL002_CASES], ids=[c[0] for c in GL002_CASES])
def test_gl002_follows_inference(header: str, param: str, fires: bool) -> None:
    code = f"{header}\n\n\nasync def handler({param}):\n    db.commit()\n"
    line = source(code).count("\n")
    found = codes(code)
    assert ((line, "GL002") in found) is fires, found
    assert not any(code == "GL002" and number != line for number, code in found), found


def test_gl002_on_engine_connection_and_factory_session() -> None:
    found = codes(
        """
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        engine = create_async_engine("sqlite+aiosqlite:///app.db")
        Factory = async_sessionmaker(engine)


        async def main():
            async with engine.begin() as conn:
                conn.run_sync(create_all)
            conn2 = await engine.connect()
            conn2.close()
            session = Factory()
            session.commit()
            engine.dispose()
        """
    )
    assert found == [(9, "GL002"), (11, "GL002"), (13, "GL002"), (14, "GL002")]


GL008_CASES = [
    ("annotation", "from sqlalchemy.orm import Session", "db: Session", True),
    (
        "optional",
        "from typing import Optional\nfrom sqlalchemy.orm import Session",
        "db: Optional[Session]",
        True,
    ),
    ("sqlmodel", "from sqlmodel import Session", "db: Session", True),
    ("module-import", "import sqlalchemy.orm", "db: sqlalchemy.orm.Session", True),
    (
        "depends-sync",
        SYNC_FACTORY + "\n\ndef get_db():\n    db = Factory()\n    try:\n        yield db\n"
        "    finally:\n        db.close()\n",
        "db=Depends(get_db)",
        True,
    ),
    (
        "depends-annotation",
        "from typing import Generator\nfrom fastapi import Depends\n"
        "from sqlalchemy.orm import Session\n\n\ndef get_db() -> Generator[Session, None, None]:\n"
        "    yield make()\n",
        "db=Depends(get_db)",
        True,
    ),
    ("async-session", "from sqlalchemy.ext.asyncio import AsyncSession", "db: AsyncSession", False),
    (
        "depends-async",
        ASYNC_FACTORY + "\n\nasync def get_db():\n    async with Factory() as s:\n        yield s\n",
        "db=Depends(get_db)",
        False,
    ),
    ("sqlite3", "import sqlite3", "db: sqlite3.Connection", False),
    ("user-class", "class Repo:\n    def execute(self):\n        pass", "db: Repo", False),
    ("unannotated", "", "db", False),
]


@pytest.mark.parametrize(("header", "param", "fires"), [c[1:] for c in GL008_CASES], ids=[c[0] for c in GL008_CASES])
def test_gl008_follows_inference(header: str, param: str, fires: bool) -> None:
    code = f"{header}\n\n\nasync def handler({param}):\n    return db.execute(query)\n"
    line = source(code).count("\n")
    found = codes(code)
    assert ((line, "GL008") in found) is fires, found
    assert not any(code == "GL008" and number != line for number, code in found), found


def test_lookalike_module_is_silent() -> None:
    assert (
        codes(
            """
            import sqlite3

            import httpx


            class Repo:
                def commit(self, message):
                    return message

                def execute(self, text):
                    return text


            async def publish(repo: Repo, message: str):
                repo.commit(message)
                repo.execute(message)


            async def fetch(url: str) -> int:
                async with httpx.AsyncClient() as session:
                    session.get(url)
                    response = await session.get(url)
                    return response.status_code


            async def legacy(path: str):
                db = sqlite3.connect(path)
                db.execute("SELECT 1")
                db.commit()
            """
        )
        == []
    )
