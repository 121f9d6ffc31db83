"""Rules that check dependency manifests (pyproject.toml, requirements*.txt, setup.cfg) instead of Python modules.

A ManifestRule sees one parsed manifest and what the Python files it speaks for need (the asyncio extension,
database drivers), and reports text spans of the manifest. Its fixes are text edits of the manifest (TextFix).
"""

from __future__ import annotations

import os
import textwrap
from abc import abstractmethod
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from greenlint.core.finding import Applicability, Edit, Fix
from greenlint.core.fixer import FixBuilder
from greenlint.manifests.model import Manifest
from greenlint.rules.base import BaseRule, Example

# The project an example manifest belongs to, unless the example says otherwise: one module that imports the
# asyncio extension and creates an engine on asyncpg.
ASYNC_PROJECT = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@localhost/app")
Session = async_sessionmaker(engine, expire_on_commit=False)
"""

FENCES = {"pyproject.toml": "toml", "setup.cfg": "ini"}


@dataclass(frozen=True)
class ManifestExample(Example):
    """An example manifest (`filename`), in a project whose only module (app/db.py) is `project`.

    Reported lines are marked `# expect: GL301`, except in formats without line comments (setup.cfg): there
    `lines` lists them.
    """

    filename: str = "pyproject.toml"
    project: str = ASYNC_PROJECT
    lines: tuple[int, ...] = ()

    @property
    def fence(self) -> str:
        """The markdown code-fence language of the manifest."""
        return FENCES.get(self.filename, "text")


def manifest_valid(filename: str, code: str, project: str = ASYNC_PROJECT) -> ManifestExample:
    return ManifestExample(
        textwrap.dedent(code).lstrip("\n"), valid=True, filename=filename, project=textwrap.dedent(project).lstrip("\n")
    )


def manifest_invalid(
    filename: str, code: str, fixed: str | None = None, project: str = ASYNC_PROJECT, lines: tuple[int, ...] = ()
) -> ManifestExample:
    return ManifestExample(
        textwrap.dedent(code).lstrip("\n"),
        valid=False,
        fixed=textwrap.dedent(fixed).lstrip("\n") if fixed is not None else None,
        filename=filename,
        project=textwrap.dedent(project).lstrip("\n"),
        lines=lines,
    )


def _no_tree(builder: FixBuilder) -> None:
    raise TypeError("a manifest fix is a text edit: it has no module to rewrite")


@dataclass(frozen=True, eq=False)
class TextFix(Fix):
    """A fix of a manifest: `edits` computes its text edits from the manifest it was reported on (when asked)."""

    edits: Callable[[], Sequence[Edit] | None] = lambda: None


def text_fix(
    message: str,
    edits: Callable[[], Sequence[Edit] | None],
    key: Hashable,
    applicability: Applicability = Applicability.SAFE,
    claims: frozenset[Hashable] = frozenset(),
) -> TextFix:
    return TextFix(message, applicability, _no_tree, key, claims, edits=edits)


@dataclass(frozen=True, eq=False)
class ManifestReport:
    """What a manifest rule reports: a span of the manifest's text (character offsets)."""

    code: str
    message: str
    start: int
    end: int
    fix: Fix | None = None


@dataclass
class ManifestContext:
    """One manifest, and what the Python files it speaks for need.

    `root` is the project directory; `asyncio_users` its Python files that import the asyncio extension;
    `engine_schemes` the URL schemes its engines are created with (`postgresql+asyncpg`) and the files that do.
    """

    manifest: Manifest
    root: Path
    asyncio_users: list[Path] = field(default_factory=list)
    engine_schemes: dict[str, list[Path]] = field(default_factory=dict)

    def relative(self, path: Path) -> str:
        """A project file's path as messages show it (relative to the project, with /)."""
        try:
            return Path(os.path.relpath(path, self.root)).as_posix()
        except ValueError:
            return path.as_posix()


class ManifestRule(BaseRule):
    """A check of a dependency manifest. Its examples are ManifestExamples; `needles` are matched ignoring case."""

    examples: ClassVar[tuple[ManifestExample, ...]]

    @abstractmethod
    def check(self, context: ManifestContext) -> Iterable[ManifestReport]:
        """Yield the rule's reports for one manifest."""

    def report(self, span: tuple[int, int], message: str, *, fix: Fix | None = None) -> ManifestReport:
        return ManifestReport(self.code, message, span[0], span[1], fix)
