"""What a manifest declares, where it is written, and the edits that add an extra or a requirement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from greenlint.core.finding import Edit
from greenlint.core.source import LineIndex, Position
from greenlint.manifests.pep508 import Versions


class ManifestError(ValueError):
    """A manifest that cannot be read as its format: the message says why, `position` where (1-based)."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True, eq=False)
class Declared:
    """One requirement of a manifest.

    `span` is where it is written (character offsets of the quoted string, the requirement on its line, the
    Poetry key and value); None when it comes from another file (`-r base.txt`, `file:`, `include-group`).
    `handle` is what the manifest's own edits need to find it again (format specific).
    """

    name: str  # normalized distribution name
    extras: frozenset[str]
    versions: Versions
    span: tuple[int, int] | None = None
    written: str = ""  # the requirement as written (for messages)
    hashed: bool = False  # pinned by hash (`--hash=`): adding a dependency needs the hashes regenerated
    handle: object = None


@dataclass(eq=False)
class DependencyList:
    """One list of requirements: `[project].dependencies`, an optional group, a requirements file ...

    `main` lists are always installed; the others (extras, groups) are installed with them. `span` is where a
    finding about the list as a whole goes (its key or table header); None: on the requirement it is about
    (a requirements file has no header).
    """

    label: str
    main: bool
    span: tuple[int, int] | None
    requirements: list[Declared] = field(default_factory=list)
    handle: object = None


@dataclass(eq=False)
class Manifest(ABC):
    """A parsed manifest: its lists, and the text edits that change them (computed when a fix is applied)."""

    path: Path
    text: str
    lists: list[DependencyList] = field(default_factory=list)

    kind: str = ""  # "pyproject.toml", "requirements", "setup.cfg"
    comments: bool = True  # whether a line may end with a comment (a noqa comment)

    def requirements(self) -> Iterator[tuple[DependencyList, Declared]]:
        for dependencies in self.lists:
            for requirement in dependencies.requirements:
                yield dependencies, requirement

    @abstractmethod
    def add_extra(self, requirement: Declared, extra: str) -> list[Edit] | None:
        """The edits that add `extra` to a requirement written in this manifest; None when there is no safe way."""

    @abstractmethod
    def add_requirement(self, dependencies: DependencyList, after: Declared | None, name: str) -> list[Edit] | None:
        """The edits that add a requirement on `name` to a list, after `after` (else at its end); None: no way."""

    # -- helpers shared by the formats ------------------------------------------------------------------------
    def line_bounds(self, offset: int) -> tuple[int, int, str]:
        """The start and end (before its line break) of the line holding `offset`, and that line break."""
        start = max(self.text.rfind("\n", 0, offset), self.text.rfind("\r", 0, offset)) + 1
        end = offset
        while end < len(self.text) and self.text[end] not in "\r\n":
            end += 1
        if self.text.startswith("\r\n", end):
            newline = "\r\n"
        elif end < len(self.text):
            newline = self.text[end]
        else:
            newline = self.newline()
        return start, end, newline

    def newline(self) -> str:
        """The text's first line break (\\n when it has none)."""
        for index, char in enumerate(self.text):
            if char == "\r":
                return "\r\n" if self.text.startswith("\r\n", index) else "\r"
            if char == "\n":
                return "\n"
        return "\n"

    def insert_line_after(self, offset: int, line: str) -> Edit:
        """Insert `line` (without a line break) as a new line after the line holding `offset`."""
        _, end, newline = self.line_bounds(offset)
        if end < len(self.text):
            return Edit(end + len(newline), end + len(newline), line + newline)
        return Edit(end, end, newline + line)  # the last line has no line break: neither has the new one

    def position(self, offset: int) -> Position:
        return LineIndex(self.text).position(offset)
