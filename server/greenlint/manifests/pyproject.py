"""pyproject.toml: PEP 621 `[project]` dependencies and optional dependencies, PEP 735 `[dependency-groups]`,
uv's and PDM's dev dependencies, Poetry's dependency tables, and setuptools' `dynamic` requirement files."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from greenlint.core.finding import Edit
from greenlint.core.source import LineIndex, Position
from greenlint.manifests.model import Declared, DependencyList, Manifest, ManifestError
from greenlint.manifests.pep508 import (
    ANY_VERSION,
    UNKNOWN_VERSIONS,
    Versions,
    extra_insertion,
    normalize,
    parse_requirement,
    poetry_versions,
)
from greenlint.manifests.toml_scan import TomlDocument, TomlEntry, TomlValue, scan

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the Python 3.10 CI run
    import tomli as tomllib

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
POETRY_NON_PACKAGES = frozenset({"python"})
ReadIncluded = Callable[[Path], "list[Declared]"]


@dataclass(frozen=True)
class _ArrayItem:
    """A PEP 508 string in a TOML array."""

    array: TomlValue
    string: TomlValue


@dataclass(frozen=True)
class _PoetryItem:
    """A Poetry dependency: `name = "^2.1"`, `name = {version = ..., extras = [...]}`, or a `[...dependencies.name]`
    table (its entries)."""

    entry: TomlEntry | None  # the `name = value` statement; None for a table
    table: tuple[TomlEntry, ...] = ()  # the statements of a `[tool.poetry.dependencies.name]` table


@dataclass(frozen=True)
class _PoetryList:
    """A Poetry dependency table, and the statements in it (to insert after)."""

    entries: tuple[TomlEntry, ...]


def toml_problem(error: tomllib.TOMLDecodeError, text: str) -> ManifestError:
    """tomllib's error as a one-line message with its position."""
    message = str(error)
    match = _TOML_POSITION.search(message)
    if match is not None:
        position = Position(int(match.group(1)), int(match.group(2)))
        message = _TOML_POSITION.sub("", message)
    elif "(at end of document)" in message:
        position = LineIndex(text).position(len(text))
        message = message.replace("(at end of document)", "at the end of the file")
    else:
        position = Position(1, 1)
    return ManifestError(f"invalid TOML: {message.strip()}", position)


@dataclass(eq=False)
class PyprojectManifest(Manifest):
    kind: str = "pyproject.toml"
    document: TomlDocument = field(default_factory=lambda: TomlDocument(""))

    # -- adding an extra ---------------------------------------------------------------------------------------
    def add_extra(self, requirement: Declared, extra: str) -> list[Edit] | None:
        handle = requirement.handle
        if isinstance(handle, _ArrayItem):
            string = handle.string
            if not string.raw_is_value:
                return None
            found = extra_insertion(string.value, extra)
            if found is None:
                return None
            offset, new_text = found
            at = string.start + len(string.quote) + offset
            return [Edit(at, at, new_text)]
        if isinstance(handle, _PoetryItem):
            return self._poetry_extra(handle, extra)
        return None

    def _poetry_extra(self, item: _PoetryItem, extra: str) -> list[Edit] | None:
        if item.entry is None:  # [tool.poetry.dependencies.name]
            extras = next((entry for entry in item.table if entry.key[-1] == "extras"), None)
            if extras is not None:
                return _append_string(extras.value, extra, '"')
            last = item.table[-1] if item.table else None
            if last is None:
                return None
            return [self.insert_line_after(last.value.end, f'extras = ["{extra}"]')]
        value = item.entry.value
        if value.kind == "string":
            quote = value.quote if len(value.quote) == 1 else '"'
            version = self.text[value.start : value.end]
            spaced = _spaced_inline_tables(self.text)
            inner = f"version = {version}, extras = [{quote}{extra}{quote}]"
            return [Edit(value.start, value.end, f"{{ {inner} }}" if spaced else f"{{{inner}}}")]
        if value.kind == "table":
            extras = next((entry for entry in value.entries if entry.key == ("extras",)), None)
            quote = next((e.value.quote for e in value.entries if e.value.kind == "string"), '"')
            quote = quote if len(quote) == 1 else '"'
            if extras is not None:
                return _append_string(extras.value, extra, quote)
            if not value.entries:
                return [Edit(value.start + 1, value.end - 1, f"extras = [{quote}{extra}{quote}]")]
            end = value.entries[-1].value.end
            return [Edit(end, end, f", extras = [{quote}{extra}{quote}]")]
        return None  # several constraints (an array of tables): left to the author

    # -- adding a requirement ----------------------------------------------------------------------------------
    def add_requirement(self, dependencies: DependencyList, after: Declared | None, name: str) -> list[Edit] | None:
        handle = dependencies.handle
        if isinstance(handle, TomlValue) and handle.kind == "array":
            anchor = after.handle.string if after is not None and isinstance(after.handle, _ArrayItem) else None
            return self._array_insert(handle, anchor, name)
        if isinstance(handle, _PoetryList):
            anchor_entry = after.handle.entry if after is not None and isinstance(after.handle, _PoetryItem) else None
            if anchor_entry is None and handle.entries:
                anchor_entry = handle.entries[-1]
            if anchor_entry is None:
                return None
            indent = self._indent(anchor_entry.key_start)
            key_text = self.text[anchor_entry.key_start : anchor_entry.key_end]
            line_start, _, _ = self.line_bounds(anchor_entry.key_start)
            if "." in key_text or self.text[line_start : anchor_entry.key_start].strip():
                return None  # a dotted key, or a key inside an inline table: no line of its own to follow
            return [self.insert_line_after(anchor_entry.value.end, f'{indent}{name} = "*"')]
        return None

    def _array_insert(self, array: TomlValue, anchor: TomlValue | None, name: str) -> list[Edit] | None:
        strings = [item for item in array.items if item.kind == "string"]
        if anchor is None:
            anchor = strings[-1] if strings else None
        quote = anchor.quote if anchor is not None and len(anchor.quote) == 1 else '"'
        element = f"{quote}{name}{quote}"
        if anchor is None:  # an empty array
            return [Edit(array.start + 1, array.end - 1, element)]
        line_start, line_end, _ = self.line_bounds(anchor.end)
        after_anchor = self.text[anchor.end : line_end].strip()
        has_comma = after_anchor.startswith(",")
        rest = after_anchor[1:].strip() if has_comma else after_anchor
        multiline = any(char in self.text[array.start : array.end] for char in "\r\n")
        own_line = not self.text[line_start : anchor.start].strip() and (not rest or rest.startswith("#"))
        if multiline and own_line:  # one element per line: a new line, as the anchor's
            edits = [
                self.insert_line_after(anchor.end, f"{self._indent(anchor.start)}{element}{',' if has_comma else ''}")
            ]
            if not has_comma:
                edits.insert(0, Edit(anchor.end, anchor.end, ","))
            return edits
        return [Edit(anchor.end, anchor.end, f", {element}")]

    def _indent(self, offset: int) -> str:
        start, _, _ = self.line_bounds(offset)
        line = self.text[start:offset]
        return line[: len(line) - len(line.lstrip(" \t"))]


def _spaced_inline_tables(text: str) -> bool:
    """Whether the file writes inline tables as `{ a = 1 }` (Poetry's documentation) rather than `{a = 1}`."""
    match = re.search(r"=\s*\{(\s?)\S", text)
    return match is None or match.group(1) == " "


def _append_string(array: TomlValue, value: str, quote: str) -> list[Edit] | None:
    if array.kind != "array":
        return None
    strings = [item for item in array.items if item.kind == "string"]
    if strings:
        quote = strings[-1].quote if len(strings[-1].quote) == 1 else quote
    if not array.items:
        return [Edit(array.start + 1, array.end - 1, f"{quote}{value}{quote}")]
    end = array.items[-1].end
    return [Edit(end, end, f", {quote}{value}{quote}")]


# -- reading ---------------------------------------------------------------------------------------------------
def parse_pyproject(path: Path, text: str, read_included: ReadIncluded | None = None) -> PyprojectManifest:
    """The dependency lists of a pyproject.toml; raises ManifestError when it is not TOML."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise toml_problem(error, text) from None
    try:
        document = scan(text)
    except ValueError as error:
        raise ManifestError(str(error), Position(1, 1)) from None
    manifest = PyprojectManifest(path, text, document=document)
    manifest.lists = list(_lists(document, data, path, read_included))
    return manifest


def _pep508_list(label: str, main: bool, entry: TomlEntry) -> DependencyList | None:
    if entry.value.kind != "array":
        return None
    found = DependencyList(label, main, (entry.key_start, entry.key_end), handle=entry.value)
    for item in entry.value.items:
        if item.kind != "string":
            continue
        parsed = parse_requirement(item.value)
        if parsed is not None:
            found.requirements.append(
                Declared(
                    parsed.name,
                    parsed.extras,
                    parsed.versions,
                    (item.start, item.end),
                    item.value,
                    handle=_ArrayItem(entry.value, item),
                )
            )
    return found


def _flatten(entries: list[TomlEntry]) -> Iterator[TomlEntry]:
    """Statements, with the entries of inline tables as statements of their own (`project = {dependencies = ...}`)."""
    for entry in entries:
        yield entry
        if entry.value.kind == "table":
            yield from _flatten(
                [
                    TomlEntry((*entry.key, *inner.key), inner.key_start, inner.key_end, inner.value)
                    for inner in entry.value.entries
                ]
            )


def _lists(
    document: TomlDocument, data: dict[str, object], path: Path, read: ReadIncluded | None
) -> Iterator[DependencyList]:
    groups: dict[str, DependencyList] = {}
    includes: list[tuple[DependencyList, str]] = []
    for entry in _flatten(document.entries):
        key = entry.key
        found: DependencyList | None = None
        if key == ("project", "dependencies"):
            found = _pep508_list("[project].dependencies", True, entry)
        elif len(key) == 3 and key[:2] == ("project", "optional-dependencies"):
            found = _pep508_list(f"[project.optional-dependencies].{key[2]}", False, entry)
        elif len(key) == 2 and key[0] == "dependency-groups":
            found = _pep508_list(f"[dependency-groups].{key[1]}", False, entry)
            if found is not None:
                groups[normalize(key[1])] = found
                includes.extend(
                    (found, inner.value.value)
                    for item in entry.value.items
                    if item.kind == "table"
                    for inner in item.entries
                    if inner.key == ("include-group",) and inner.value.kind == "string"
                )
        elif key == ("tool", "uv", "dev-dependencies"):
            found = _pep508_list("[tool.uv].dev-dependencies", False, entry)
        elif len(key) == 4 and key[:3] == ("tool", "pdm", "dev-dependencies"):
            found = _pep508_list(f"[tool.pdm.dev-dependencies].{key[3]}", False, entry)
        if found is not None:
            yield found
    for group, name in includes:  # PEP 735: {include-group = "test"}
        included = groups.get(normalize(name))
        if included is not None and included is not group:
            group.requirements.extend(_unlocated(requirement) for requirement in included.requirements)
    yield from _poetry_lists(document)
    dynamic = _dig(data, "tool", "setuptools", "dynamic", "dependencies", "file")
    if read is not None and dynamic is not None:
        files = [dynamic] if isinstance(dynamic, str) else dynamic if isinstance(dynamic, list) else []
        included_requirements = [
            requirement for name in files if isinstance(name, str) for requirement in read(path.parent / name)
        ]
        if included_requirements:
            dynamic_key = ("tool", "setuptools", "dynamic", "dependencies")
            statement = next((e for e in document.entries if e.key[:4] == dynamic_key), None)
            span = (statement.key_start, statement.key_end) if statement is not None else (0, 0)
            yield DependencyList("[tool.setuptools.dynamic].dependencies", True, span, included_requirements)


def _unlocated(requirement: Declared) -> Declared:
    return Declared(requirement.name, requirement.extras, requirement.versions, None, requirement.written)


def _dig(data: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _poetry_lists(document: TomlDocument) -> Iterator[DependencyList]:
    """Poetry's `[tool.poetry.dependencies]`, `[tool.poetry.group.<g>.dependencies]` and
    `[tool.poetry.dev-dependencies]` tables."""
    tables: dict[tuple[str, ...], list[TomlEntry]] = {}
    for entry in _flatten(document.entries):
        key = entry.key
        for prefix in _poetry_prefixes(key):
            tables.setdefault(prefix, []).append(entry)
    for prefix, entries in tables.items():
        header = document.header(prefix)
        direct = [entry for entry in entries if len(entry.key) == len(prefix) + 1]
        if header is not None:
            span = (header.start, header.end)
        elif direct:
            span = (direct[0].key_start, direct[0].key_end)
        else:
            span = (entries[0].key_start, entries[0].key_end)
        label = "[" + ".".join(prefix) + "]"
        found = DependencyList(label, prefix[-1] == "dependencies" and len(prefix) == 3, span)
        found.handle = _PoetryList(tuple(direct))
        names: dict[str, list[TomlEntry]] = {}
        for entry in entries:
            names.setdefault(entry.key[len(prefix)], []).append(entry)
        for name, statements in names.items():
            if normalize(name) in POETRY_NON_PACKAGES:
                continue
            declared = _poetry_dependency(name, statements, len(prefix), document.text)
            if declared is not None:
                found.requirements.append(declared)
        yield found


def _poetry_prefixes(key: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if len(key) >= 4 and key[:3] in (("tool", "poetry", "dependencies"), ("tool", "poetry", "dev-dependencies")):
        yield key[:3]
    elif len(key) >= 6 and key[:3] == ("tool", "poetry", "group") and key[4] == "dependencies":
        yield key[:5]


def _poetry_dependency(name: str, statements: list[TomlEntry], depth: int, text: str) -> Declared | None:
    direct = next((entry for entry in statements if len(entry.key) == depth + 1), None)
    if direct is not None:
        value = direct.value
        span = (direct.key_start, value.end)
        if value.kind == "string":
            versions = poetry_versions(value.value)
            extras: frozenset[str] = frozenset()
        elif value.kind == "table":
            fields = {entry.key: entry.value for entry in value.entries}
            versions, extras = _poetry_table_versions(fields), _poetry_extras(fields.get(("extras",)))
        elif value.kind == "array":  # several constraints, one per Python version / platform
            alternatives: list[Versions] = []
            found: set[str] = set()
            for item in value.items:
                if item.kind == "table":
                    fields = {entry.key: entry.value for entry in item.entries}
                    alternatives.append(_poetry_table_versions(fields))
                    found |= _poetry_extras(fields.get(("extras",)))
            versions = (
                Versions(tuple(s for v in alternatives for s in v.alternatives), all(v.known for v in alternatives))
                if alternatives
                else UNKNOWN_VERSIONS
            )
            if any(v.unpinned for v in alternatives):
                versions = ANY_VERSION
            extras = frozenset(found)
        else:
            return None
        return Declared(normalize(name), extras, versions, span, _written(text, span, name), handle=_PoetryItem(direct))
    table = tuple(entry for entry in statements if len(entry.key) == depth + 2)
    if not table:
        return None
    fields = {entry.key[-1:]: entry.value for entry in table}
    version = fields.get(("version",))
    return Declared(
        normalize(name),
        _poetry_extras(fields.get(("extras",))),
        _poetry_table_versions(fields),
        (table[0].key_start, table[0].value.end),
        f'{name} = "{version.value}"' if version is not None and version.kind == "string" else name,
        handle=_PoetryItem(None, table),
    )


def _written(text: str, span: tuple[int, int], name: str) -> str:
    """A Poetry dependency as written (its name alone when that is long or spans lines)."""
    written = text[span[0] : span[1]]
    return written if len(written) <= 80 and "\n" not in written and "\r" not in written else name


def _poetry_extras(value: TomlValue | None) -> frozenset[str]:
    if value is None or value.kind != "array":
        return frozenset()
    return frozenset(normalize(item.value) for item in value.items if item.kind == "string")


def _poetry_table_versions(fields: dict[tuple[str, ...], TomlValue]) -> Versions:
    version = fields.get(("version",))
    if version is not None and version.kind == "string":
        return poetry_versions(version.value)
    return ANY_VERSION  # git / path / url dependencies: whatever that source holds
