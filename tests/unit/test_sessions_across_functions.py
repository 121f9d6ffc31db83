"""Sessions passed between functions: an un-annotated parameter takes the type its call sites agree on, in the
module or across the workspace; `self.session` takes what the class's methods assign to it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from casetools import expected_markers
from greenlint.core.analysis import analyze
from greenlint.core.autofix import compiles, fix_text
from greenlint.rules.registry import ALL_RULES
from greenlint.semantics.index import WorkspaceIndex

DEPS = """
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

Sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))


async def get_db():
    async with Sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_db)]
"""


def workspace(root: Path, files: dict[str, str]) -> WorkspaceIndex:
    index = WorkspaceIndex()
    for name, text in {"app/__init__.py": "", "app/deps.py": DEPS, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        index.add(path)
    return index


def found(index: WorkspaceIndex, path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return sorted((f.start.line, f.code) for f in analyze(text, ALL_RULES, index=index, path=path).findings)


def test_call_sites_that_agree_make_a_helper_parameter_a_session(tmp_path: Path) -> None:
    """A missing await on db.commit() inside a helper called with an AsyncSession is GL002 (two modules away)."""
    index = workspace(
        tmp_path,
        {
            "app/services.py": """
                async def save(db, item):
                    db.add(item)
                    db.commit()  # expect: GL002


                async def create(db, item):
                    await save(db, item)
            """,
            "app/routes.py": """
                from .deps import SessionDep
                from .services import create


                async def post(item: str, db: SessionDep) -> None:
                    await create(db, item)


                async def other(item: str, session: SessionDep) -> None:
                    await create(db=session, item=item)
            """,
        },
    )
    services = tmp_path / "app/services.py"
    assert found(index, services) == expected_markers(services.read_text(encoding="utf-8"))
    outcome = fix_text(services.read_text(encoding="utf-8"), ALL_RULES, unsafe=True, index=index, path=services)
    assert "    await db.commit()" in outcome.text and compiles(outcome.text)
    assert [f.code for f in outcome.analysis.findings] == []


@pytest.mark.parametrize(
    "other_call",
    [
        "await create(object(), item)",  # something that is not known to be a session
        "await create(session_or_not(), item)",  # an unknown value
        "await create(*args)",  # arguments the analysis cannot map
    ],
)
def test_call_sites_that_disagree_or_are_unknown_keep_it_unknown(tmp_path: Path, other_call: str) -> None:
    index = workspace(
        tmp_path,
        {
            "app/services.py": """
                async def create(db, item):
                    db.commit()
            """,
            "app/routes.py": f"""
                from .deps import SessionDep
                from .services import create


                async def post(item: str, db: SessionDep) -> None:
                    await create(db, item)


                async def elsewhere(item, args) -> None:
                    {other_call}
            """,
        },
    )
    assert found(index, tmp_path / "app/services.py") == []


def test_a_sync_session_at_another_call_site_disagrees(tmp_path: Path) -> None:
    index = workspace(
        tmp_path,
        {
            "app/services.py": """
                from sqlalchemy import create_engine
                from sqlalchemy.orm import Session


                async def create(db, item):
                    db.commit()


                async def script(item) -> None:
                    with Session(create_engine("sqlite://")) as sync_session:
                        await create(sync_session, item)
            """,
            "app/routes.py": """
                from .deps import SessionDep
                from .services import create


                async def post(item: str, db: SessionDep) -> None:
                    await create(db, item)
            """,
        },
    )
    assert found(index, tmp_path / "app/services.py") == []


def test_no_call_site_and_annotations_keep_their_meaning(tmp_path: Path) -> None:
    index = workspace(
        tmp_path,
        {
            "app/services.py": """
                from sqlalchemy.orm import Session


                async def never_called(db, item):
                    db.commit()


                def annotated(db: Session, item) -> None:
                    db.commit()
            """,
            "app/routes.py": """
                from .deps import SessionDep
                from .services import annotated


                async def post(item: str, db: SessionDep) -> None:
                    annotated(db, item)
            """,
        },
    )
    assert found(index, tmp_path / "app/services.py") == []


def test_recursion_passes_the_parameter_on(tmp_path: Path) -> None:
    index = workspace(
        tmp_path,
        {
            "app/tree.py": """
                from .deps import SessionDep


                async def walk(db, depth):
                    if depth:
                        await walk(db, depth - 1)
                    db.flush()  # expect: GL002


                async def route(db: SessionDep) -> None:
                    await walk(db, 3)
            """,
        },
    )
    tree = tmp_path / "app/tree.py"
    assert found(index, tree) == expected_markers(tree.read_text(encoding="utf-8"))


def test_methods_know_self_session_from_init_and_constructor_calls(tmp_path: Path) -> None:
    index = workspace(
        tmp_path,
        {
            "app/repo.py": """
                from sqlalchemy.ext.asyncio import AsyncSession


                class Typed:
                    def __init__(self, session: AsyncSession) -> None:
                        self.session = session

                    async def save(self, item) -> None:
                        self.session.add(item)
                        self.session.commit()  # expect: GL002


                class Untyped:
                    def __init__(self, session) -> None:
                        self.session = session

                    async def save(self, item) -> None:
                        self.session.commit()  # expect: GL002


                class Unknown:
                    def __init__(self, session) -> None:
                        self.session = session

                    async def save(self, item) -> None:
                        self.session.commit()
            """,
            "app/routes.py": """
                from .deps import SessionDep
                from .repo import Untyped


                async def post(item: str, db: SessionDep) -> None:
                    await Untyped(db).save(item)
            """,
        },
    )
    repo = tmp_path / "app/repo.py"
    assert found(index, repo) == expected_markers(repo.read_text(encoding="utf-8"))


def test_request_state_stays_unknown(tmp_path: Path) -> None:
    index = workspace(
        tmp_path,
        {
            "app/routes.py": """
                from fastapi import Request

                from .services import save


                async def post(request: Request, item: str) -> None:
                    await save(request.state.db, item)
            """,
            "app/services.py": """
                async def save(db, item):
                    db.commit()
            """,
        },
    )
    assert found(index, tmp_path / "app/services.py") == []


def test_a_new_caller_changes_the_cached_result(tmp_path: Path) -> None:
    """The files calling a helper are part of what its module's findings depend on."""
    index = workspace(tmp_path, {"app/services.py": "async def save(db, item):\n    db.commit()\n"})
    services = tmp_path / "app/services.py"
    text = services.read_text(encoding="utf-8")
    first = analyze(text, ALL_RULES, index=index, path=services)
    assert first.findings == []
    assert index.still_valid(first.consulted)
    routes = tmp_path / "app/routes.py"
    routes.write_text(
        "from .deps import SessionDep\nfrom .services import save\n\n\n"
        "async def post(db: SessionDep) -> None:\n    await save(db, 1)\n",
        encoding="utf-8",
    )
    index.add(routes)
    assert not index.still_valid(first.consulted)
    assert [f.code for f in analyze(text, ALL_RULES, index=index, path=services).findings] == ["GL002"]
