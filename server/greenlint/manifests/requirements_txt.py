"""pip requirements files: one requirement per line, `\\` continuations, `#` comments, `-r` includes, options,
per-requirement `--hash` options."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from greenlint.core.finding import Edit
from greenlint.manifests.model import Declared, DependencyList, Manifest
from greenlint.manifests.pep508 import extra_insertion, parse_requirement

_COMMENT = re.compile(r"(^|\s+)#.*$")  # pip's: `#` at the start or after whitespace
_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s*=\s*|\s+|(?=[^\s=]))(\S+)")
_REQUIREMENT_OPTION = re.compile(r"\s--?[A-Za-z]")  # `--hash=...`, `--config-settings ...` after a requirement
ReadIncluded = Callable[[Path], "list[Declared]"]


@dataclass(frozen=True)
class _Logical:
    """A logical line: physical lines joined at `\\`, with the document offset of each character."""

    text: str
    offsets: tuple[int, ...]
    end: int  # where its last physical line ends (before the line break)

    def offset(self, index: int) -> int:
        return self.offsets[index] if index < len(self.offsets) else self.offsets[-1] + 1


@dataclass(frozen=True)
class _Line:
    """The requirement of a line: its text and where it starts in the logical line."""

    line: _Logical
    start: int
    text: str


def _logical_lines(text: str) -> list[_Logical]:
    lines: list[_Logical] = []
    chars: list[str] = []
    offsets: list[int] = []
    for match in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n|$)", text):
        if match.start() == len(text) and match.group() == "":
            break
        body = match.group().rstrip("\r\n")
        start = match.start()
        if body.endswith("\\"):
            chars.extend(body[:-1])
            offsets.extend(range(start, start + len(body) - 1))
            continue
        chars.extend(body)
        offsets.extend(range(start, start + len(body)))
        lines.append(_Logical("".join(chars), tuple(offsets), start + len(body)))
        chars, offsets = [], []
    if chars:
        lines.append(_Logical("".join(chars), tuple(offsets), offsets[-1] + 1))
    return lines


@dataclass(eq=False)
class RequirementsManifest(Manifest):
    kind: str = "requirements"
    hash_checking: bool = False  # some requirement has `--hash`: pip then wants every requirement hashed
    includes: list[Path] = field(default_factory=list)

    def add_extra(self, requirement: Declared, extra: str) -> list[Edit] | None:
        handle = requirement.handle
        if self.hash_checking or not isinstance(handle, _Line):
            return None
        found = extra_insertion(handle.text, extra)
        if found is None:
            return None
        index, new_text = found
        at = handle.line.offset(handle.start + index)
        return [Edit(at, at, new_text)]

    def add_requirement(self, dependencies: DependencyList, after: Declared | None, name: str) -> list[Edit] | None:
        if self.hash_checking:
            return None
        if after is not None and isinstance(after.handle, _Line):
            return [self.insert_line_after(after.handle.line.end, name)]
        newline = self.newline()
        end = len(self.text)
        if not self.text or self.text.endswith(("\n", "\r")):
            return [Edit(end, end, name + newline)]
        return [Edit(end, end, newline + name)]


def parse_requirements(path: Path, text: str, read_included: ReadIncluded | None = None) -> RequirementsManifest:
    """A requirements file's requirements; lines pip would take for something else (paths, URLs, options) are
    skipped. `-r` files are read with `read_included` (their requirements count, unlocated)."""
    manifest = RequirementsManifest(path, text)
    dependencies = DependencyList(path.name, True, None)
    manifest.lists.append(dependencies)
    for line in _logical_lines(text):
        content = _COMMENT.sub("", line.text)
        stripped = content.strip()
        if not stripped:
            continue
        start = len(content) - len(content.lstrip())
        if stripped.startswith("-"):
            include = _INCLUDE.match(stripped)
            if include is not None:
                manifest.includes.append(path.parent / include.group(1))
            continue
        option = _REQUIREMENT_OPTION.search(content, start)
        requirement_text = content[start : option.start() if option is not None else len(content)].rstrip()
        hashed = option is not None and "--hash" in content[option.start() :]
        parsed = parse_requirement(requirement_text)
        if parsed is None:
            continue
        manifest.hash_checking |= hashed
        span = (line.offset(start), line.offset(start + len(requirement_text) - 1) + 1)
        dependencies.requirements.append(
            Declared(
                parsed.name,
                parsed.extras,
                parsed.versions,
                span,
                requirement_text,
                hashed=hashed,
                handle=_Line(line, start, requirement_text),
            )
        )
    if read_included is not None:
        for included in manifest.includes:
            dependencies.requirements.extend(read_included(included))
    return manifest
