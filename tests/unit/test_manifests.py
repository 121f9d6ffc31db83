"""Dependency manifests: requirement strings and version constraints, locating them in pyproject.toml,
requirements files and setup.cfg, broken manifests, and GL301 on each format (findings, fixes, re-checks)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from packaging.version import Version

from greenlint.core.manifests import ManifestAnalysis, ProjectFiles, analyze_manifest, fix_manifest
from greenlint.manifests.load import is_manifest, parse_manifest, project_directory
from greenlint.manifests.model import ManifestError
from greenlint.manifests.pep508 import (
    extra_insertion,
    normalize,
    parse_requirement,
    pep440_versions,
    poetry_versions,
)
from greenlint.manifests.toml_scan import scan
from greenlint.rules.registry import ALL_RULES
from greenlint.semantics.index import WorkspaceIndex

V2_1 = Version("2.1.0.dev0")
ASYNC_APP = """\
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@localhost/app")
"""
SQLITE_APP = """\
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///app.db")
"""
SYNC_APP = """\
from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg2://app@localhost/app")
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def make_project(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


def check(root: Path, name: str, text: str, app: str | None = ASYNC_APP, **files: str) -> ManifestAnalysis:
    """GL301 on manifest `name` (written with `text`) of a project under `root` whose app/db.py is `app`."""
    make_project(root, {**({"app/db.py": app} if app is not None else {}), **files, name: text})
    return analyze_manifest(text, ALL_RULES, path=root / name)


def lines(analysis: ManifestAnalysis) -> list[int]:
    assert analysis.syntax_error is None, analysis.syntax_error
    assert analysis.failures == []
    return [finding.start.line for finding in analysis.findings if finding.code == "GL301"]


def fixed(analysis: ManifestAnalysis) -> str:
    return fix_manifest(analysis, unsafe=False).text


# -- requirement strings and versions ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "normalized"),
    [("SQLAlchemy", "sqlalchemy"), ("sqlalchemy", "sqlalchemy"), ("Flask_SQLAlchemy", "flask-sqlalchemy"),
     ("zope.interface", "zope-interface"), ("a__b--c", "a-b-c")],
)  # fmt: skip
def test_names_are_normalized(name: str, normalized: str) -> None:
    assert normalize(name) == normalized


def test_requirements_are_parsed_with_extras_markers_and_urls() -> None:
    parsed = parse_requirement('SQLAlchemy[AsyncIO, postgresql_asyncpg] >=2.1 ; python_version >= "3.10"')
    assert parsed is not None
    assert (parsed.name, parsed.extras) == ("sqlalchemy", frozenset({"asyncio", "postgresql-asyncpg"}))
    assert parsed.versions.admits_at_least(V2_1)
    url = parse_requirement("sqlalchemy @ https://example.com/SQLAlchemy-2.0.36.tar.gz")
    assert url is not None and url.versions.unpinned
    assert parse_requirement("./vendor/package") is None
    assert parse_requirement("sqlalchemy>=") is None


@pytest.mark.parametrize(
    ("specifier", "admits"),
    [
        ("", True), (">=2.1", True), (">=2.0", True), ("~=2.1", True), ("~=2.0", True), ("==2.1.*", True),
        (">2.0", True), ("<=2.1", True), ("==2.1.9", True), ("===2.1.3", True), (">=2.0,!=2.1.0", True),
        (">=2.1.0b1", True), ("<2.1", False), ("==2.0.*", False), ("~=2.0.30", False), (">=1.4,<2.1", False),
        ("==2.0.36", False), ("<2.1.0", False), ("<2", False),
    ],
)  # fmt: skip
def test_which_pins_admit_sqlalchemy_2_1(specifier: str, admits: bool) -> None:
    assert pep440_versions(specifier).admits_at_least(V2_1) is admits


@pytest.mark.parametrize(
    ("constraint", "admits"),
    [
        ("*", True), ("^2.0", True), ("^2.1", True), ("~2.1", True), (">=2.0,<3.0", True), (">=2.0 <3.0", True),
        ("2.1.*", True), ("1.4.* || ^2.0", True), ("2.1.3", True), ("=2.1.3", True), ("~2.0", False),
        ("^1.4", False), ("2.0.*", False), (">=1.4, <2.1", False), ("^0.9", False),
    ],
)  # fmt: skip
def test_which_poetry_constraints_admit_sqlalchemy_2_1(constraint: str, admits: bool) -> None:
    assert poetry_versions(constraint).admits_at_least(V2_1) is admits


def test_an_unreadable_constraint_draws_no_conclusion() -> None:
    assert not pep440_versions(">=two").admits_at_least(V2_1)
    assert not poetry_versions("^banana").admits_at_least(V2_1)


@pytest.mark.parametrize(
    ("requirement", "result"),
    [
        ("sqlalchemy>=2.1", "sqlalchemy[asyncio]>=2.1"),
        ("SQLAlchemy", "SQLAlchemy[asyncio]"),
        ("SQLAlchemy[postgresql]~=2.0", "SQLAlchemy[postgresql,asyncio]~=2.0"),
        ("SQLAlchemy[postgresql, mypy] >= 2", "SQLAlchemy[postgresql, mypy, asyncio] >= 2"),
        ("sqlalchemy[]", "sqlalchemy[asyncio]"),
        ('sqlalchemy ; python_version >= "3.10"', 'sqlalchemy[asyncio] ; python_version >= "3.10"'),
        ("sqlalchemy @ https://x/y.tar.gz", "sqlalchemy[asyncio] @ https://x/y.tar.gz"),
    ],
)
def test_extra_insertion(requirement: str, result: str) -> None:
    found = extra_insertion(requirement, "asyncio")
    assert found is not None
    offset, text = found
    assert requirement[:offset] + text + requirement[offset:] == result


# -- locating TOML ---------------------------------------------------------------------------------------------------
def test_toml_scan_locates_strings_keys_and_tables() -> None:
    text = (
        '# a comment with "quotes" and [brackets]\n'
        "title = 'x' # trailing\n"
        '"quoted key".inner = "\\u0041"\n'
        "when = 1979-05-27 07:32:00Z\n"
        '[ tool . "poetry" ]\n'
        'dependencies = { sqlalchemy = { version = "^2.1", extras = ["asyncio"] }, python = "^3.11" }\n'
        "[[tool.many]]\n"
        "list = [\n"
        '  "a",  # one\n'
        "  '''b''',\n"
        '  """c\nd""",\n'
        "  [1, 2], {x = 1},\n"
        "]\n"
    )
    document = scan(text)
    keys = [entry.key for entry in document.entries]
    assert keys == [
        ("title",),
        ("quoted key", "inner"),
        ("when",),
        ("tool", "poetry", "dependencies"),
        ("tool", "many", "list"),
    ]
    assert document.entries[1].value.value == "A"
    assert [(header.path, header.array) for header in document.headers] == [
        (("tool", "poetry"), False),
        (("tool", "many"), True),
    ]
    dependencies = document.entries[3].value
    assert dependencies.kind == "table"
    inner = dependencies.entries[0].value
    assert text[inner.start : inner.end] == '{ version = "^2.1", extras = ["asyncio"] }'
    items = document.entries[4].value.items
    assert [item.kind for item in items] == ["string", "string", "string", "array", "table"]
    assert [item.value for item in items[:3]] == ["a", "b", "c\nd"]
    assert text[items[0].start : items[0].end] == '"a"'
    assert items[0].raw_is_value and not items[2].raw_is_value


# -- reading each format ---------------------------------------------------------------------------------------------
def names(text: str, name: str = "pyproject.toml", root: Path | None = None) -> dict[str, list[str]]:
    manifest = parse_manifest((root or Path("/nowhere")) / name, dedent(text))
    return {lst.label: [requirement.name for requirement in lst.requirements] for lst in manifest.lists}


def test_pyproject_lists() -> None:
    found = names(
        """
        [project]
        dependencies = ["SQLAlchemy[asyncio]>=2.1", "fastapi"]
        [project.optional-dependencies]
        pg = ["asyncpg"]
        [dependency-groups]
        test = ["pytest", {include-group = "lint"}]
        lint = ["ruff"]
        [tool.uv]
        dev-dependencies = ["mypy"]
        [tool.pdm.dev-dependencies]
        docs = ["sphinx"]
        [tool.poetry.dependencies]
        python = "^3.11"
        aiosqlite = "*"
        [tool.poetry.group.dev.dependencies]
        hypothesis = { version = "^6" }
        [tool.poetry.dev-dependencies]
        black = "*"
        [tool.poetry.dependencies.greenlet]
        version = "^3"
        """
    )
    assert found == {
        "[project].dependencies": ["sqlalchemy", "fastapi"],
        "[project.optional-dependencies].pg": ["asyncpg"],
        "[dependency-groups].test": ["pytest", "ruff"],
        "[dependency-groups].lint": ["ruff"],
        "[tool.uv].dev-dependencies": ["mypy"],
        "[tool.pdm.dev-dependencies].docs": ["sphinx"],
        "[tool.poetry.dependencies]": ["aiosqlite", "greenlet"],
        "[tool.poetry.group.dev.dependencies]": ["hypothesis"],
        "[tool.poetry.dev-dependencies]": ["black"],
    }


def test_requirements_file_lines(tmp_path: Path) -> None:
    make_project(tmp_path, {"base.txt": "greenlet\n-r more.txt\n", "more.txt": "asyncpg\n-r base.txt\n"})
    text = """
        # comment
        --index-url https://pypi.example/simple
        -r base.txt
        -c constraints.txt
        -e ./local
        SQLAlchemy>=2.1 ; python_version >= "3.10"  # pinned
        fastapi \\
            ==0.110
        uvicorn==0.30 --hash=sha256:abc
        https://example.com/package.whl
        """
    manifest = parse_manifest(tmp_path / "requirements.txt", dedent(text))
    [dependencies] = manifest.lists
    assert [(r.name, r.span is not None) for r in dependencies.requirements] == [
        ("sqlalchemy", True),
        ("fastapi", True),
        ("uvicorn", True),
        ("greenlet", False),
        ("asyncpg", False),
    ]
    sqlalchemy = dependencies.requirements[0]
    assert sqlalchemy.span is not None
    assert manifest.text[sqlalchemy.span[0] : sqlalchemy.span[1]] == 'SQLAlchemy>=2.1 ; python_version >= "3.10"'
    assert dependencies.requirements[2].hashed


def test_setup_cfg_values() -> None:
    found = names(
        """
        [metadata]
        name = app

        [options]
        install_requires =
            # a comment line
            sqlalchemy>=2.1
            fastapi
        python_requires = >=3.10

        [options.extras_require]
        pg = asyncpg; psycopg
        """,
        "setup.cfg",
    )
    assert found == {
        "[options] install_requires": ["sqlalchemy", "fastapi"],
        "[options.extras_require] pg": ["asyncpg", "psycopg"],
    }


@pytest.mark.parametrize(
    ("name", "text", "message", "line"),
    [
        ("pyproject.toml", '[project]\ndependencies = ["sqlalchemy"\n', "invalid TOML: Unclosed array at the end", 3),
        ("pyproject.toml", "[project\n", "invalid TOML: Expected ']' at the end of a table declaration", 1),
        ("setup.cfg", "install_requires = sqlalchemy\n", "invalid setup.cfg: a line before the first [section]", 1),
        ("setup.cfg", "[options]\na = 1\na = 2\n", "invalid setup.cfg:", 3),
    ],
)
def test_broken_manifests_raise_a_clear_error(name: str, text: str, message: str, line: int) -> None:
    with pytest.raises(ManifestError) as raised:
        parse_manifest(Path(name), text)
    assert raised.value.message.startswith(message)
    assert raised.value.position.line == line


def test_which_files_are_manifests() -> None:
    for name in ("pyproject.toml", "setup.cfg", "requirements.txt", "requirements-dev.txt", "requirements/base.txt"):
        assert is_manifest(Path("/p") / name), name
    for name in ("setup.py", "constraints.txt", "docs/index.txt", "requirements.in", "app.py"):
        assert not is_manifest(Path("/p") / name), name
    assert project_directory(Path("/p/requirements/base.txt")) == Path("/p")
    assert project_directory(Path("/p/requirements.txt")) == Path("/p")


# -- GL301 in pyproject.toml ------------------------------------------------------------------------------------------
def test_pep621_extra_added_keeping_quotes_and_comment(tmp_path: Path) -> None:
    text = "[project]\ndependencies = [\n    'SQLAlchemy ~= 2.0',  # the ORM\n    'asyncpg',\n]\n"
    analysis = check(tmp_path, "pyproject.toml", text)
    assert lines(analysis) == [3]
    [finding] = analysis.findings
    assert (finding.start.column, finding.end.column) == (5, 24)  # the quoted string
    assert "can install SQLAlchemy 2.1" in finding.message and "app/db.py imports it" in finding.message
    assert "requires that the Python 'greenlet' library is installed" in finding.message
    assert fixed(analysis) == text.replace("'SQLAlchemy ~= 2.0'", "'SQLAlchemy[asyncio] ~= 2.0'")


@pytest.mark.parametrize(
    "requirement",
    ["sqlalchemy[asyncio]>=2.1", "SQLAlchemy[AsyncIO]", "sqlalchemy[postgresql_asyncpg]", "sqlalchemy<2.1",
     "sqlalchemy==2.0.*", "sqlalchemy~=2.0.36"],
)  # fmt: skip
def test_pep621_valid(tmp_path: Path, requirement: str) -> None:
    text = f'[project]\ndependencies = ["{requirement}", "asyncpg"]\n'
    assert lines(check(tmp_path, "pyproject.toml", text)) == []


def test_greenlet_listed_or_extra_elsewhere_in_main_satisfies(tmp_path: Path) -> None:
    text = dedent(
        """
        [project]
        dependencies = ["sqlalchemy>=2.1", "greenlet", "asyncpg"]
        [project.optional-dependencies]
        db = ["sqlalchemy"]
        """
    )
    assert lines(check(tmp_path / "a", "pyproject.toml", text)) == []
    text = dedent(
        """
        [project]
        dependencies = ["sqlalchemy>=2.1", "asyncpg"]
        [dependency-groups]
        dev = ["greenlet"]
        """
    )
    assert lines(check(tmp_path / "b", "pyproject.toml", text)) == [2]  # a dev group is not installed in production


def test_unpinned_and_optional_requirements(tmp_path: Path) -> None:
    text = dedent(
        """
        [project]
        dependencies = ["asyncpg"]
        [project.optional-dependencies]
        db = ["SQLAlchemy"]
        """
    )
    analysis = check(tmp_path, "pyproject.toml", text)
    assert lines(analysis) == [4]
    assert "does not pin SQLAlchemy, so it installs 2.1 or later" in analysis.findings[0].message
    assert fixed(analysis) == text.replace('"SQLAlchemy"', '"SQLAlchemy[asyncio]"')


def test_missing_driver_reported_on_the_list_and_added_after_sqlalchemy(tmp_path: Path) -> None:
    text = dedent(
        """
        [project]
        name = "app"
        dependencies = [
            "sqlalchemy[asyncio]>=2.1",
            "fastapi",
        ]
        """
    )
    analysis = check(tmp_path, "pyproject.toml", text, app=SQLITE_APP)
    assert lines(analysis) == [3]
    [finding] = analysis.findings
    assert (finding.start.column, finding.end.column) == (1, 13)  # `dependencies`
    assert finding.message.startswith("app/db.py creates an engine on `sqlite+aiosqlite://`, but this manifest")
    assert "ModuleNotFoundError: No module named 'aiosqlite'" in finding.message
    assert finding.fix is not None and finding.fix.message == "Add `aiosqlite` to [project].dependencies"
    assert fixed(analysis) == text.replace('>=2.1",\n', '>=2.1",\n    "aiosqlite",\n')


@pytest.mark.parametrize(
    ("dependencies", "after"),
    [
        ('["sqlalchemy[asyncio]"]', '["sqlalchemy[asyncio]", "asyncpg"]'),
        ("['fastapi', 'sqlalchemy[asyncio]', 'x']", "['fastapi', 'sqlalchemy[asyncio]', 'asyncpg', 'x']"),
        ('[\n  "sqlalchemy[asyncio]"\n]', '[\n  "sqlalchemy[asyncio]",\n  "asyncpg"\n]'),
        ('[\n  "sqlalchemy[asyncio]",  # orm\n]', '[\n  "sqlalchemy[asyncio]",  # orm\n  "asyncpg",\n]'),
        ('[\n  "fastapi", "sqlalchemy[asyncio]",\n]', '[\n  "fastapi", "sqlalchemy[asyncio]", "asyncpg",\n]'),
        ('["sqlmodel"]', '["sqlmodel", "asyncpg"]'),
    ],
)
def test_driver_insertion_styles(tmp_path: Path, dependencies: str, after: str) -> None:
    analysis = check(tmp_path, "pyproject.toml", f"[project]\ndependencies = {dependencies}\n")
    assert lines(analysis) == [2]
    assert fixed(analysis) == f"[project]\ndependencies = {after}\n"


@pytest.mark.parametrize(
    ("url", "listed"),
    [
        ("postgresql+asyncpg://h/db", "asyncpg"),
        ("sqlite+aiosqlite:///x.db", "sqlalchemy[asyncio,aiosqlite]"),
        ("postgresql+asyncpg://h/db", "sqlalchemy[postgresql-asyncpg]"),
        ("mysql+aiomysql://h/db", "aiomysql>=0.2"),
        ("mysql+asyncmy://h/db", "asyncmy"),
        ("postgresql+psycopg://h/db", "psycopg[binary]"),
        ("postgresql+psycopg_async://h/db", "psycopg"),
        ("postgresql://h/db", "nothing"),  # no driver named
        ("sqlite:///x.db", "nothing"),
        ("postgresql+psycopg2://h/db", "nothing"),  # not an async driver: GL006's business
    ],
)
def test_drivers_that_are_provided(tmp_path: Path, url: str, listed: str) -> None:
    app = f'from sqlalchemy.ext.asyncio import create_async_engine\nengine = create_async_engine("{url}")\n'
    text = f'[project]\ndependencies = ["sqlalchemy[asyncio]", "{listed}"]\n'
    assert lines(check(tmp_path, "pyproject.toml", text, app=app)) == []


def test_psycopg_binary_alone_does_not_provide_psycopg(tmp_path: Path) -> None:
    app = 'from sqlalchemy.ext.asyncio import create_async_engine\nengine = create_async_engine("postgresql+psycopg://h")\n'
    analysis = check(
        tmp_path, "pyproject.toml", '[project]\ndependencies = ["sqlalchemy[asyncio]", "psycopg-binary"]\n', app=app
    )
    assert lines(analysis) == [2]
    assert "No module named 'psycopg'" in analysis.findings[0].message


def test_a_sync_engine_on_an_async_driver_still_needs_the_driver(tmp_path: Path) -> None:
    app = 'from sqlalchemy import create_engine\nengine = create_engine("postgresql+asyncpg://h/db")\n'
    analysis = check(tmp_path, "pyproject.toml", '[project]\ndependencies = ["sqlalchemy>=2.1"]\n', app=app)
    assert [f.message.split(":")[0] for f in analysis.findings] == [
        "app/db.py creates an engine on `postgresql+asyncpg"
    ]


def test_poetry_dependencies(tmp_path: Path) -> None:
    text = dedent(
        """
        [tool.poetry.dependencies]
        python = "^3.11"
        SQLAlchemy = {version = "^2.0", extras = ["postgresql"]}
        asyncpg = "^0.29"

        [tool.poetry.group.test.dependencies]
        sqlalchemy = '*'
        """
    )
    analysis = check(tmp_path / "a", "pyproject.toml", text)
    assert lines(analysis) == [3, 7]
    # the test group is installed with the main dependencies: fixing those fixes it too
    assert fixed(analysis) == text.replace('["postgresql"]', '["postgresql", "asyncio"]')
    text = '[tool.poetry.dependencies]\npython = "^3.11"\nsqlalchemy = "^2.1"\nasyncpg = "*"\n'
    analysis = check(tmp_path / "b", "pyproject.toml", text)
    assert fixed(analysis) == text.replace('"^2.1"', '{ version = "^2.1", extras = ["asyncio"] }')
    text = '[tool.poetry.dependencies]\nsqlalchemy = {version="^2.1"}\nasyncpg = {version="*"}\n'
    analysis = check(tmp_path / "c", "pyproject.toml", text)
    assert fixed(analysis) == text.replace('{version="^2.1"}', '{version="^2.1", extras = ["asyncio"]}')


def test_poetry_table_form_and_several_constraints(tmp_path: Path) -> None:
    text = '[tool.poetry.dependencies.sqlalchemy]\nversion = "^2.0"\n\n[tool.poetry.dependencies]\nasyncpg = "*"\n'
    analysis = check(tmp_path / "a", "pyproject.toml", text)
    assert lines(analysis) == [2]
    assert fixed(analysis) == text.replace('"^2.0"\n', '"^2.0"\nextras = ["asyncio"]\n')
    text = dedent(
        """
        [tool.poetry.dependencies]
        asyncpg = "*"
        sqlalchemy = [{version = "^2.0", python = "<3.10"}, {version = "^2.1", python = ">=3.10"}]
        """
    )
    analysis = check(tmp_path / "b", "pyproject.toml", text)
    assert lines(analysis) == [3]
    assert analysis.findings[0].fix is None
    assert lines(check(tmp_path / "c", "pyproject.toml", text.replace("^2.1", "~2.0").replace("^2.0", "~2.0"))) == []


def test_poetry_missing_driver_added_after_sqlalchemy(tmp_path: Path) -> None:
    text = (
        '[tool.poetry.dependencies]  # deps\npython = "^3.11"\n'
        '  sqlalchemy = { version = "^2.1", extras = ["asyncio"] }\nfastapi = "*"\n'
    )
    analysis = check(tmp_path, "pyproject.toml", text)
    assert lines(analysis) == [1]
    assert fixed(analysis) == text.replace('["asyncio"] }\n', '["asyncio"] }\n  asyncpg = "*"\n')


def test_dependency_groups_include_and_uv_pdm(tmp_path: Path) -> None:
    text = dedent(
        """
        [dependency-groups]
        dev = ["sqlalchemy>=2.1", {include-group = "base"}]
        base = ["greenlet", "asyncpg"]
        """
    )
    assert lines(check(tmp_path / "a", "pyproject.toml", text)) == []
    text = '[tool.uv]\ndev-dependencies = ["sqlalchemy"]\n[tool.pdm.dev-dependencies]\ntest = ["SQLAlchemy>=2"]\n'
    analysis = check(
        tmp_path / "b",
        "pyproject.toml",
        text,
        app=SYNC_APP.replace(
            "sqlalchemy import create_engine",
            "sqlalchemy.ext.asyncio import AsyncSession\nfrom sqlalchemy import create_engine",
        ),
    )
    assert lines(analysis) == [2, 4]


def test_setuptools_dynamic_dependencies_from_a_file(tmp_path: Path) -> None:
    text = (
        "[project]\ndynamic = ['dependencies']\n"
        "[tool.setuptools.dynamic]\ndependencies = {file = ['requirements.in']}\n"
    )
    analysis = check(tmp_path, "pyproject.toml", text, **{"requirements.in": "sqlalchemy[asyncio]\n"})
    assert lines(analysis) == []  # the driver is missing, but SQLAlchemy is not written in this file: no anchor


def test_noqa_comments_suppress_in_toml(tmp_path: Path) -> None:
    text = '[project]\ndependencies = [\n  "sqlalchemy>=2.1",  # noqa: GL301\n  "asyncpg",\n]\n'
    assert lines(check(tmp_path / "a", "pyproject.toml", text)) == []
    text = '[project]\ndependencies = [  # greenlint: ignore[missing-async-dependency]\n  "sqlalchemy[asyncio]",\n]\n'
    assert lines(check(tmp_path / "b", "pyproject.toml", text)) == []


def test_broken_pyproject_is_a_syntax_problem_not_a_crash(tmp_path: Path) -> None:
    analysis = check(tmp_path, "pyproject.toml", '[project]\ndependencies = ["sqlalchemy>=2.1",\nname = 1\n')
    assert analysis.syntax_error is not None
    assert analysis.syntax_error.message.startswith("invalid TOML:")
    assert analysis.findings == []
    assert fix_manifest(analysis).text == analysis.text


def test_crlf_and_no_final_newline_are_kept(tmp_path: Path) -> None:
    text = '[project]\r\ndependencies = [\r\n    "sqlalchemy>=2.1"\r\n]'
    analysis = check(tmp_path, "pyproject.toml", text, app=SQLITE_APP)
    assert fixed(analysis) == '[project]\r\ndependencies = [\r\n    "sqlalchemy[asyncio]>=2.1",\r\n    "aiosqlite"\r\n]'


# -- GL301 in requirements files ----------------------------------------------------------------------------------
def test_requirements_extra_and_driver(tmp_path: Path) -> None:
    text = "fastapi\nSQLAlchemy ; python_version >= '3.10'  # the ORM\nuvicorn"
    analysis = check(tmp_path, "requirements.txt", text)
    assert lines(analysis) == [2, 2]
    driver = next(f for f in analysis.findings if "asyncpg" in f.message)
    assert driver.fix is not None and driver.fix.message == "Add `asyncpg` to requirements.txt"
    assert fixed(analysis) == ("fastapi\nSQLAlchemy[asyncio] ; python_version >= '3.10'  # the ORM\nasyncpg\nuvicorn")


def test_requirements_includes_count_but_are_not_reported(tmp_path: Path) -> None:
    files = {"requirements/base.txt": "sqlalchemy>=2.1\nasyncpg\n"}
    analysis = check(tmp_path, "requirements-dev.txt", "-r requirements/base.txt\npytest\n", **files)
    assert lines(analysis) == []
    analysis = check(
        tmp_path / "b", "requirements.txt", "-r base.txt\nsqlalchemy>=2.1\n", **{"base.txt": "greenlet\nasyncpg\n"}
    )
    assert lines(analysis) == []
    base = tmp_path / "requirements" / "base.txt"
    analysis = analyze_manifest(base.read_text(), ALL_RULES, path=base)
    assert lines(analysis) == [1]


def test_hash_checked_requirements_get_no_fix(tmp_path: Path) -> None:
    text = "sqlalchemy==2.1.9 \\\n    --hash=sha256:0123\nasyncpg==0.30 --hash=sha256:4567\n"
    analysis = check(tmp_path, "requirements.txt", text)
    assert lines(analysis) == [1]
    assert analysis.findings[0].fix is None


def test_requirements_noqa(tmp_path: Path) -> None:
    assert lines(check(tmp_path, "requirements.txt", "sqlalchemy  # noqa: GL301\nasyncpg\n")) == []


# -- GL301 in setup.cfg ---------------------------------------------------------------------------------------------
def test_setup_cfg_extra_and_driver(tmp_path: Path) -> None:
    text = "[options]\ninstall_requires =\n    fastapi\n    sqlalchemy>=2.0\n"
    analysis = check(tmp_path, "setup.cfg", text)
    assert lines(analysis) == [2, 4]
    assert fixed(analysis) == "[options]\ninstall_requires =\n    fastapi\n    sqlalchemy[asyncio]>=2.0\n    asyncpg\n"
    text = "[options]\ninstall_requires = sqlalchemy\n"
    analysis = check(tmp_path / "b", "setup.cfg", text)
    assert fixed(analysis) == "[options]\ninstall_requires = sqlalchemy[asyncio]\n    asyncpg\n"
    parse_manifest(tmp_path / "setup.cfg", fixed(analysis))


def test_setup_cfg_offers_no_noqa_comment_and_rejects_broken_files(tmp_path: Path) -> None:
    analysis = check(tmp_path, "setup.cfg", "[options]\ninstall_requires = sqlalchemy[asyncio]; asyncpg\n")
    assert lines(analysis) == [] and not analysis.allows_line_comments
    broken = check(tmp_path / "b", "setup.cfg", "install_requires = sqlalchemy\n")
    assert broken.syntax_error is not None and broken.syntax_error.message.startswith("invalid setup.cfg")


# -- which manifest speaks for which files -----------------------------------------------------------------------------
def test_nearest_manifest_speaks_for_the_files(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {
            "requirements.txt": "sqlalchemy>=2.1\n",
            "tools/script.py": "import sqlalchemy\n",
            "service/pyproject.toml": '[project]\ndependencies = ["sqlalchemy>=2.1", "asyncpg"]\n',
            "service/app/db.py": ASYNC_APP,
        },
    )
    outer = analyze_manifest("sqlalchemy>=2.1\n", ALL_RULES, path=tmp_path / "requirements.txt")
    assert lines(outer) == []  # service/ has a manifest of its own; tools/ does not use the asyncio extension
    inner_path = tmp_path / "service" / "pyproject.toml"
    inner = analyze_manifest(inner_path.read_text(), ALL_RULES, path=inner_path)
    assert lines(inner) == [2]


def test_a_manifest_without_asyncio_users_is_not_checked(tmp_path: Path) -> None:
    assert lines(check(tmp_path, "requirements.txt", "sqlalchemy\n", app=SYNC_APP)) == []
    assert lines(check(tmp_path / "b", "requirements.txt", "sqlalchemy\n", app=None)) == []


def test_project_files_use_the_index_and_walk_only_uncovered_projects(tmp_path: Path) -> None:
    make_project(tmp_path, {"app/db.py": ASYNC_APP, "pyproject.toml": '[project]\ndependencies = ["sqlalchemy"]\n'})
    index = WorkspaceIndex()
    projects = ProjectFiles(index, walk=False)
    path = tmp_path / "pyproject.toml"
    assert lines(analyze_manifest(path.read_text(), ALL_RULES, path=path, index=index, projects=projects)) == []
    index.add(tmp_path / "app" / "db.py")
    found = analyze_manifest(path.read_text(), ALL_RULES, path=path, index=index, projects=projects)
    assert lines(found) == [2, 2]  # greenlet and asyncpg
    walking = ProjectFiles(WorkspaceIndex())
    assert lines(analyze_manifest(path.read_text(), ALL_RULES, path=path, index=walking.index, projects=walking)) == [
        2,
        2,
    ]


def test_the_python_analysis_ignores_manifest_rules() -> None:
    from greenlint.core.analysis import analyze

    assert analyze('[project]\ndependencies = ["sqlalchemy"]\n', ALL_RULES).findings == []
