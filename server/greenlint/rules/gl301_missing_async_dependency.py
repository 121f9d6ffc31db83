"""GL301: the manifest does not install what the asyncio extension needs: greenlet (SQLAlchemy 2.1 installs it only
with the `asyncio` extra) and the async driver the engine URLs name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

from packaging.version import Version

from greenlint.core.finding import Severity
from greenlint.manifests.model import Declared, DependencyList, Manifest
from greenlint.rules.base import Verified
from greenlint.rules.manifest import (
    ManifestContext,
    ManifestReport,
    ManifestRule,
    manifest_invalid,
    manifest_valid,
    text_fix,
)

SQLALCHEMY_2_1 = Version("2.1.0.dev0")  # the first version whose plain install has no greenlet
# SQLAlchemy extras that install greenlet (SQLAlchemy 2.0.58 and 2.1.9 metadata; extras names normalized).
GREENLET_EXTRAS = frozenset({"asyncio", "postgresql-asyncpg", "aiosqlite", "aiomysql", "asyncmy", "aioodbc"})
# Driver named in a URL (`postgresql+asyncpg`) -> the distribution that provides it, and the SQLAlchemy extras
# that install it too (`postgresql` is psycopg 3 in 2.1).
DRIVERS: dict[str, tuple[str, frozenset[str]]] = {
    "asyncpg": ("asyncpg", frozenset({"postgresql-asyncpg"})),
    "aiosqlite": ("aiosqlite", frozenset({"aiosqlite"})),
    "aiomysql": ("aiomysql", frozenset({"aiomysql"})),
    "asyncmy": ("asyncmy", frozenset({"asyncmy"})),
    "psycopg": ("psycopg", frozenset({"postgresql", "postgresql-psycopg", "postgresql-psycopgbinary"})),
    "psycopg_async": ("psycopg", frozenset({"postgresql", "postgresql-psycopg", "postgresql-psycopgbinary"})),
}
GREENLET_ERROR = "ImportError: The SQLAlchemy asyncio module requires that the Python 'greenlet' library is installed."
CLAIM = "GL301-manifest"  # one edit of the manifest per fixing pass: the next one is computed on the new text


def _who(context: ManifestContext, files: list[Path], verb: str) -> str:
    """`app/db.py imports`, `app/db.py and 2 other modules import`."""
    first = context.relative(files[0])
    others = len(files) - 1
    if not others:
        return f"{first} {verb}s"
    return f"{first} and {others} other module{'s' if others != 1 else ''} {verb}"


def _provides_greenlet(requirements: Iterable[Declared]) -> bool:
    return any(
        requirement.name == "greenlet" or (requirement.name == "sqlalchemy" and requirement.extras & GREENLET_EXTRAS)
        for requirement in requirements
    )


def _provides(requirements: Iterable[Declared], package: str, extras: frozenset[str]) -> bool:
    return any(
        requirement.name == package or (requirement.name == "sqlalchemy" and requirement.extras & extras)
        for requirement in requirements
    )


def _anchor(manifest: Manifest) -> tuple[DependencyList, Declared] | None:
    """The requirement a missing driver is added after: SQLAlchemy's (else SQLModel's), preferably in a main list."""
    for name in ("sqlalchemy", "sqlmodel"):
        candidates = [(dependencies, r) for dependencies, r in manifest.requirements() if r.name == name and r.span]
        candidates.sort(key=lambda item: not item[0].main)
        if candidates:
            return candidates[0]
    return None


def _driver(scheme: str) -> str | None:
    _, plus, driver = scheme.partition("+")
    return driver.lower() if plus and driver.lower() in DRIVERS else None


class MissingAsyncDependency(ManifestRule):
    code = "GL301"
    name = "missing-async-dependency"
    severity = Severity.ERROR
    summary = (
        "The manifest can install SQLAlchemy 2.1 without the `asyncio` extra (no greenlet), or lacks the async "
        "driver an engine URL names"
    )
    explanation = """
        SQLAlchemy's asyncio extension runs on greenlet. Up to 2.0, a plain `pip install sqlalchemy` installed
        greenlet too on the common platforms (SQLAlchemy 2.0.58 requires `greenlet>=1` when `platform_machine` is
        `aarch64`, `ppc64le`, `x86_64`, `amd64`, `AMD64`, `win32` or `WIN32`). **SQLAlchemy 2.1 installs greenlet
        only with the `asyncio` extra** (or an async driver extra that includes it: `postgresql-asyncpg`,
        `aiosqlite`, `aiomysql`, `asyncmy`, `aioodbc`). Without greenlet, the first import of the asyncio
        extension fails and the app does not start (measured with SQLAlchemy 2.1.9):

        ```
        ImportError: The SQLAlchemy asyncio module requires that the Python 'greenlet' library is installed.
        ```

        A requirement that admits 2.1 (`>=2.0`, `>=2.1`, `~=2.0`, Poetry's `^2.0`, or no version at all) without
        the extra and without `greenlet` works until a fresh install (a new container image, a CI cache miss)
        picks 2.1. Pins that exclude 2.1 (`<2.1`, `==2.0.*`, `~=2.0.30`) are not reported.

        The driver an engine URL names is a package of its own. Without it, creating the engine fails (measured
        with SQLAlchemy 2.0.58 and 2.1.9, for `asyncpg`, `aiosqlite`, `aiomysql`, `asyncmy` and `psycopg`):

        ```
        ModuleNotFoundError: No module named 'asyncpg'
        ```

        The manifests read: `pyproject.toml` (`[project]` dependencies and optional dependencies,
        `[dependency-groups]`, uv's and PDM's dev dependencies, Poetry's dependency tables, setuptools'
        `dynamic` requirement files), `requirements*.txt` and `requirements/*.txt` (with their `-r` includes),
        and `setup.cfg` (`install_requires`, `extras_require`). A manifest speaks for the Python files below its
        directory that no nearer manifest claims, and is checked only when those files import
        `sqlalchemy.ext.asyncio` (or `sqlmodel.ext.asyncio`), or create engines on one of those drivers. The
        greenlet finding is on the SQLAlchemy requirement; a missing driver is reported on the dependency list
        that holds SQLAlchemy (in a requirements file: on the SQLAlchemy line).
    """
    fix_description = """
        Adds the `asyncio` extra to the SQLAlchemy requirement, keeping its quotes, version, markers and comment
        (`"sqlalchemy>=2.1"` becomes `"sqlalchemy[asyncio]>=2.1"`, `SQLAlchemy[postgresql]` becomes
        `SQLAlchemy[postgresql,asyncio]`; Poetry: `extras = ["asyncio"]`), and adds a missing driver as a new
        requirement right after the SQLAlchemy one, in the file's style (a new array element or line). Safe: it
        only installs what the code already imports.

        No fix is offered in hash-checked requirements files (`--hash=`: pip then needs hashes for every new
        package; regenerate the file with your lock tool) or for a Poetry dependency with several constraints.
    """
    verified = (
        Verified(
            "`sqlalchemy>=2.0` without the `asyncio` extra",
            "`sqlalchemy>=2.0` installs 2.1 without greenlet; startup fails: "
            "`ImportError: The SQLAlchemy asyncio module requires that the Python 'greenlet' library is installed.`",
            "`sqlalchemy[asyncio]>=2.0` installs `greenlet`; the app's query returns `42`.",
            "test_dependencies.py::test_gl301_sqlalchemy_without_the_asyncio_extra",
            databases=("SQLite",),
            sqlalchemy=("2.1",),
        ),
        Verified(
            "`sqlalchemy>=2.0` without the `asyncio` extra",
            "A plain install of 2.0 brings `greenlet` on x86_64, aarch64, AMD64 and ppc64le (not on macOS's arm64): the "
            "app runs and returns `42`, until an install picks 2.1.",
            "Unchanged: the app returns `42`.",
            "test_dependencies.py::test_gl301_sqlalchemy_without_the_asyncio_extra",
            databases=("SQLite",),
            sqlalchemy=("2.0",),
        ),
        Verified(
            "an engine on `sqlite+aiosqlite://`, the manifest listing only `sqlalchemy[asyncio]>=2.0`",
            "Creating the engine raises `ModuleNotFoundError: No module named 'aiosqlite'`: the app does not start.",
            "`aiosqlite` is listed; the app's query returns `42`.",
            "test_dependencies.py::test_gl301_a_driver_missing_from_the_manifest_fails_engine_creation",
            databases=("SQLite",),
        ),
    )
    examples = (
        manifest_invalid(
            "pyproject.toml",
            """
            [project]
            name = "app"
            version = "1.0"
            dependencies = [
                "fastapi>=0.110",
                "sqlalchemy>=2.1",  # expect: GL301
                "asyncpg>=0.29",
            ]
            """,
            """
            [project]
            name = "app"
            version = "1.0"
            dependencies = [
                "fastapi>=0.110",
                "sqlalchemy[asyncio]>=2.1",  # expect: GL301
                "asyncpg>=0.29",
            ]
            """,
        ),
        manifest_valid(
            "pyproject.toml",
            """
            [project]
            name = "app"
            version = "1.0"
            dependencies = [
                "fastapi>=0.110",
                "sqlalchemy[asyncio]>=2.1",
                "asyncpg>=0.29",
            ]
            """,
        ),
        manifest_invalid(
            "requirements.txt",
            """
            fastapi
            SQLAlchemy[postgresql]  # expect: GL301
            asyncpg
            """,
            """
            fastapi
            SQLAlchemy[postgresql,asyncio]  # expect: GL301
            asyncpg
            """,
        ),
        manifest_valid(
            "requirements.txt",
            """
            fastapi
            sqlalchemy>=2.0,<2.1  # 2.0 still installs greenlet on the common platforms
            asyncpg
            """,
        ),
        manifest_invalid(
            "pyproject.toml",
            """
            [tool.poetry.dependencies]  # expect: GL301
            python = "^3.11"
            sqlalchemy = "^2.0"  # expect: GL301
            """,
            """
            [tool.poetry.dependencies]  # expect: GL301
            python = "^3.11"
            sqlalchemy = { version = "^2.0", extras = ["asyncio"] }  # expect: GL301
            asyncpg = "*"
            """,
        ),
        manifest_valid(
            "pyproject.toml",
            """
            [tool.poetry.dependencies]
            python = "^3.11"
            sqlalchemy = { version = "^2.1", extras = ["asyncio"] }
            asyncpg = "^0.29"
            """,
        ),
        manifest_invalid(
            "setup.cfg",
            """
            [options]
            install_requires =
                sqlalchemy>=2.0
                asyncpg
            """,
            """
            [options]
            install_requires =
                sqlalchemy[asyncio]>=2.0
                asyncpg
            """,
            lines=(3,),
        ),
        manifest_invalid(
            "requirements.txt",
            """
            sqlalchemy[asyncio]==2.1.9  # expect: GL301
            """,
            """
            sqlalchemy[asyncio]==2.1.9  # expect: GL301
            aiosqlite
            """,
            project="""
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            """,
        ),
        manifest_valid(
            "requirements.txt",
            """
            sqlalchemy>=2.1
            greenlet
            aiosqlite
            """,
            project="""
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            """,
        ),
    )

    def check(self, context: ManifestContext) -> Iterator[ManifestReport]:
        manifest = context.manifest
        if context.asyncio_users:
            yield from self._greenlet(context, manifest)
        yield from self._drivers(context, manifest)

    def _greenlet(self, context: ManifestContext, manifest: Manifest) -> Iterator[ManifestReport]:
        main = [requirement for dependencies, requirement in manifest.requirements() if dependencies.main]
        who = _who(context, context.asyncio_users, "import")
        main_provides = _provides_greenlet(main)
        provides: dict[int, bool] = {}  # per dependency list: one pass each, even with thousands of requirements
        for dependencies, requirement in manifest.requirements():
            if requirement.name != "sqlalchemy" or requirement.span is None:
                continue
            if not requirement.versions.admits_at_least(SQLALCHEMY_2_1):
                continue
            if id(dependencies) not in provides:
                provides[id(dependencies)] = main_provides or _provides_greenlet(dependencies.requirements)
            if provides[id(dependencies)]:
                continue
            allows = (
                f"`{requirement.written}` does not pin SQLAlchemy, so it installs 2.1 or later,"
                if requirement.versions.unpinned
                else f"`{requirement.written}` can install SQLAlchemy 2.1,"
            )
            message = (
                f"{allows} which comes without greenlet unless the `asyncio` extra is asked for: importing "
                f"sqlalchemy.ext.asyncio ({who} it) then raises `{GREENLET_ERROR}` Add the extra: "
                "`sqlalchemy[asyncio]`."
            )
            fix = None
            if manifest.add_extra(requirement, "asyncio") is not None:
                fix = text_fix(
                    "Depend on `sqlalchemy[asyncio]` (installs greenlet)",
                    partial(manifest.add_extra, requirement, "asyncio"),
                    ("GL301", "extra", requirement.span),
                    claims=frozenset({CLAIM}),
                )
            yield self.report(requirement.span, message, fix=fix)

    def _drivers(self, context: ManifestContext, manifest: Manifest) -> Iterator[ManifestReport]:
        anchor = _anchor(manifest)
        if anchor is None:
            return
        dependencies, after = anchor
        everything = [requirement for _, requirement in manifest.requirements()]
        needed: dict[str, tuple[str, list[Path]]] = {}  # package -> (scheme, files)
        for scheme, files in context.engine_schemes.items():
            driver = _driver(scheme)
            if driver is None:
                continue
            package, extras = DRIVERS[driver]
            if not _provides(everything, package, extras) and package not in needed:
                needed[package] = (scheme, files)
        for package, (scheme, files) in needed.items():
            where = dependencies.label if dependencies.span is not None else context.relative(manifest.path)
            message = (
                f"{_who(context, files, 'create')} an engine on `{scheme}://`, but this manifest does not list "
                f"`{package}`: creating the engine raises `ModuleNotFoundError: No module named '{package}'`. "
                f"Add `{package}` to {where}."
            )
            fix = None
            if manifest.add_requirement(dependencies, after, package) is not None:
                fix = text_fix(
                    f"Add `{package}` to {where}",
                    partial(manifest.add_requirement, dependencies, after, package),
                    ("GL301", "driver", package),
                    claims=frozenset({CLAIM}),
                )
            span = dependencies.span if dependencies.span is not None else after.span
            assert span is not None
            yield self.report(span, message, fix=fix)
