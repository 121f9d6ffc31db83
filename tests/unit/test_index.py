"""The workspace index: the facts each module's summary records, and how a WorkspaceView resolves names,
models, schemas, session factories and dependencies across modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from greenlint.semantics import index as index_module
from greenlint.semantics.index import MISSING, WorkspaceIndex, WorkspaceView, summarize_text, summary_key
from greenlint.semantics.index_cache import SummaryCache
from greenlint.semantics.models import Model, Schema
from greenlint.semantics.modules import ModuleName, module_name
from greenlint.semantics.summary import ClassFact, ColumnFact, ModuleSummary, RelationshipFact
from greenlint.semantics.values import Kind, Value

# -- helpers -------------------------------------------------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> dict[str, Path]:
    """Write dedented files under `root`; their paths by relative name."""
    paths = {}
    for relative, code in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code).lstrip("\n"), encoding="utf-8")
        paths[relative] = path
    return paths


def workspace(root: Path, files: dict[str, str]) -> tuple[WorkspaceIndex, dict[str, Path]]:
    paths = write(root, files)
    index = WorkspaceIndex()
    index.add_all(paths.values())
    return index, paths


def view_of(index: WorkspaceIndex, path: Path) -> WorkspaceView:
    """The view the analysis of `path` resolves its imports through."""
    return index.view(path, index.summary(path), index.name_of(path))


def model(view: WorkspaceView, qualified: str) -> Model:
    found = view.model(qualified)
    assert found is not None, f"{qualified} is not a mapped class"
    return found


def schema(view: WorkspaceView, qualified: str) -> Schema:
    found = view.schema(qualified)
    assert found is not None, f"{qualified} is not a pydantic model"
    return found


def relationship(fact: ClassFact, name: str) -> RelationshipFact:
    found = [item for item in fact.relationships if item.name == name]
    assert len(found) == 1, f"{fact.name}.{name}: {fact.relationships}"
    return found[0]


def column(fact: ClassFact, name: str) -> ColumnFact | None:
    found = [item for item in fact.columns if item.name == name]
    return found[0] if found else None


def provided(view: WorkspaceView, qualified: str) -> Value:
    dependency = view.dependency(qualified)
    assert dependency is not None, f"{qualified} is not a function of the workspace"
    assert dependency.provided is not None, f"{qualified} provides nothing known"
    return dependency.provided


DECLARATIVE = """
from typing import List, Optional
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, DynamicMapped, Mapped, WriteOnlyMapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class B(Base):
    __tablename__ = "b"
    id: Mapped[int] = mapped_column(primary_key=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("a.id"))


class C(Base):
    __tablename__ = "c"
    id: Mapped[int] = mapped_column(primary_key=True)


class A(Base):
    __tablename__ = "a"
    id: Mapped[int] = mapped_column(primary_key=True)
    {attribute}
"""


def class_fact(tmp_path: Path, attribute: str, name: str = "A") -> tuple[ClassFact, WorkspaceView]:
    """The ClassFact of `A` (DECLARATIVE with one more attribute), and a view of its module."""
    index, paths = workspace(
        tmp_path, {"pkg/__init__.py": "", "pkg/models.py": DECLARATIVE.format(attribute=attribute)}
    )
    summary = index.summary(paths["pkg/models.py"])
    return summary.classes[name], view_of(index, paths["pkg/models.py"])


# -- mapped classes ------------------------------------------------------------------------------------------


def test_declarative_class_with_mapped_attributes_and_relationship(tmp_path: Path) -> None:
    index, paths = workspace(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/models.py": """
                from sqlalchemy import ForeignKey
                from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


                class Base(DeclarativeBase):
                    pass


                class User(Base):
                    __tablename__ = "users"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    name: Mapped[str]
                    posts: Mapped[list["Post"]] = relationship(back_populates="author")


                class Post(Base):
                    __tablename__ = "posts"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
                    author: Mapped[User] = relationship(back_populates="posts")


                class NotMapped:
                    name: str
            """,
        },
    )
    summary = index.summary(paths["pkg/models.py"])
    assert summary.name == "pkg.models"
    assert not summary.is_package
    user = summary.classes["User"]
    assert user.bases == ("pkg.models.Base",)
    assert user.mapped
    assert user.attributes == ("id", "name", "posts")
    assert relationship(user, "posts") == RelationshipFact("posts", "Post", "select", True, user.relationships[0].loc)
    assert summary.classes["Base"].bases == ("sqlalchemy.orm.DeclarativeBase",)
    assert not summary.classes["Base"].mapped
    assert not summary.classes["NotMapped"].mapped

    view = view_of(index, paths["pkg/models.py"])
    users = model(view, "pkg.models.User")
    assert users.qualified == "pkg.models.User"
    assert users.relationships["posts"].target == "pkg.models.Post"
    assert users.relationships["posts"].loads_on_access
    assert model(view, "pkg.models.Post").relationships["author"].target == "pkg.models.User"
    assert view.model("pkg.models.Base") is None  # the declarative base maps no table
    assert view.model("pkg.models.NotMapped") is None


def test_classic_columns_and_string_relationship(tmp_path: Path) -> None:
    index, paths = workspace(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/models.py": """
                from sqlalchemy import Column, ForeignKey, Integer, String
                from sqlalchemy.orm import declarative_base, relationship

                Base = declarative_base()


                class Order(Base):
                    __tablename__ = "orders"
                    id = Column(Integer, primary_key=True)
                    lines = relationship("Line", back_populates="order")


                class Line(Base):
                    __tablename__ = "lines"
                    id = Column(Integer, primary_key=True)
                    order_id = Column(ForeignKey("orders.id"))
                    sku = Column(String)
                    order = relationship("Order", back_populates="lines", uselist=False)
            """,
        },
    )
    summary = index.summary(paths["shop/models.py"])
    order = summary.classes["Order"]
    assert order.mapped
    assert order.attributes == ("id", "lines")
    assert relationship(order, "lines").target == "Line"
    assert relationship(order, "lines").lazy == "select"
    assert relationship(order, "lines").many is None  # no annotation, no uselist: unknown
    assert relationship(summary.classes["Line"], "order").many is False
    view = view_of(index, paths["shop/models.py"])
    assert model(view, "shop.models.Order").relationships["lines"].target == "shop.models.Line"
    assert model(view, "shop.models.Line").relationships["order"].target == "shop.models.Order"


@pytest.mark.parametrize(
    "factory",
    [
        "from sqlalchemy.orm import declarative_base",
        "from sqlalchemy.ext.declarative import declarative_base",
    ],
)
def test_declarative_base_call_in_another_module_maps_subclasses(tmp_path: Path, factory: str) -> None:
    index, paths = workspace(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/database.py": f"{factory}\n\nBase = declarative_base()\n",
            "app/models.py": """
                from sqlalchemy import Column, Integer
                from sqlalchemy.orm import relationship

                from .database import Base


                class Item(Base):
                    __tablename__ = "items"
                    id = Column(Integer, primary_key=True)
                    tags = relationship("Tag")


                class Tag(Base):
                    __tablename__ = "tags"
                    id = Column(Integer, primary_key=True)
            """,
        },
    )
    base = index.summary(paths["app/database.py"]).classes["Base"]
    assert base.bases, "declarative_base() is recorded as a class with a declarative base"
    assert index.summary(paths["app/models.py"]).classes["Item"].bases == ("app.database.Base",)
    view = view_of(index, paths["app/models.py"])
    item = model(view, "app.models.Item")
    assert item.relationships["tags"].target == "app.models.Tag"
    assert view.model("app.database.Base") is None


def test_declarative_base_summary_is_the_same_in_every_process(tmp_path: Path) -> None:
    program = (
        "from greenlint.semantics.index import summarize_text\n"
        "from greenlint.semantics.modules import ModuleName\n"
        "text = 'from sqlalchemy.orm import declarative_base\\nBase = declarative_base()\\n'\n"
        "print(summarize_text(text, ModuleName('db')).digest)\n"
    )
    digests = set()
    for seed in range(6):
        environment = {**os.environ, "PYTHONHASHSEED": str(seed)}
        done = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, env=environment, cwd=tmp_path, check=True
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1, digests


def test_sqlmodel_table_with_relationship_kwargs(tmp_path: Path) -> None:
    index, paths = workspace(
        tmp_path,
        {
            "heroes/__init__.py": "",
            "heroes/tables.py": """
                from typing import Optional

                from sqlmodel import Field, Relationship, SQLModel


                class Team(SQLModel, table=True):
                    id: Optional[int] = Field(default=None, primary_key=True)
                    name: str
                    heroes: list["Hero"] = Relationship(
                        back_populates="team", sa_relationship_kwargs={"lazy": "selectin"}
                    )


                class Hero(SQLModel, table=True):
                    id: Optional[int] = Field(default=None, primary_key=True)
                    team_id: Optional[int] = Field(default=None, foreign_key="team.id")
                    team: Optional[Team] = Relationship(back_populates="heroes")


                class HeroRead(SQLModel):
                    name: str
            """,
        },
    )
    summary = index.summary(paths["heroes/tables.py"])
    team = summary.classes["Team"]
    assert team.mapped
    assert team.bases == ("sqlmodel.SQLModel",)
    heroes = relationship(team, "heroes")
    assert (heroes.target, heroes.lazy, heroes.many) == ("Hero", "selectin", True)
    team_of_hero = relationship(summary.classes["Hero"], "team")
    assert (team_of_hero.target, team_of_hero.lazy, team_of_hero.many) == ("Team", "select", False)
    assert not summary.classes["HeroRead"].mapped

    view = view_of(index, paths["heroes/tables.py"])
    teams = model(view, "heroes.tables.Team")
    assert teams.relationships["heroes"].eager
    assert not teams.relationships["heroes"].loads_on_access
    assert model(view, "heroes.tables.Hero").relationships["team"].loads_on_access
    assert view.model("heroes.tables.HeroRead") is None  # not a table
    assert set(schema(view, "heroes.tables.HeroRead").fields) == {"name"}
    # a table model is a schema too, and its Relationship() attributes are not fields
    assert set(schema(view, "heroes.tables.Team").fields) == {"id", "name"}


# -- relationship targets ------------------------------------------------------------------------------------

TARGETS = [
    ('bs = relationship("B")', "B", None),
    ("bs = relationship(B)", "B", None),
    ('bs = relationship(argument="B")', "B", None),
    ('bs: Mapped[list["B"]] = relationship()', "B", True),
    ('bs: Mapped[List["B"]] = relationship()', "B", True),
    ('bs: Mapped[set["B"]] = relationship()', "B", True),
    ("bs: Mapped[list[B]] = relationship()", "B", True),
    ('bs: Mapped["list[B]"] = relationship()', "B", True),
    ('bs: Mapped[Optional["B"]] = relationship()', "B", False),
    ('bs: Mapped["B"] = relationship()', "B", False),
    ("bs: Mapped[B] = relationship()", "B", False),
    ("bs: Mapped[B | None] = relationship()", "B", False),
    ('bs: Mapped["B | None"] = relationship()', "B", False),
    ('bs: Mapped["B"] = relationship("C")', "C", False),  # the explicit argument wins
    ('bs = relationship("B", uselist=False)', "B", False),
    ('bs: Mapped[list["B"]] = relationship(uselist=False)', "B", False),
]


@pytest.mark.parametrize(("attribute", "target", "many"), TARGETS, ids=[t[0] for t in TARGETS])
def test_relationship_target_and_many(tmp_path: Path, attribute: str, target: str, many: bool | None) -> None:
    fact, view = class_fact(tmp_path, attribute)
    found = relationship(fact, "bs")
    assert found.target == target
    assert found.many is many
    assert model(view, "pkg.models.A").relationships["bs"].target == f"pkg.models.{target}"


@pytest.mark.parametrize("annotation", ["WriteOnlyMapped", "DynamicMapped"])
def test_write_only_and_dynamic_relationships_are_collections(tmp_path: Path, annotation: str) -> None:
    fact, _ = class_fact(tmp_path, f'bs: {annotation}["B"] = relationship()')
    assert relationship(fact, "bs").many is True


def test_dictionary_collection_relationship_target(tmp_path: Path) -> None:
    fact, _ = class_fact(
        tmp_path, 'bs: Mapped[dict[str, "B"]] = relationship(collection_class=attribute_keyed_dict("id"))'
    )
    found = relationship(fact, "bs")
    assert found.target == "B"
    assert found.many is True


# -- loader strategies ---------------------------------------------------------------------------------------

STRATEGIES = [
    ('bs = relationship("B", lazy="select")', "select"),
    ('bs = relationship("B")', "select"),
    ('bs: Mapped[list["B"]] = relationship()', "select"),
    ('bs = relationship("B", lazy=True)', "select"),
    ('bs = relationship("B", lazy=False)', "joined"),
    ('bs = relationship("B", lazy=None)', "noload"),
    ('bs = relationship("B", lazy="selectin")', "selectin"),
    ('bs = relationship("B", lazy="joined")', "joined"),
    ('bs = relationship("B", lazy="subquery")', "subquery"),
    ('bs = relationship("B", lazy="immediate")', "immediate"),
    ('bs = relationship("B", lazy="raise")', "raise"),
    ('bs = relationship("B", lazy="raise_on_sql")', "raise_on_sql"),
    ('bs = relationship("B", lazy="noload")', "noload"),
    ('bs = relationship("B", lazy="write_only")', "write_only"),
    ('bs = relationship("B", lazy="dynamic")', "dynamic"),
    ('bs: WriteOnlyMapped["B"] = relationship()', "write_only"),
    ('bs: DynamicMapped["B"] = relationship()', "dynamic"),
    ('bs = relationship("B", lazy=STRATEGY)', None),  # not a literal: unknown
    ('bs = relationship("B", lazy="sel" + "ectin")', None),
]
EAGER = {"selectin", "joined", "subquery", "immediate"}


@pytest.mark.parametrize(("attribute", "lazy"), STRATEGIES, ids=[s[0] for s in STRATEGIES])
def test_loader_strategy(tmp_path: Path, attribute: str, lazy: str | None) -> None:
    fact, view = class_fact(tmp_path, attribute)
    assert relationship(fact, "bs").lazy == lazy
    found = model(view, "pkg.models.A").relationships["bs"]
    assert found.lazy == lazy
    assert found.loads_on_access is (lazy == "select")
    assert found.eager is (lazy in EAGER)


@pytest.mark.parametrize(
    ("keywords", "lazy"),
    [
        ('sa_relationship_kwargs={"lazy": "selectin"}', "selectin"),
        ('sa_relationship_kwargs=dict(lazy="joined")', "joined"),
        ('sa_relationship_kwargs={"viewonly": True}', "select"),
        ("", "select"),
    ],
)
def test_sqlmodel_loader_strategy(tmp_path: Path, keywords: str, lazy: str) -> None:
    index, paths = workspace(
        tmp_path,
        {
            "tables.py": f"""
                from typing import Optional
                from sqlmodel import Field, Relationship, SQLModel


                class Team(SQLModel, table=True):
                    id: Optional[int] = Field(default=None, primary_key=True)
                    heroes: list["Hero"] = Relationship({keywords})


                class Hero(SQLModel, table=True):
                    id: Optional[int] = Field(default=None, primary_key=True)
            """
        },
    )
    assert relationship(index.summary(paths["tables.py"]).classes["Team"], "heroes").lazy == lazy


# -- columns -------------------------------------------------------------------------------------------------

COLUMNS = [
    # (declaration, fetched_on_update, deferred); None: not recorded (its value is always loaded)
    ("stamp = Column(DateTime, onupdate=func.now())", True, False),
    ("stamp: Mapped[datetime] = mapped_column(onupdate=func.now())", True, False),
    ("stamp: Mapped[datetime] = mapped_column(onupdate=sa.func.now())", True, False),
    ("stamp: Mapped[datetime] = mapped_column(onupdate=func.current_timestamp())", True, False),
    ("stamp: Mapped[datetime] = mapped_column(onupdate=datetime.now)", None, None),
    ("stamp: Mapped[datetime] = mapped_column(onupdate=lambda: datetime.now())", None, None),
    ("stamp: Mapped[datetime] = mapped_column(onupdate=utcnow)", None, None),
    ("stamp = Column(DateTime, server_onupdate=FetchedValue())", True, False),
    ("stamp: Mapped[datetime] = mapped_column(server_onupdate=func.now())", True, False),
    ("stamp: Mapped[str] = mapped_column(Text, deferred=True)", False, True),
    ("stamp = Column(Text, deferred=True)", False, True),
    ("stamp = deferred(Column(Text))", False, True),
    ("stamp = deferred(Column(DateTime, onupdate=func.now()))", True, True),
    ("stamp: Mapped[str] = mapped_column(Text, deferred=False)", None, None),
    ("stamp: Mapped[str] = mapped_column(Text)", None, None),
    ("stamp: Mapped[datetime] = mapped_column(server_default=func.now())", None, None),
]
COLUMN_MODULE = """
from datetime import datetime
import sqlalchemy as sa
from sqlalchemy import Column, DateTime, FetchedValue, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column


def utcnow() -> datetime:
    return datetime.now()


class Base(DeclarativeBase):
    pass


class Page(Base):
    __tablename__ = "pages"
    id: Mapped[int] = mapped_column(primary_key=True)
    {declaration}
"""


@pytest.mark.parametrize(("declaration", "fetched", "deferred"), COLUMNS, ids=[c[0] for c in COLUMNS])
def test_columns(tmp_path: Path, declaration: str, fetched: bool | None, deferred: bool | None) -> None:
    index, paths = workspace(tmp_path, {"pages.py": COLUMN_MODULE.format(declaration=declaration)})
    fact = index.summary(paths["pages.py"]).classes["Page"]
    assert "stamp" in fact.attributes
    found = column(fact, "stamp")
    if fetched is None:
        assert found is None
        return
    assert found is not None
    assert (found.fetched_on_update, found.deferred) == (fetched, deferred)
    columns = model(view_of(index, paths["pages.py"]), "pages.Page").columns
    assert columns["stamp"].fact == found


def test_sqlmodel_field_with_sa_column(tmp_path: Path) -> None:
    index, paths = workspace(
        tmp_path,
        {
            "tables.py": """
                from datetime import datetime
                from typing import Optional
                from sqlalchemy import Column, DateTime, func
                from sqlmodel import Field, SQLModel


                class Note(SQLModel, table=True):
                    id: Optional[int] = Field(default=None, primary_key=True)
                    text: str = Field(default="")
                    updated_at: Optional[datetime] = Field(
                        default=None, sa_column=Column(DateTime, onupdate=func.now())
                    )
            """
        },
    )
    fact = index.summary(paths["tables.py"]).classes["Note"]
    assert [(c.name, c.fetched_on_update, c.deferred) for c in fact.columns] == [("updated_at", True, False)]


@pytest.mark.parametrize(
    ("declaration", "expected"),
    [
        ('__mapper_args__ = {"eager_defaults": True}', True),
        ("__mapper_args__ = dict(eager_defaults=True)", True),
        ('__mapper_args__ = {"eager_defaults": False}', False),
        ('__mapper_args__ = {"polymorphic_identity": "page"}', False),
        ("", None),
    ],
)
def test_eager_defaults(tmp_path: Path, declaration: str, expected: bool | None) -> None:
    index, paths = workspace(tmp_path, {"pages.py": COLUMN_MODULE.format(declaration=declaration)})
    assert index.summary(paths["pages.py"]).classes["Page"].eager_defaults is expected
    assert model(view_of(index, paths["pages.py"]), "pages.Page").eager_defaults is bool(expected)


# -- inheritance across modules ------------------------------------------------------------------------------

INHERITANCE = {
    "app/__init__.py": "",
    "app/db/__init__.py": "from .base import Base\n",
    "app/db/base.py": """
        from sqlalchemy.ext.asyncio import AsyncAttrs
        from sqlalchemy.orm import DeclarativeBase


        class Base(AsyncAttrs, DeclarativeBase):
            __mapper_args__ = {"eager_defaults": True}


        class PlainBase(DeclarativeBase):
            pass
    """,
    "app/db/mixins.py": """
        from datetime import datetime
        from sqlalchemy import Text, func
        from sqlalchemy.orm import Mapped, mapped_column


        class Timestamped:
            updated_at: Mapped[datetime] = mapped_column(onupdate=func.now())
            notes: Mapped[str] = mapped_column(Text, deferred=True)
    """,
    "app/models/__init__.py": "from .user import Admin, User\n",
    "app/models/user.py": """
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from ..db import Base
        from ..db.mixins import Timestamped


        class User(Timestamped, Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)
            kind: Mapped[str]
            posts: Mapped[list["Post"]] = relationship(back_populates="author")
            __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "user", "eager_defaults": True}


        class Admin(User):
            __tablename__ = "admins"
            id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
            grants: Mapped[list["Post"]] = relationship(lazy="selectin")


        class Guest(User):
            __mapper_args__ = {"polymorphic_identity": "guest"}
    """,
    "app/models/post.py": """
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from app.db.base import PlainBase, Base
        from app.db.mixins import Timestamped


        class Post(Base):
            __tablename__ = "posts"
            id: Mapped[int] = mapped_column(primary_key=True)
            author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
            author: Mapped["User"] = relationship(back_populates="posts")


        class Plain(Timestamped, PlainBase):
            __tablename__ = "plain"
            id: Mapped[int] = mapped_column(primary_key=True)
    """,
}


def test_relationships_and_columns_are_inherited_through_bases_and_mixins(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, INHERITANCE)
    view = view_of(index, paths["app/models/__init__.py"])
    user = model(view, "app.models.User")
    assert user.qualified == "app.models.user.User"
    assert set(user.columns) == {"updated_at", "notes"}
    assert user.columns["updated_at"].fact.fetched_on_update
    assert user.columns["notes"].fact.deferred
    assert user.columns["notes"].owner.qualified == "app.db.mixins.Timestamped"
    assert user.columns["notes"].owner.path == str(paths["app/db/mixins.py"])
    assert {"id", "kind", "posts", "updated_at", "notes"} <= user.attributes
    assert user.relationships["posts"].target == "app.models.post.Post"

    admin = model(view, "app.models.Admin")
    assert set(admin.relationships) == {"posts", "grants"}
    assert admin.relationships["posts"].owner.qualified == "app.models.user.User"
    assert admin.relationships["posts"].loads_on_access
    assert admin.relationships["grants"].eager
    assert set(admin.columns) == {"updated_at", "notes"}
    assert model(view, "app.models.post.Post").relationships["author"].target == "app.models.user.User"


def test_eager_defaults_and_async_attrs_are_inherited(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, INHERITANCE)
    view = view_of(index, paths["app/models/post.py"])
    assert model(view, "app.models.post.Post").eager_defaults  # from Base.__mapper_args__, in another module
    assert model(view, "app.models.user.Admin").eager_defaults  # from User
    assert not model(view, "app.models.user.Guest").eager_defaults  # its own __mapper_args__ replaces User's
    assert not model(view, "app.models.post.Plain").eager_defaults
    assert model(view, "app.models.post.Post").async_attrs
    assert model(view, "app.models.user.Admin").async_attrs
    assert not model(view, "app.models.post.Plain").async_attrs
    assert set(model(view, "app.models.post.Plain").columns) == {"updated_at", "notes"}


def test_async_attrs_on_the_model_itself(tmp_path: Path) -> None:
    index, paths = workspace(
        tmp_path,
        {
            "base.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
            "models.py": """
                from sqlalchemy.ext.asyncio import AsyncAttrs
                from sqlalchemy.orm import Mapped, mapped_column

                from base import Base


                class Loaded(AsyncAttrs, Base):
                    __tablename__ = "loaded"
                    id: Mapped[int] = mapped_column(primary_key=True)


                class Plain(Base):
                    __tablename__ = "plain"
                    id: Mapped[int] = mapped_column(primary_key=True)
            """,
        },
    )
    view = view_of(index, paths["models.py"])
    assert model(view, "models.Loaded").async_attrs
    assert not model(view, "models.Plain").async_attrs


def test_inheritance_cycle_does_not_loop(tmp_path: Path) -> None:
    index, paths = workspace(
        tmp_path,
        {
            "a.py": "from b import B\nfrom sqlalchemy.orm import DeclarativeBase\n\n\nclass A(B, DeclarativeBase):\n"
            "    __tablename__ = 'a'\n",
            "b.py": "from a import A\n\n\nclass B(A):\n    __tablename__ = 'b'\n",
        },
    )
    view = view_of(index, paths["a.py"])
    found = view.model("a.A")
    assert found is None or found.qualified == "a.A"


# -- session factories, dependencies, aliases ----------------------------------------------------------------

DATABASE = {
    "pkg/__init__.py": "",
    "pkg/db.py": """
        from sqlalchemy import create_engine
        from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
        from sqlalchemy.orm import sessionmaker

        engine = create_async_engine("sqlite+aiosqlite:///app.db")
        sync_engine = create_engine("sqlite:///app.db")
        Sessions = async_sessionmaker(engine)
        NoExpire = async_sessionmaker(bind=engine, expire_on_commit=False)
        Classic = sessionmaker(engine, class_=AsyncSession)
        ClassicNoExpire = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        SyncSessions = sessionmaker(sync_engine)
    """,
    "pkg/deps.py": """
        from typing import Annotated

        from fastapi import Depends
        from sqlalchemy.ext.asyncio import AsyncSession
        from sqlalchemy.orm import Session

        from pkg import db
        from pkg.db import Classic, NoExpire, Sessions, SyncSessions, engine


        async def get_db():
            async with Sessions() as session:
                yield session


        async def get_no_expire():
            async with NoExpire() as session:
                yield session


        async def get_classic():
            async with Classic() as session:
                yield session


        async def get_direct():
            async with AsyncSession(engine) as session:
                yield session


        async def get_direct_no_expire():
            async with AsyncSession(engine, expire_on_commit=False) as session:
                yield session


        async def get_begin():
            async with Sessions.begin() as session:
                yield session


        def get_returned():
            return NoExpire()


        async def get_by_attribute():
            async with db.NoExpire() as session:
                yield session


        def get_sync():
            with SyncSessions() as session:
                yield session


        async def get_settings():
            return {"debug": True}


        Db = Annotated[AsyncSession, Depends(get_db)]
        NoExpireDb = Annotated[AsyncSession, Depends(get_no_expire)]
        SyncDb = Annotated[Session, Depends(get_sync)]
    """,
}

FACTORIES = [
    ("Sessions", Kind.ASYNC_FACTORY, True),
    ("NoExpire", Kind.ASYNC_FACTORY, False),
    ("Classic", Kind.ASYNC_FACTORY, True),
    ("ClassicNoExpire", Kind.ASYNC_FACTORY, False),
    ("SyncSessions", Kind.SYNC_FACTORY, True),
]


@pytest.mark.parametrize(("name", "kind", "expires"), FACTORIES, ids=[f[0] for f in FACTORIES])
def test_session_factories_and_expire_on_commit(tmp_path: Path, name: str, kind: Kind, expires: bool) -> None:
    index, paths = workspace(tmp_path, DATABASE)
    fact = index.summary(paths["pkg/db.py"]).values[name]
    assert (fact.kind, fact.expire_on_commit) == (kind.value, expires)
    value = view_of(index, paths["pkg/deps.py"]).value(f"pkg.db.{name}")
    assert value is not None
    assert (value.kind, value.expire_on_commit) == (kind, expires)
    assert value.place is not None and value.place.path == str(paths["pkg/db.py"])


def test_engines_are_values(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, DATABASE)
    values = index.summary(paths["pkg/db.py"]).values
    assert values["engine"].kind == Kind.ASYNC_ENGINE.value
    assert values["sync_engine"].kind == Kind.SYNC_ENGINE.value


DEPENDENCIES = [
    ("get_db", Kind.ASYNC_SESSION, True),
    ("get_no_expire", Kind.ASYNC_SESSION, False),
    ("get_classic", Kind.ASYNC_SESSION, True),
    ("get_direct", Kind.ASYNC_SESSION, True),
    ("get_direct_no_expire", Kind.ASYNC_SESSION, False),
    ("get_begin", Kind.ASYNC_SESSION, True),
    ("get_returned", Kind.ASYNC_SESSION, False),
    ("get_by_attribute", Kind.ASYNC_SESSION, False),
    ("get_sync", Kind.SYNC_SESSION, True),
]


@pytest.mark.parametrize(("name", "kind", "expires"), DEPENDENCIES, ids=[d[0] for d in DEPENDENCIES])
def test_dependency_provides_session_of_factory_in_another_module(
    tmp_path: Path, name: str, kind: Kind, expires: bool
) -> None:
    files = {**DATABASE, "pkg/routes.py": "from pkg.deps import get_db\n"}
    index, paths = workspace(tmp_path, files)
    value = provided(view_of(index, paths["pkg/routes.py"]), f"pkg.deps.{name}")
    assert value.kind is kind
    assert value.expire_on_commit is expires


def test_dependency_fact_names_the_factory(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, DATABASE)
    functions = index.summary(paths["pkg/deps.py"]).functions
    get_db = functions["get_db"]
    assert get_db.is_async
    assert get_db.params == ()
    assert get_db.provides is not None
    assert get_db.provides.factory == "pkg.db.Sessions"  # resolved by the index, not by the summary
    assert get_db.provides.kind is None
    assert functions["get_by_attribute"].provides is not None
    assert functions["get_by_attribute"].provides.factory == "pkg.db.NoExpire"
    direct = functions["get_direct_no_expire"].provides
    assert direct is not None and (direct.kind, direct.expire_on_commit) == (Kind.ASYNC_SESSION.value, False)
    assert not functions["get_sync"].is_async
    assert functions["get_settings"].provides is None


def test_dependency_resolution_from_another_module(tmp_path: Path) -> None:
    files = {**DATABASE, "pkg/api/__init__.py": "", "pkg/api/users.py": "from ..deps import get_db\n"}
    index, paths = workspace(tmp_path, files)
    view = view_of(index, paths["pkg/api/users.py"])
    dependency = view.dependency("pkg.deps.get_db")
    assert dependency is not None
    assert dependency.name == "get_db"
    assert dependency.scope is None  # defined in another module
    assert dependency.place is not None and dependency.place.path == str(paths["pkg/deps.py"])
    definition_line = paths["pkg/deps.py"].read_text(encoding="utf-8").splitlines().index("async def get_db():") + 1
    assert dependency.place.loc.line == definition_line
    value = dependency.provided
    assert value is not None and value.kind is Kind.ASYNC_SESSION and value.expire_on_commit is True
    assert value.factory is not None and value.factory.kind is Kind.ASYNC_FACTORY
    assert value.factory.place is not None and value.factory.place.path == str(paths["pkg/db.py"])
    settings = view.dependency("pkg.deps.get_settings")
    assert settings is not None and settings.provided is None
    assert view.dependency("pkg.deps.Db") is None  # an alias, not a function
    assert view.dependency("pkg.deps.missing") is None
    assert view.dependency("elsewhere.get_db") is None
    assert f"{MISSING}elsewhere" in view.consulted


def test_annotated_aliases_across_modules(tmp_path: Path) -> None:
    files = {
        **DATABASE,
        "pkg/api/__init__.py": "from ..deps import Db\n",
        "pkg/api/more.py": "from pkg.deps import NoExpireDb\n\nOtherDb = NoExpireDb\n",
        "pkg/api/routes.py": "from . import Db\nfrom .more import OtherDb\n",
    }
    index, paths = workspace(tmp_path, files)
    facts = index.summary(paths["pkg/deps.py"]).aliases
    assert facts["Db"].declared is not None and facts["Db"].declared.kind == Kind.ASYNC_SESSION.value
    assert facts["Db"].dependency == "pkg.deps.get_db"
    assert facts["SyncDb"].dependency == "pkg.deps.get_sync"
    assert index.summary(paths["pkg/api/more.py"]).imports["OtherDb"] == "pkg.deps.NoExpireDb"

    view = view_of(index, paths["pkg/api/routes.py"])
    for qualified, kind, expires in [
        ("pkg.deps.Db", Kind.ASYNC_SESSION, True),
        ("pkg.api.Db", Kind.ASYNC_SESSION, True),  # re-exported by a package's __init__
        ("pkg.api.more.OtherDb", Kind.ASYNC_SESSION, False),  # `OtherDb = NoExpireDb`
        ("pkg.deps.SyncDb", Kind.SYNC_SESSION, True),
    ]:
        alias = view.alias(qualified)
        assert alias is not None, qualified
        assert alias.declared is not None and alias.declared.kind is kind, qualified
        assert alias.dependency is not None and alias.dependency.provided is not None, qualified
        assert alias.dependency.provided.kind is kind, qualified
        assert alias.dependency.provided.expire_on_commit is expires, qualified
    assert view.alias("pkg.deps.get_db") is None


def test_dependency_reexported_through_init(tmp_path: Path) -> None:
    files = {**DATABASE, "pkg/__init__.py": "from .deps import get_no_expire as get_session\n", "main.py": ""}
    index, paths = workspace(tmp_path, files)
    value = provided(view_of(index, paths["main.py"]), "pkg.get_session")
    assert (value.kind, value.expire_on_commit) == (Kind.ASYNC_SESSION, False)


# -- helpers that return ORM instances -----------------------------------------------------------------------


def test_helper_functions_record_what_they_return(tmp_path: Path) -> None:
    index, paths = workspace(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models.py": "",
            "app/crud/__init__.py": "",
            "app/crud/users.py": """
                from sqlalchemy import select
                from sqlalchemy.orm import selectinload

                from ..models import Post, User


                async def get_user(session, user_id):
                    return await session.get(User, user_id)


                async def get_loaded(session, user_id):
                    return await session.get(User, user_id, options=[selectinload(User.posts).selectinload(Post.tags)])


                async def list_users(session, options):
                    return (await session.scalars(select(User).options(*options))).all()


                def sync_user(session, user_id):
                    return session.get(User, user_id)
            """,
        },
    )
    functions = index.summary(paths["app/crud/users.py"]).functions
    plain = functions["get_user"].returns
    assert plain is not None
    assert (plain.model, plain.loaded, plain.opaque, plain.session_param) == ("app.models.User", (), False, "session")
    assert functions["get_user"].params == ("session", "user_id")
    loaded = functions["get_loaded"].returns
    assert loaded is not None and loaded.loaded == (("posts",), ("posts", "tags"))
    listed = functions["list_users"].returns
    assert listed is not None and listed.opaque
    assert functions["sync_user"].returns is None


# -- pydantic schemas ----------------------------------------------------------------------------------------

SCHEMAS = {
    "api/__init__.py": "",
    "api/schemas/__init__.py": "from .user import UserOut\n",
    "api/schemas/post.py": """
        from pydantic import BaseModel, ConfigDict


        class TagOut(BaseModel):
            name: str


        class PostOut(BaseModel):
            model_config = ConfigDict(from_attributes=True)
            title: str
            tags: list[TagOut] = []
    """,
    "api/schemas/user.py": """
        from typing import ClassVar, List, Optional

        from pydantic import BaseModel

        from .post import PostOut


        class UserBase(BaseModel):
            class Config:
                orm_mode = True

            name: str
            posts: list[PostOut]


        class UserOut(UserBase):
            best: Optional[PostOut] = None
            drafts: List["PostOut"] = []
            pinned: PostOut | None = None
            archive: Optional[list[PostOut]] = None
            count: ClassVar[int] = 0
            _secret: str = ""


        class NotASchema:
            name: str
    """,
}


def test_schema_fields_and_targets(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, SCHEMAS)
    facts = {fact.name: fact for fact in index.summary(paths["api/schemas/user.py"]).classes["UserOut"].fields}
    assert set(facts) == {"best", "drafts", "pinned", "archive"}  # ClassVar and private attributes are not fields
    assert (facts["best"].target, facts["best"].many) == ("PostOut", False)
    assert (facts["drafts"].target, facts["drafts"].many) == ("PostOut", True)
    assert (facts["pinned"].target, facts["pinned"].many) == ("PostOut", False)
    assert (facts["archive"].target, facts["archive"].many) == ("PostOut", True)

    view = view_of(index, paths["api/__init__.py"])
    user = schema(view, "api.schemas.UserOut")
    assert user.definition.qualified == "api.schemas.user.UserOut"
    assert set(user.fields) == {"name", "posts", "best", "drafts", "pinned", "archive"}  # with UserBase's
    assert user.fields["posts"].target == "api.schemas.post.PostOut"
    assert user.fields["posts"].many
    assert user.fields["best"].target == "api.schemas.post.PostOut"
    assert not user.fields["best"].many
    post = schema(view, "api.schemas.post.PostOut")
    assert post.fields["tags"].target == "api.schemas.post.TagOut"
    assert post.fields["tags"].many
    assert view.schema("api.schemas.user.NotASchema") is None


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("model_config = ConfigDict(from_attributes=True)", True),
        ('model_config = {"from_attributes": True}', True),
        ("model_config = ConfigDict(from_attributes=False)", False),
        ('model_config = ConfigDict(title="x")', None),
        ("class Config:\n        orm_mode = True", True),
        ("class Config:\n        from_attributes = True", True),
        ("class Config:\n        orm_mode = False", False),
        ("", None),
        ("model_config = pydantic.ConfigDict(from_attributes=True)", True),
    ],
)
def test_from_attributes(tmp_path: Path, config: str, expected: bool | None) -> None:
    code = f"import pydantic\nfrom pydantic import BaseModel, ConfigDict\n\n\nclass Out(BaseModel):\n    {config}\n"
    code += "    name: str\n"
    index, paths = workspace(tmp_path, {"out.py": code})
    assert index.summary(paths["out.py"]).classes["Out"].from_attributes is expected
    assert schema(view_of(index, paths["out.py"]), "out.Out").from_attributes is expected


def test_from_attributes_is_inherited_across_modules(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, SCHEMAS)
    view = view_of(index, paths["api/__init__.py"])
    assert schema(view, "api.schemas.UserOut").from_attributes is True  # UserBase's `class Config: orm_mode`
    assert schema(view, "api.schemas.post.PostOut").from_attributes is True
    assert schema(view, "api.schemas.post.TagOut").from_attributes is None


# -- names across modules ------------------------------------------------------------------------------------

NAMES = {
    "app/__init__.py": "from .models import User\n",
    "app/models/__init__.py": "from .user import User\nfrom .post import Post as Article\n",
    "app/models/user.py": """
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


        class Base(DeclarativeBase):
            pass


        class User(Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)
            posts: Mapped[list["Post"]] = relationship()
    """,
    "app/models/post.py": """
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from . import user
        from .user import Base


        class Post(Base):
            __tablename__ = "posts"
            id: Mapped[int] = mapped_column(primary_key=True)
            user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
            author = relationship(user.User)
    """,
    "app/api/__init__.py": "",
    "app/api/routes.py": """
        import app.models
        import app.models as m
        from app import User as RootUser
        from app.models import Article

        from .. import models
        from ..models import User
        from ..models.user import Base
        from . import helpers
    """,
    "app/api/helpers.py": "",
}


def test_imports_are_recorded_as_absolute_names(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, NAMES)
    imports = index.summary(paths["app/api/routes.py"]).imports
    assert imports == {
        "app": "app",
        "m": "app.models",
        "RootUser": "app.User",
        "Article": "app.models.Article",
        "models": "app.models",
        "User": "app.models.User",
        "Base": "app.models.user.Base",
        "helpers": "app.api.helpers",
    }
    package = index.summary(paths["app/models/__init__.py"])
    assert package.is_package
    assert package.imports == {"User": "app.models.user.User", "Article": "app.models.post.Post"}
    assert index.summary(paths["app/models/post.py"]).imports["user"] == "app.models.user"


@pytest.mark.parametrize(
    ("qualified", "defined"),
    [
        ("app.models.user.User", "app.models.user.User"),
        ("app.models.User", "app.models.user.User"),  # re-exported by app/models/__init__.py
        ("app.User", "app.models.user.User"),  # a chain: app/__init__.py -> app/models/__init__.py
        ("app.models.Article", "app.models.post.Post"),  # re-exported under another name
        ("app.api.routes.RootUser", "app.models.user.User"),
        ("app.api.routes.Base", "app.models.user.Base"),
    ],
)
def test_symbols_resolve_through_reexports(tmp_path: Path, qualified: str, defined: str) -> None:
    index, paths = workspace(tmp_path, NAMES)
    view = view_of(index, paths["app/api/routes.py"])
    symbol = view.symbol(qualified)
    assert symbol is not None
    assert symbol.qualified == defined
    definition = view.definition(qualified)
    assert definition is not None and definition.qualified == defined


def test_models_resolve_through_every_kind_of_import(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, NAMES)
    view = view_of(index, paths["app/api/routes.py"])
    for qualified in ["app.models.User", "app.User", "app.models.user.User"]:
        assert model(view, qualified).qualified == "app.models.user.User"
    post = model(view, "app.models.Article")
    assert post.qualified == "app.models.post.Post"
    assert post.relationships["author"].fact.target == "user.User"  # `relationship(user.User)`, as written
    assert post.relationships["author"].target == "app.models.user.User"  # `from . import user`
    assert model(view, "app.User").relationships["posts"].target == "app.models.post.Post"
    assert view.symbol("app.models.user.User.posts") is None  # an attribute of a class is not a symbol
    assert view.model("app.models.Nothing") is None


def test_relationship_string_target_resolved_by_unique_class_name(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, NAMES)
    view = view_of(index, paths["app/models/user.py"])
    # "Post" is neither defined nor imported in app/models/user.py: SQLAlchemy finds it by name
    assert model(view, "app.models.user.User").relationships["posts"].target == "app.models.post.Post"


BACK_REFERENCES = {
    "shop/__init__.py": "",
    "shop/base.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
    "shop/customer.py": """
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from .base import Base


        class Customer(Base):
            __tablename__ = "customers"
            id: Mapped[int] = mapped_column(primary_key=True)
            orders: Mapped[list["Order"]] = relationship(back_populates="customer")
    """,
    "shop/order.py": """
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from .base import Base


        class Order(Base):
            __tablename__ = "orders"
            id: Mapped[int] = mapped_column(primary_key=True)
            customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
            customer: Mapped["Customer"] = relationship(back_populates="orders")
    """,
    "shop/routes.py": "",
}


@pytest.mark.parametrize("first", ["shop.customer.Customer", "shop.order.Order"])
def test_back_references_by_name_resolve_whichever_model_is_built_first(tmp_path: Path, first: str) -> None:
    index, paths = workspace(tmp_path, BACK_REFERENCES)
    view = view_of(index, paths["shop/routes.py"])
    model(view, first)
    assert model(view, "shop.customer.Customer").relationships["orders"].target == "shop.order.Order"
    assert model(view, "shop.order.Order").relationships["customer"].target == "shop.customer.Customer"


def test_relationship_string_target_with_two_mapped_namesakes_is_unknown(tmp_path: Path) -> None:
    files = {**NAMES, "other/__init__.py": "", "other/post.py": NAMES["app/models/post.py"]}
    files["other/post.py"] = files["other/post.py"].replace("from . import user", "from app.models import user")
    files["other/post.py"] = files["other/post.py"].replace(
        "from .user import Base", "from app.models.user import Base"
    )
    index, paths = workspace(tmp_path, files)
    view = view_of(index, paths["app/models/user.py"])
    assert model(view, "app.models.user.User").relationships["posts"].target is None


def test_relationship_string_target_ignores_a_pydantic_namesake(tmp_path: Path) -> None:
    files = {
        **NAMES,
        "app/schemas.py": "from pydantic import BaseModel\n\n\nclass Post(BaseModel):\n    title: str\n",
    }
    index, paths = workspace(tmp_path, files)
    view = view_of(index, paths["app/models/user.py"])
    assert model(view, "app.models.user.User").relationships["posts"].target == "app.models.post.Post"


def test_star_reexport_through_init(tmp_path: Path) -> None:
    files = {**NAMES, "app/models/__init__.py": "from .user import *\nfrom .post import *\n"}
    index, paths = workspace(tmp_path, files)
    assert index.summary(paths["app/models/__init__.py"]).star_imports == ("app.models.user", "app.models.post")
    view = view_of(index, paths["app/api/routes.py"])
    assert model(view, "app.models.User").qualified == "app.models.user.User"
    assert model(view, "app.models.Post").qualified == "app.models.post.Post"
    assert view.model("app.models.Nothing") is None


def test_star_reexport_chain(tmp_path: Path) -> None:
    files = {**NAMES, "app/__init__.py": "from .models import *\n", "app/models/__init__.py": "from .user import *\n"}
    index, paths = workspace(tmp_path, files)
    view = view_of(index, paths["app/api/routes.py"])
    assert model(view, "app.User").qualified == "app.models.user.User"
    assert model(view, "app.api.routes.RootUser").qualified == "app.models.user.User"  # `from app import User`


# -- module names --------------------------------------------------------------------------------------------


def test_module_names_in_packages_and_plain_directories(tmp_path: Path) -> None:
    index, paths = workspace(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models/__init__.py": "",
            "app/models/user.py": "",
            "scripts/seed.py": "",
            "scripts/tools/__init__.py": "",
            "scripts/tools/dump.py": "",
            "main.py": "",
        },
    )
    assert index.name_of(paths["app/__init__.py"]) == ModuleName("app", True)
    assert index.name_of(paths["app/models/__init__.py"]) == ModuleName("app.models", True)
    assert index.name_of(paths["app/models/user.py"]) == ModuleName("app.models.user", False)
    assert index.name_of(paths["scripts/seed.py"]) == ModuleName("seed", False)  # scripts/ is not a package
    assert index.name_of(paths["scripts/tools/__init__.py"]) == ModuleName("tools", True)
    assert index.name_of(paths["scripts/tools/dump.py"]) == ModuleName("tools.dump", False)
    assert index.name_of(paths["main.py"]) == ModuleName("main", False)
    assert module_name(paths["app/models/user.py"]) == ModuleName("app.models.user", False)
    assert index.files_of("app.models.user") == [paths["app/models/user.py"]]
    assert index.summary(paths["app/models/__init__.py"]).is_package
    assert index.summary(paths["scripts/tools/dump.py"]).name == "tools.dump"


@pytest.mark.parametrize(
    ("module", "written", "absolute"),
    [
        (ModuleName("app.api.routes"), "..deps.get_db", "app.deps.get_db"),
        (ModuleName("app.api.routes"), ".helpers", "app.api.helpers"),
        (ModuleName("app.api.routes"), "..", "app"),
        (ModuleName("app.api.routes"), "...models.User", "models.User"),
        (ModuleName("app.api", True), ".routes.router", "app.api.routes.router"),
        (ModuleName("app.api", True), "..deps.Db", "app.deps.Db"),
        (ModuleName("app.api.routes"), "sqlalchemy.orm.Session", "sqlalchemy.orm.Session"),
    ],
)
def test_relative_names_are_made_absolute(module: ModuleName, written: str, absolute: str) -> None:
    assert module.absolute(written) == absolute


def test_same_module_name_in_two_directories_resolves_to_the_closest(tmp_path: Path) -> None:
    model_code = """
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


        class Base(DeclarativeBase):
            pass


        class User(Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)
            posts: Mapped[list["Post"]] = relationship(lazy="{lazy}")
    """
    index, paths = workspace(
        tmp_path,
        {
            "one/models.py": model_code.replace("{lazy}", "selectin"),
            "one/routes.py": "from models import User\n",
            "two/models.py": model_code.replace("{lazy}", "joined"),
            "two/routes.py": "from models import User\n",
        },
    )
    assert sorted(index.files_of("models")) == sorted([paths["one/models.py"], paths["two/models.py"]])
    assert model(view_of(index, paths["one/routes.py"]), "models.User").relationships["posts"].lazy == "selectin"
    assert model(view_of(index, paths["two/routes.py"]), "models.User").relationships["posts"].lazy == "joined"


def test_creating_init_makes_a_directory_a_package(tmp_path: Path) -> None:
    paths = write(tmp_path, {"pkg/mod.py": "X = 1\n"})
    index = WorkspaceIndex()
    assert index.add(paths["pkg/mod.py"]) == ModuleName("mod")
    created = write(tmp_path, {"pkg/__init__.py": "", "pkg/other.py": ""})
    assert index.add(created["pkg/__init__.py"]) == ModuleName("pkg", True)  # as the server does on creation
    assert index.add(created["pkg/other.py"]) == ModuleName("pkg.other")


def test_existing_modules_are_renamed_when_their_directory_becomes_a_package(tmp_path: Path) -> None:
    paths = write(
        tmp_path,
        {"pkg/mod.py": DATABASE["pkg/db.py"], "pkg/sub/__init__.py": "", "pkg/sub/deep.py": "", "main.py": ""},
    )
    index = WorkspaceIndex()
    index.add_all(paths.values())
    assert index.name_of(paths["pkg/sub/deep.py"]) == ModuleName("sub.deep")
    assert view_of(index, paths["main.py"]).value("pkg.mod.Sessions") is None
    created = write(tmp_path, {"pkg/__init__.py": ""})
    index.add(created["pkg/__init__.py"])
    index.changed(created["pkg/__init__.py"])
    assert index.name_of(paths["pkg/mod.py"]) == ModuleName("pkg.mod")
    assert index.name_of(paths["pkg/sub/deep.py"]) == ModuleName("pkg.sub.deep")
    assert index.files_of("pkg.mod") == [paths["pkg/mod.py"]]
    assert index.files_of("mod") == []
    value = view_of(index, paths["main.py"]).value("pkg.mod.Sessions")
    assert value is not None and value.kind is Kind.ASYNC_FACTORY


def test_removing_init_makes_a_package_a_plain_directory(tmp_path: Path) -> None:
    paths = write(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": ""})
    index = WorkspaceIndex()
    index.add_all(paths.values())
    assert index.name_of(paths["pkg/mod.py"]) == ModuleName("pkg.mod")
    paths["pkg/__init__.py"].unlink()
    index.remove(paths["pkg/__init__.py"])
    assert index.name_of(paths["pkg/mod.py"]) == ModuleName("mod")
    assert index.files_of("pkg.mod") == []
    assert index.files_of("pkg") == []


# -- the summary as JSON -------------------------------------------------------------------------------------


def every_summary(tmp_path: Path) -> list[ModuleSummary]:
    files: dict[str, str] = {}
    for group in (DATABASE, INHERITANCE, SCHEMAS):
        files.update(group)
    files["app/crud.py"] = """
        from sqlalchemy.orm import selectinload

        from app.models import User


        async def get_user(session, user_id):
            return await session.get(User, user_id, options=[selectinload(User.posts)])
    """
    index, paths = workspace(tmp_path, files)
    return [index.summary(path) for path in paths.values()]


def test_summary_json_round_trip(tmp_path: Path) -> None:
    summaries = every_summary(tmp_path)
    seen: set[str] = set()
    for summary in summaries:
        data = summary.to_json()
        assert ModuleSummary.from_json(data) == summary
        through_text = ModuleSummary.from_json(json.loads(json.dumps(data)))
        assert through_text == summary
        assert through_text.digest == summary.digest
        for key in ("classes", "values", "functions", "aliases"):
            if getattr(summary, key):
                seen.add(key)
    assert seen == {"classes", "values", "functions", "aliases"}
    assert ModuleSummary.from_json({"name": "empty"}) == ModuleSummary("empty")


def test_summary_json_omits_defaults() -> None:
    assert ModuleSummary("m").to_json() == {"name": "m"}
    assert ModuleSummary("m", True).to_json() == {"name": "m", "is_package": True}


VALID_CLASS: dict[str, Any] = {"name": "A", "relationships": [{"name": "r", "target": "B", "lazy": "select"}]}
MALFORMED: list[tuple[str, Any]] = [
    ("not a dict", []),
    ("a string", "pkg.models"),
    ("null", None),
    ("unknown field", {"name": "m", "extra": 1}),
    ("wrong type of name", {"name": 3}),
    ("bool expected", {"name": "m", "is_package": "yes"}),
    ("missing name", {"imports": {}}),
    ("imports not a dict", {"name": "m", "imports": ["a"]}),
    ("import target not a string", {"name": "m", "imports": {"a": 1}}),
    ("class not a dict", {"name": "m", "classes": {"A": "A"}}),
    ("class without name", {"name": "m", "classes": {"A": {"mapped": True}}}),
    ("bases not a list", {"name": "m", "classes": {"A": {"name": "A", "bases": "Base"}}}),
    (
        "relationship without lazy",
        {"name": "m", "classes": {"A": {"name": "A", "relationships": [{"name": "r", "target": "B"}]}}},
    ),
    ("bool for a line", {"name": "m", "classes": {"A": {**VALID_CLASS, "loc": {"line": True}}}}),
    (
        "loc with a string",
        {
            "name": "m",
            "classes": {"A": {**VALID_CLASS, "loc": {"line": 1, "column": "1", "end_line": 1, "end_column": 2}}},
        },
    ),
    (
        "many not a bool",
        {
            "name": "m",
            "classes": {"A": {**VALID_CLASS, "relationships": [{**VALID_CLASS["relationships"][0], "many": 1}]}},
        },
    ),
    ("function without is_async", {"name": "m", "functions": {"f": {"params": []}}}),
    (
        "loaded paths not lists",
        {"name": "m", "functions": {"f": {"is_async": True, "returns": {"model": "U", "loaded": ["a"]}}}},
    ),
    ("value fact with a list", {"name": "m", "values": {"S": ["async_sessionmaker"]}}),
    ("alias with unknown field", {"name": "m", "aliases": {"Db": {"declared": {}, "depends": "x"}}}),
]


def test_malformed_fixture_starts_from_a_valid_class() -> None:
    assert ModuleSummary.from_json({"name": "m", "classes": {"A": VALID_CLASS}}).classes["A"].relationships[0].lazy == (
        "select"
    )


@pytest.mark.parametrize("data", [m[1] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_summary_json_is_rejected(data: Any) -> None:
    with pytest.raises((ValueError, TypeError, KeyError)):
        ModuleSummary.from_json(data)


# -- the disk cache ------------------------------------------------------------------------------------------


def test_cache_saves_and_loads_summaries(tmp_path: Path) -> None:
    paths = write(
        tmp_path / "ws", {"pkg/__init__.py": "", **{k: v for k, v in DATABASE.items() if k != "pkg/__init__.py"}}
    )
    cache_file = tmp_path / "cache" / "index.json"
    first = WorkspaceIndex(SummaryCache(cache_file))
    first.add_all(paths.values())
    expected = {path: first.summary(path) for path in paths.values()}
    assert first.cache is not None
    first.cache.save()
    assert cache_file.is_file()
    stored = json.loads(cache_file.read_text(encoding="utf-8"))
    assert len(stored) == len(paths)

    second = WorkspaceIndex(SummaryCache(cache_file))
    second.add_all(paths.values())
    text = paths["pkg/db.py"].read_text(encoding="utf-8")
    assert second.cache is not None
    assert second.cache.get(summary_key(second.name_of(paths["pkg/db.py"]), text)) == expected[paths["pkg/db.py"]]
    for path, summary in expected.items():
        assert second.summary(path) == summary


def test_cached_summaries_are_used_without_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = write(tmp_path / "ws", DATABASE)
    cache_file = tmp_path / "index.json"
    first = WorkspaceIndex(SummaryCache(cache_file))
    first.add_all(paths.values())
    expected = first.summary(paths["pkg/deps.py"])
    assert first.cache is not None
    first.cache.save()

    def no_parsing(text: str, name: ModuleName) -> ModuleSummary:
        raise AssertionError("parsed although the summary is cached")

    monkeypatch.setattr(index_module, "summarize_text", no_parsing)
    second = WorkspaceIndex(SummaryCache(cache_file))
    second.add_all(paths.values())
    assert second.summary(paths["pkg/deps.py"]) == expected


def test_cache_key_depends_on_text_and_module_name() -> None:
    name = ModuleName("pkg.db")
    assert summary_key(name, "x = 1\n") == summary_key(ModuleName("pkg.db"), "x = 1\n")
    assert summary_key(name, "x = 1\n") != summary_key(name, "x = 2\n")
    assert summary_key(name, "x = 1\n") != summary_key(ModuleName("db"), "x = 1\n")
    assert summary_key(name, "x = 1\n") != summary_key(ModuleName("pkg.db", True), "x = 1\n")


@pytest.mark.parametrize("content", ["{not json", "[1, 2, 3]", '"text"', "", "\x00\x01"])
def test_corrupted_cache_file_is_ignored(tmp_path: Path, content: str) -> None:
    paths = write(tmp_path / "ws", DATABASE)
    cache_file = tmp_path / "index.json"
    cache_file.write_text(content, encoding="utf-8")
    index = WorkspaceIndex(SummaryCache(cache_file))
    index.add_all(paths.values())
    summary = index.summary(paths["pkg/db.py"])
    assert summary.values["Sessions"].expire_on_commit is True
    assert index.cache is not None
    index.cache.save()
    reloaded = SummaryCache(cache_file)
    text = paths["pkg/db.py"].read_text(encoding="utf-8")
    assert reloaded.get(summary_key(index.name_of(paths["pkg/db.py"]), text)) == summary


def test_cache_entry_of_another_shape_is_computed_again(tmp_path: Path) -> None:
    paths = write(tmp_path / "ws", DATABASE)
    text = paths["pkg/db.py"].read_text(encoding="utf-8")
    index = WorkspaceIndex()
    index.add_all(paths.values())
    key = summary_key(index.name_of(paths["pkg/db.py"]), text)
    cache_file = tmp_path / "index.json"
    cache_file.write_text(json.dumps({key: {"name": "pkg.db", "format": 99}}), encoding="utf-8")
    cached = WorkspaceIndex(SummaryCache(cache_file))
    cached.add_all(paths.values())
    assert cached.cache is not None
    assert cached.cache.get(key) is None
    assert cached.summary(paths["pkg/db.py"]) == index.summary(paths["pkg/db.py"])


def test_unwritable_cache_is_skipped(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    cache = SummaryCache(blocker / "sub" / "index.json")  # its directory cannot be created
    cache.put("key", ModuleSummary("m"))
    cache.save()
    assert cache.get("key") == ModuleSummary("m")


# -- overlays, changes, removals, validity -------------------------------------------------------------------


def test_overlay_replaces_a_files_summary(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, {**DATABASE, "pkg/routes.py": "from pkg.deps import get_db\n"})
    db = paths["pkg/db.py"]
    on_disk = index.summary(db)
    edited_text = (
        paths["pkg/db.py"]
        .read_text(encoding="utf-8")
        .replace(
            "Sessions = async_sessionmaker(engine)", "Sessions = async_sessionmaker(engine, expire_on_commit=False)"
        )
    )
    edited = summarize_text(edited_text, index.name_of(db))
    assert index.overlay(db, edited)
    assert not index.overlay(db, edited)  # the same summary again: nothing changed
    assert not index.overlay(db, ModuleSummary.from_json(edited.to_json()))
    assert index.summary(db) == edited
    assert provided(view_of(index, paths["pkg/routes.py"]), "pkg.deps.get_db").expire_on_commit is False
    assert index.overlay(db, None)  # closed: the file's summary again
    assert not index.overlay(db, None)
    assert index.summary(db) == on_disk
    assert provided(view_of(index, paths["pkg/routes.py"]), "pkg.deps.get_db").expire_on_commit is True


def test_overlay_of_a_file_not_on_disk(tmp_path: Path) -> None:
    index = WorkspaceIndex()
    unsaved = tmp_path / "pkg" / "unsaved.py"
    index.add(unsaved)
    summary = summarize_text(
        "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase): pass\n", ModuleName("unsaved")
    )
    assert index.overlay(unsaved, summary)
    assert index.summary(unsaved) == summary
    assert index.overlay(unsaved, None)
    assert index.summary(unsaved) == ModuleSummary("unsaved")  # unreadable: an empty summary


def test_changed_file_is_summarized_again(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, DATABASE)
    db = paths["pkg/db.py"]
    assert index.summary(db).values["Sessions"].expire_on_commit is True
    db.write_text(
        db.read_text(encoding="utf-8").replace(
            "Sessions = async_sessionmaker(engine)", "Sessions = async_sessionmaker(engine, expire_on_commit=False)"
        ),
        encoding="utf-8",
    )
    assert index.summary(db).values["Sessions"].expire_on_commit is True  # not told yet
    index.changed(db)
    assert index.summary(db).values["Sessions"].expire_on_commit is False


def test_removed_module_no_longer_resolves(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, {**DATABASE, "pkg/routes.py": "from pkg.deps import get_db\n"})
    routes = paths["pkg/routes.py"]
    assert view_of(index, routes).dependency("pkg.deps.get_db") is not None
    index.remove(paths["pkg/deps.py"])
    assert paths["pkg/deps.py"] not in index.paths()
    assert index.files_of("pkg.deps") == []
    view = view_of(index, routes)
    assert view.dependency("pkg.deps.get_db") is None
    assert f"{MISSING}pkg.deps" in view.consulted
    index.remove(paths["pkg/deps.py"])  # twice: nothing happens
    index.add(paths["pkg/deps.py"])
    assert view_of(index, routes).dependency("pkg.deps.get_db") is not None


def consulted_by_routes(index: WorkspaceIndex, routes: Path) -> dict[str, str]:
    view = view_of(index, routes)
    assert provided(view, "pkg.deps.get_db").expire_on_commit is True
    return dict(view.consulted)


def test_still_valid_after_changes_that_keep_summaries(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, {**DATABASE, "pkg/routes.py": "from pkg.deps import get_db\n"})
    consulted = consulted_by_routes(index, paths["pkg/routes.py"])
    assert str(paths["pkg/deps.py"]) in consulted
    assert str(paths["pkg/db.py"]) in consulted
    assert index.still_valid(consulted)
    deps = paths["pkg/deps.py"]
    text = deps.read_text(encoding="utf-8")
    # a comment at the end and a renamed local variable: what the module offers is the same
    deps.write_text(text.replace('{"debug": True}', '{"debug": False}') + "# done\n", encoding="utf-8")
    index.changed(deps)
    assert index.still_valid(consulted)


def test_not_valid_after_a_dependency_module_exports_change(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, {**DATABASE, "pkg/routes.py": "from pkg.deps import get_db\n"})
    consulted = consulted_by_routes(index, paths["pkg/routes.py"])
    db = paths["pkg/db.py"]
    db.write_text(
        db.read_text(encoding="utf-8").replace(
            "Sessions = async_sessionmaker(engine)", "Sessions = async_sessionmaker(engine, expire_on_commit=False)"
        ),
        encoding="utf-8",
    )
    index.changed(db)
    assert not index.still_valid(consulted)
    assert provided(view_of(index, paths["pkg/routes.py"]), "pkg.deps.get_db").expire_on_commit is False


def test_not_valid_after_an_overlay_or_removal(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, {**DATABASE, "pkg/routes.py": "from pkg.deps import get_db\n"})
    consulted = consulted_by_routes(index, paths["pkg/routes.py"])
    deps = paths["pkg/deps.py"]
    index.overlay(deps, summarize_text("", index.name_of(deps)))
    assert not index.still_valid(consulted)
    index.overlay(deps, None)
    assert index.still_valid(consulted)
    index.remove(paths["pkg/db.py"])
    assert not index.still_valid(consulted)


def test_not_valid_once_a_missing_module_appears(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, {"app/__init__.py": "", "app/routes.py": "from app.deps import get_db\n"})
    view = view_of(index, paths["app/routes.py"])
    assert view.dependency("app.deps.get_db") is None
    consulted = dict(view.consulted)
    assert f"{MISSING}app.deps" in consulted
    assert index.still_valid(consulted)
    created = write(tmp_path, {"app/deps.py": DATABASE["pkg/deps.py"]})
    index.add(created["app/deps.py"])
    assert not index.still_valid(consulted)


def test_resolving_a_class_by_name_searches_every_module(tmp_path: Path) -> None:
    index, paths = workspace(tmp_path, NAMES)
    view = view_of(index, paths["app/models/user.py"])
    model(view, "app.models.user.User")  # "Post" is found by searching the workspace
    assert not index.still_valid(view.consulted)  # any new module could define another Post
