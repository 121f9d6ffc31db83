"""Rules across modules: the models, the session factory, the dependency and the route each live in their own
module of a workspace, imported absolutely, relatively, through module attributes and `__init__.py` re-exports.

Every case is a module analysed with the workspace index; `# expect: CODE` marks the lines of its findings. For
the INVALID cases the fixes are applied (unsafe ones included) and must compile, remove the finding and be
idempotent.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from casetools import expected_markers
from greenlint.core.analysis import Analysis, analyze
from greenlint.core.autofix import fix_text
from greenlint.rules.registry import ALL_RULES
from greenlint.semantics.index import WorkspaceIndex

# -- the workspace -------------------------------------------------------------------------------------------

WORKSPACE = {
    "app/__init__.py": "",
    "app/db.py": """
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        engine = create_async_engine("sqlite+aiosqlite:///app.db")
        SessionLocal = async_sessionmaker(engine)
    """,
    "app/deps.py": """
        from typing import Annotated

        from fastapi import Depends
        from sqlalchemy.ext.asyncio import AsyncSession

        from .db import SessionLocal


        async def get_db():
            async with SessionLocal() as session:
                yield session


        Db = Annotated[AsyncSession, Depends(get_db)]
    """,
    "app/models/__init__.py": """
        from .base import Base
        from .post import Post, Tag
        from .user import User
    """,
    "app/models/base.py": """
        from sqlalchemy.ext.asyncio import AsyncAttrs
        from sqlalchemy.orm import DeclarativeBase


        class Base(AsyncAttrs, DeclarativeBase):
            pass
    """,
    "app/models/mixins.py": """
        from datetime import datetime

        from sqlalchemy import Text, func
        from sqlalchemy.orm import Mapped, mapped_column


        class Timestamped:
            updated_at: Mapped[datetime] = mapped_column(onupdate=func.now())
            notes: Mapped[str] = mapped_column(Text, deferred=True, default="")
    """,
    "app/models/user.py": """
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from .base import Base
        from .mixins import Timestamped


        class User(Timestamped, Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str]
            posts: Mapped[list["Post"]] = relationship(back_populates="author")
    """,
    "app/models/post.py": """
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from .base import Base


        class Post(Base):
            __tablename__ = "posts"
            id: Mapped[int] = mapped_column(primary_key=True)
            title: Mapped[str]
            author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
            author: Mapped["User"] = relationship(back_populates="posts")
            tags: Mapped[list["Tag"]] = relationship(lazy="selectin")


        class Tag(Base):
            __tablename__ = "tags"
            id: Mapped[int] = mapped_column(primary_key=True)
            post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
            name: Mapped[str]
    """,
    "app/schemas.py": """
        from typing import Optional

        from pydantic import BaseModel, ConfigDict


        class Out(BaseModel):
            model_config = ConfigDict(from_attributes=True)


        class UserName(Out):
            name: str


        class PostOut(Out):
            title: str


        class UserOut(UserName):
            posts: list[PostOut]


        class PostWithAuthor(PostOut):
            author: Optional[UserName] = None


        class UserDeep(UserName):
            posts: list[PostWithAuthor]
    """,
    "app/crud.py": """
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from app.models import User


        async def get_user(session, user_id: int):
            return await session.get(User, user_id)


        async def get_user_with_posts(session, user_id: int):
            return await session.get(User, user_id, options=[selectinload(User.posts)])


        async def list_users(session):
            return (await session.scalars(select(User))).all()
    """,
    "app/routers/__init__.py": "",
    "app/routers/v1/__init__.py": "",
}

ROUTE = "app/routers/items.py"


@dataclass(frozen=True)
class Case:
    id: str
    code: str  # the analysed module; `# expect: CODE` marks its findings
    path: str = ROUTE
    files: dict[str, str] = field(default_factory=dict)  # workspace files added or replaced
    fixed: bool = True  # the fixes remove the findings (False: no fix can, from this module)

    @property
    def text(self) -> str:
        return textwrap.dedent(self.code).lstrip("\n")

    @property
    def invalid(self) -> bool:
        return bool(expected_markers(self.text))


def build(root: Path, case: Case) -> tuple[WorkspaceIndex, Path]:
    files = {**WORKSPACE, **case.files, case.path: case.code}
    index = WorkspaceIndex()
    for relative, code in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code).lstrip("\n"), encoding="utf-8")
        index.add(path)
    return index, root / case.path


def run(index: WorkspaceIndex, path: Path, text: str) -> Analysis:
    analysis = analyze(text, ALL_RULES, index=index, path=path)
    assert analysis.syntax_error is None
    assert analysis.failures == []
    return analysis


def found(analysis: Analysis) -> list[tuple[int, str]]:
    return sorted((finding.start.line, finding.code) for finding in analysis.findings)


# -- the cases -----------------------------------------------------------------------------------------------

NO_EXPIRE_DB = """
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    engine = create_async_engine("sqlite+aiosqlite:///app.db")
    SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

GL101 = [
    Case(
        "gl101-depends-relative-imports-reexported-model",
        """
        from fastapi import APIRouter, Depends

        from ..deps import get_db
        from ..models import User

        router = APIRouter()


        @router.get("/users/{user_id}/titles")
        async def titles(user_id: int, db=Depends(get_db)) -> list[str]:
            user = await db.get(User, user_id)
            return [post.title for post in user.posts]  # expect: GL101
        """,
    ),
    Case(
        "gl101-annotated-alias-select",
        """
        from fastapi import APIRouter
        from sqlalchemy import select

        from app.deps import Db
        from app.models import User

        router = APIRouter()


        @router.get("/titles")
        async def titles(db: Db) -> list[str]:
            users = await db.scalars(select(User).order_by(User.name))
            return [post.title for user in users for post in user.posts]  # expect: GL101
        """,
    ),
    Case(
        "gl101-many-to-one-through-module-attributes",
        """
        from fastapi import Depends

        import app.models as m
        from app import deps


        async def author_name(post_id: int, db=Depends(deps.get_db)) -> str:
            post = await db.get(m.Post, post_id)
            return post.author.name  # expect: GL101
        """,
    ),
    Case(
        "gl101-three-levels-up",
        """
        from ...deps import Db
        from ...models import User


        async def titles(user_id: int, db: Db) -> list[str]:
            user = await db.get(User, user_id)
            return [post.title for post in user.posts]  # expect: GL101
        """,
        path="app/routers/v1/users.py",
    ),
    Case(
        "gl101-reexport-chain",
        """
        from app import Db, User


        async def titles(user_id: int, db: Db) -> list[str]:
            user = await db.get(User, user_id)
            return [post.title for post in user.posts]  # expect: GL101
        """,
        files={
            "app/__init__.py": "from .core import Db, User\n",
            "app/core/__init__.py": "from ..deps import Db\nfrom ..models import User\n",
        },
    ),
    Case(
        "gl101-nested-path-imports-the-related-model",
        """
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from app.deps import Db
        from app.models import User


        async def authors(db: Db) -> list[str]:
            stmt = select(User).options(selectinload(User.posts))
            users = (await db.scalars(stmt)).all()
            return [post.author.name for user in users for post in user.posts]  # expect: GL101
        """,
    ),
    Case(
        "gl101-helper-in-another-module",
        """
        from fastapi import Depends

        from app.crud import get_user
        from app.deps import get_db


        async def titles(user_id: int, db=Depends(get_db)) -> list[str]:
            user = await get_user(db, user_id)
            return [post.title for post in user.posts]  # expect: GL101
        """,
        fixed=False,
    ),
    Case(
        "gl101-helper-by-module-attribute-and-keywords",
        """
        from app import crud
        from app.deps import Db


        async def titles(user_id: int, db: Db) -> list[str]:
            user = await crud.get_user(session=db, user_id=user_id)
            return [post.title for post in user.posts]  # expect: GL101


        async def all_titles(db: Db) -> list[str]:
            return [post.title for user in await crud.list_users(db) for post in user.posts]  # expect: GL101
        """,
        fixed=False,
    ),
    Case(
        "gl101-valid-helper-with-loader-option",
        """
        from fastapi import Depends

        from app.crud import get_user_with_posts
        from app.deps import get_db


        async def titles(user_id: int, db=Depends(get_db)) -> list[str]:
            user = await get_user_with_posts(db, user_id)
            return [post.title for post in user.posts]
        """,
    ),
    Case(
        "gl101-valid-loader-options-and-eager-relationship",
        """
        from sqlalchemy import select
        from sqlalchemy.orm import joinedload, selectinload

        from app.deps import Db
        from app.models import Post, User


        async def titles(user_id: int, db: Db) -> list[str]:
            user = await db.get(User, user_id, options=[selectinload(User.posts)])
            return [post.title for post in user.posts]


        async def tags(db: Db) -> list[str]:
            posts = await db.scalars(select(Post).options(joinedload(Post.author)))
            return [tag.name for post in posts.unique() for tag in post.tags] + [post.author.name for post in posts]


        async def awaited(user_id: int, db: Db) -> int:
            user = await db.get(User, user_id)
            posts = await user.awaitable_attrs.posts
            return len(posts)
        """,
    ),
    Case(
        "gl101-sqlmodel-tables-in-another-module",
        """
        from fastapi import Depends

        from app.sql import get_session
        from app.tables import Hero, Team


        async def hero_names(team_id: int, session=Depends(get_session)) -> list[str]:
            team = await session.get(Team, team_id)
            return [hero.name for hero in team.heroes]


        async def team_name(hero_id: int, session=Depends(get_session)) -> str:
            hero = await session.get(Hero, hero_id)
            return hero.team.name  # expect: GL101
        """,
        files={
            "app/tables.py": """
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
                    name: str
                    team_id: Optional[int] = Field(default=None, foreign_key="team.id")
                    team: Optional[Team] = Relationship(back_populates="heroes")
            """,
            "app/sql.py": """
                from sqlalchemy.ext.asyncio import create_async_engine
                from sqlmodel.ext.asyncio.session import AsyncSession

                engine = create_async_engine("sqlite+aiosqlite://")


                async def get_session():
                    async with AsyncSession(engine) as session:
                        yield session
            """,
        },
    ),
    Case(
        "gl101-back-reference-of-the-model-loaded-first",
        """
        from sqlalchemy.orm import selectinload

        from app.deps import Db
        from app.models.post import Post


        async def siblings(post_id: int, db: Db) -> list[str]:
            post = await db.get(Post, post_id, options=[selectinload(Post.author)])
            return [other.title for other in post.author.posts]  # expect: GL101
        """,
    ),
    Case(
        "gl101-pydantic-namesake-of-the-related-model",
        """
        from app.deps import Db
        from app.models import User


        async def titles(user_id: int, db: Db) -> list[str]:
            user = await db.get(User, user_id)
            return [post.title for post in user.posts]  # expect: GL101
        """,
        files={"app/api_schemas.py": "from pydantic import BaseModel\n\n\nclass Post(BaseModel):\n    title: str\n"},
    ),
    Case(
        "gl101-star-reexports",
        """
        from app.deps import Db
        from app.models import User


        async def titles(user_id: int, db: Db) -> list[str]:
            user = await db.get(User, user_id)
            return [post.title for post in user.posts]  # expect: GL101
        """,
        files={"app/models/__init__.py": "from .base import *\nfrom .post import *\nfrom .user import *\n"},
    ),
]

GL102 = [
    Case(
        "gl102-response-model-imported-alias-session",
        """
        from fastapi import APIRouter

        from ..deps import Db
        from ..models import User
        from ..schemas import UserOut

        router = APIRouter()


        @router.get("/users/{user_id}", response_model=UserOut)
        async def read_user(user_id: int, db: Db):
            return await db.get(User, user_id)  # expect: GL102
        """,
    ),
    Case(
        "gl102-module-attribute-schema-and-return-annotation",
        """
        from fastapi import APIRouter, Depends
        from sqlalchemy import select

        from .. import models, schemas
        from ..deps import get_db

        router = APIRouter()


        @router.get("/users")
        async def users(db=Depends(get_db)) -> list[schemas.UserOut]:
            return (await db.scalars(select(models.User))).all()  # expect: GL102
        """,
    ),
    Case(
        "gl102-nested-response-model",
        """
        from fastapi import APIRouter
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from app.deps import Db
        from app.models import User
        from app.schemas import UserDeep

        router = APIRouter()


        @router.get("/users", response_model=list[UserDeep])
        async def users(db: Db):
            found = await db.scalars(select(User).options(selectinload(User.posts)))
            return found.all()  # expect: GL102
        """,
    ),
    Case(
        "gl102-valid-loaded-or-no-relationship",
        """
        from fastapi import APIRouter
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from app.deps import Db
        from app.models import Post, User
        from app.schemas import UserDeep, UserName, UserOut

        router = APIRouter()


        @router.get("/names", response_model=list[UserName])
        async def names(db: Db):
            return (await db.scalars(select(User))).all()


        @router.get("/users/{user_id}", response_model=UserOut)
        async def read_user(user_id: int, db: Db):
            return await db.get(User, user_id, options=[selectinload(User.posts)])


        @router.get("/deep", response_model=list[UserDeep])
        async def deep(db: Db):
            stmt = select(User).options(selectinload(User.posts).selectinload(Post.author))
            return (await db.scalars(stmt)).all()
        """,
    ),
]

GL103 = [
    Case(
        "gl103-depends-factory-in-another-module",
        """
        from fastapi import Depends

        from app.deps import get_db
        from app.models import User


        async def create_user(name: str, db=Depends(get_db)) -> dict:
            user = User(name=name)
            db.add(user)
            await db.commit()
            return {"id": user.id}  # expect: GL103
        """,
    ),
    Case(
        "gl103-annotated-alias-relative",
        """
        from ..deps import Db
        from ..models import User


        async def rename(user_id: int, name: str, db: Db) -> str:
            user = await db.get(User, user_id)
            user.name = name
            await db.commit()
            return user.name  # expect: GL103
        """,
    ),
    Case(
        "gl103-valid-factory-without-expiry-in-another-module",
        """
        from fastapi import Depends

        from app.deps import Db, get_db
        from app.models import User


        async def create_user(name: str, db=Depends(get_db)) -> dict:
            user = User(name=name)
            db.add(user)
            await db.commit()
            return {"id": user.id}


        async def rename(user_id: int, name: str, db: Db) -> str:
            user = await db.get(User, user_id)
            user.name = name
            await db.commit()
            return user.name
        """,
        files={"app/db.py": NO_EXPIRE_DB},
    ),
    Case(
        "gl103-sessionmaker-class-async-session",
        """
        from app.deps import Db
        from app.models import User


        async def create_user(name: str, db: Db) -> int:
            user = User(name=name)
            db.add(user)
            await db.commit()
            return user.id  # expect: GL103
        """,
        files={
            "app/db.py": """
                from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
                from sqlalchemy.orm import sessionmaker

                engine = create_async_engine("sqlite+aiosqlite:///app.db")
                SessionLocal = sessionmaker(engine, class_=AsyncSession)
            """
        },
    ),
    Case(
        "gl103-async-session-in-dependency",
        """
        from fastapi import Depends

        from app.deps import get_db
        from app.models import User


        async def create_user(name: str, db=Depends(get_db)) -> int:
            user = User(name=name)
            db.add(user)
            await db.commit()
            return user.id  # expect: GL103
        """,
        files={
            "app/deps.py": """
                from sqlalchemy.ext.asyncio import AsyncSession

                from .db import engine


                async def get_db():
                    async with AsyncSession(engine) as session:
                        yield session
            """
        },
    ),
    Case(
        "gl103-valid-async-session-without-expiry-in-dependency",
        """
        from fastapi import Depends

        from app.deps import get_db
        from app.models import User


        async def create_user(name: str, db=Depends(get_db)) -> int:
            user = User(name=name)
            db.add(user)
            await db.commit()
            return user.id
        """,
        files={
            "app/deps.py": """
                from sqlalchemy.ext.asyncio import AsyncSession

                from .db import engine


                async def get_db():
                    async with AsyncSession(engine, expire_on_commit=False) as session:
                        yield session
            """
        },
    ),
    Case(
        "gl103-factory-reexported-and-used-directly",
        """
        from app.database import SessionLocal
        from app.models import User


        async def create_user(name: str) -> int:
            async with SessionLocal() as db:
                user = User(name=name)
                db.add(user)
                await db.commit()
                return user.id  # expect: GL103
        """,
        path="app/jobs.py",
        files={
            "app/database/__init__.py": "from .session import SessionLocal\n",
            "app/database/session.py": WORKSPACE["app/db.py"],
        },
    ),
    Case(
        "gl103-valid-refresh",
        """
        from app.deps import Db
        from app.models import User


        async def create_user(name: str, db: Db) -> int:
            user = User(name=name)
            db.add(user)
            await db.commit()
            await db.refresh(user)
            return user.id
        """,
    ),
    Case(
        "gl103-model-constructed-through-module-attribute",
        """
        from fastapi import Depends

        from .. import models
        from ..deps import get_db


        async def create_user(name: str, db=Depends(get_db)) -> int:
            user = models.User(name=name)
            db.add(user)
            await db.commit()
            return user.id  # expect: GL103
        """,
    ),
]

GL104 = [
    Case(
        "gl104-columns-from-a-mixin-in-another-module",
        """
        from datetime import datetime

        from app.deps import Db
        from app.models import User


        async def rename(user_id: int, name: str, db: Db) -> datetime:
            user = await db.get(User, user_id)
            user.name = name
            await db.flush()
            return user.updated_at  # expect: GL104


        async def notes(user_id: int, db: Db) -> str:
            user = await db.get(User, user_id)
            return user.notes  # expect: GL104
        """,
    ),
    Case(
        "gl104-valid-eager-defaults-from-base-and-undefer",
        """
        from datetime import datetime

        from sqlalchemy import select
        from sqlalchemy.orm import undefer

        from app.deps import Db
        from app.models import User


        async def rename(user_id: int, name: str, db: Db) -> datetime:
            user = await db.get(User, user_id)
            user.name = name
            await db.flush()
            return user.updated_at


        async def notes(user_id: int, db: Db) -> str:
            user = (await db.scalars(select(User).options(undefer(User.notes)).where(User.id == user_id))).one()
            return user.notes
        """,
        files={
            "app/models/base.py": """
                from sqlalchemy.orm import DeclarativeBase


                class Base(DeclarativeBase):
                    __mapper_args__ = {"eager_defaults": True}
            """
        },
    ),
]

GL002 = [
    Case(
        "gl002-depends-in-another-module",
        """
        from fastapi import Depends
        from sqlalchemy import select

        from ..deps import get_db
        from ..models import User


        async def save(user: User, db=Depends(get_db)) -> None:
            db.add(user)
            db.commit()  # expect: GL002


        async def names(db=Depends(get_db)) -> list[str]:
            return db.scalars(select(User.name)).all()  # expect: GL002
        """,
    ),
    Case(
        "gl002-annotated-alias-reexported",
        """
        from sqlalchemy import delete

        from app import Db
        from app.models import User


        async def purge(db: Db) -> None:
            db.execute(delete(User))  # expect: GL002
            await db.commit()
        """,
        files={"app/__init__.py": "from .deps import Db\n"},
    ),
    Case(
        "gl002-valid-awaited",
        """
        from sqlalchemy import delete

        from app.deps import Db
        from app.models import User


        async def purge(db: Db) -> None:
            await db.execute(delete(User))
            await db.commit()
        """,
    ),
]

SYNC_DEPS = """
from typing import Annotated

from fastapi import Depends
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

SyncSessions = sessionmaker(create_engine("sqlite:///app.db"))


def get_sync_db():
    with SyncSessions() as session:
        yield session


SyncDb = Annotated[Session, Depends(get_sync_db)]
"""

GL003 = [
    Case(
        "gl003-session-annotation-on-async-dependency",
        """
        from fastapi import APIRouter, Depends
        from sqlalchemy.orm import Session

        from ..deps import get_db

        router = APIRouter()


        @router.get("/users")
        async def users(db: Session = Depends(get_db)):  # expect: GL003
            return []
        """,
    ),
    Case(
        "gl003-dependency-reexported-by-a-package",
        """
        from fastapi import Depends
        from sqlalchemy.orm import Session

        from . import get_db


        async def users(db: Session = Depends(get_db)):  # expect: GL003
            return []
        """,
        files={"app/routers/__init__.py": "from ..deps import get_db\n"},
    ),
    Case(
        "gl003-async-annotation-on-sync-dependency",
        """
        from fastapi import Depends
        from sqlalchemy.ext.asyncio import AsyncSession

        from app import sync_deps


        def users(db: AsyncSession = Depends(sync_deps.get_sync_db)):  # expect: GL003
            return []
        """,
        files={"app/sync_deps.py": SYNC_DEPS},
    ),
    Case(
        "gl003-valid-matching-annotations-and-aliases",
        """
        from fastapi import Depends
        from sqlalchemy.ext.asyncio import AsyncSession
        from sqlalchemy.orm import Session

        from app.deps import Db, get_db
        from app.sync_deps import SyncDb, get_sync_db


        async def users(db: Db, other: AsyncSession = Depends(get_db)):
            return []


        def sync_users(db: SyncDb, other: Session = Depends(get_sync_db)):
            return []
        """,
        files={"app/sync_deps.py": SYNC_DEPS},
    ),
]

CASES = GL101 + GL102 + GL103 + GL104 + GL002 + GL003


XFAIL: dict[str, str] = {}  # case id -> "greenlint bug: ..." for a known gap (strict xfail)


def params(cases: list[Case]) -> list[object]:
    return [
        pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=XFAIL[case.id])])
        if case.id in XFAIL
        else pytest.param(case, id=case.id)
        for case in cases
    ]


def test_cases_cover_every_rule_valid_and_invalid() -> None:
    for code in ("GL101", "GL102", "GL103", "GL104", "GL002", "GL003"):
        group = [case for case in CASES if case.id.startswith(code.lower())]
        assert any(case.invalid for case in group), code
        assert any(not case.invalid for case in group), code
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", params(CASES))
def test_findings_across_modules(tmp_path: Path, case: Case) -> None:
    index, path = build(tmp_path, case)
    analysis = run(index, path, case.text)
    assert found(analysis) == expected_markers(case.text)
    for finding in analysis.findings:  # what is defined in another module is shown there
        for related in finding.related:
            assert related.path is None or Path(related.path).is_file()


@pytest.mark.parametrize("case", params([case for case in CASES if case.invalid]))
def test_fixes_across_modules(tmp_path: Path, case: Case) -> None:
    index, path = build(tmp_path, case)
    text = case.text
    codes = {code for _, code in expected_markers(text)}
    assert codes & {code for _, code in found(run(index, path, text))}
    outcome = fix_text(text, ALL_RULES, unsafe=True, index=index, path=path)
    ast.parse(outcome.text)
    compile(outcome.text, str(path), "exec", dont_inherit=True)
    remaining = {code for _, code in found(run(index, path, outcome.text))}
    if case.fixed:
        assert outcome.text != text
        assert not codes & remaining, outcome.text
    else:
        assert codes <= remaining
    again = fix_text(outcome.text, ALL_RULES, unsafe=True, index=index, path=path)
    assert again.text == outcome.text


# -- where the findings point --------------------------------------------------------------------------------


def test_related_locations_point_into_the_defining_modules(tmp_path: Path) -> None:
    case = Case(
        "related",
        """
        from fastapi import APIRouter

        from app.deps import Db
        from app.models import User
        from app.schemas import UserName

        router = APIRouter()


        @router.put("/users/{user_id}")
        async def rename(user_id: int, db: Db) -> UserName:
            user = await db.get(User, user_id)
            user.name = "x"
            await db.commit()
            return user  # expect: GL103
        """,
    )
    index, path = build(tmp_path, case)
    analysis = run(index, path, case.text)
    assert found(analysis) == expected_markers(case.text)
    related = analysis.findings[0].related
    assert [Path(item.path) for item in related if item.path] == [tmp_path / "app/db.py"]
    assert related[0].start.line == 4  # `SessionLocal = async_sessionmaker(engine)`


def test_gl101_related_location_is_the_relationship_in_its_module(tmp_path: Path) -> None:
    index, path = build(tmp_path, GL101[0])
    finding = run(index, path, GL101[0].text).findings[0]
    assert finding.code == "GL101"
    places = [(Path(item.path), item.start.line) for item in finding.related if item.path]
    assert places == [(tmp_path / "app/models/user.py", 11)]  # `posts: Mapped[list["Post"]] = ...`


def test_changing_the_factory_module_changes_the_finding(tmp_path: Path) -> None:
    case = GL103[0]
    index, path = build(tmp_path, case)
    before = run(index, path, case.text)
    assert found(before) == expected_markers(case.text)
    db = tmp_path / "app/db.py"
    db.write_text(textwrap.dedent(NO_EXPIRE_DB).lstrip("\n"), encoding="utf-8")
    index.changed(db)
    assert not index.still_valid(before.consulted)
    assert found(run(index, path, case.text)) == []


SYNC_ALIAS = """
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from .deps import get_db

Db = Annotated[Session, Depends(get_db)]
"""


# -- known gaps ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        """
        from app.deps import Db


        async def save(user, db: Db) -> None:
            db.add(user)
            db.commit()  # expect: GL002
        """,
        """
        from fastapi import Depends

        from app.deps import get_db


        async def save(user, db=Depends(get_db)) -> None:
            db.add(user)
            db.commit()  # expect: GL002
        """,
        """
        from app.sync_alias import Db


        async def users(db: Db):  # expect: GL003
            return []
        """,
    ],
    ids=["gl002-alias", "gl002-depends", "gl003-alias"],
)
def test_modules_without_sqlalchemy_text_are_checked(tmp_path: Path, code: str) -> None:
    case = Case("no-sqlalchemy-text", code, files={"app/sync_alias.py": SYNC_ALIAS})
    index, path = build(tmp_path, case)
    assert found(run(index, path, case.text)) == expected_markers(case.text)


REMOTE_ALIAS_ROUTE = """
# the session comes from sqlalchemy, through app.sync_alias
from app.sync_alias import Db


async def users(db: Db):  # expect: GL003
    return []
"""


def test_gl003_reports_a_mismatched_alias_from_another_module(tmp_path: Path) -> None:
    case = Case("remote-alias", REMOTE_ALIAS_ROUTE, files={"app/sync_alias.py": SYNC_ALIAS})
    index, path = build(tmp_path, case)
    assert found(run(index, path, case.text)) == expected_markers(case.text)


def test_gl003_fix_keeps_the_dependency_of_an_alias_from_another_module(tmp_path: Path) -> None:
    case = Case("remote-alias", REMOTE_ALIAS_ROUTE, files={"app/sync_alias.py": SYNC_ALIAS})
    index, path = build(tmp_path, case)
    fixed = fix_text(case.text, ALL_RULES, unsafe=True, index=index, path=path).text
    compile(fixed, str(path), "exec", dont_inherit=True)
    assert "db: Db" in fixed or "Depends(get_db)" in fixed, fixed
