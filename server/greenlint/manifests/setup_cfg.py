"""setup.cfg: `[options] install_requires` and `[options.extras_require]`, read the way setuptools reads them
(one requirement per line, or `;`-separated on one line; `file:` directives; no inline comments)."""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import Path

from greenlint.core.finding import Edit
from greenlint.core.source import Position
from greenlint.manifests.model import Declared, DependencyList, Manifest, ManifestError
from greenlint.manifests.pep508 import extra_insertion, parse_requirement
from greenlint.manifests.requirements_txt import ReadIncluded

_SECTION = re.compile(r"\[([^\]]+)\]")
_OPTION = re.compile(r"([^=:\s][^=:]*?)\s*[=:]\s?")


@dataclass(frozen=True)
class _Item:
    """A requirement's text in the file, and the value it belongs to."""

    start: int
    text: str
    value: _Value


@dataclass(eq=False)
class _Value:
    """The value of an option: its requirements' (start, text), and whether it spans several lines."""

    key_start: int
    key_end: int
    items: list[tuple[int, str]]
    multiline: bool
    semicolons: bool


@dataclass(eq=False)
class SetupCfgManifest(Manifest):
    kind: str = "setup.cfg"
    comments: bool = False  # setuptools keeps inline comments: a noqa comment would join the requirement

    def add_extra(self, requirement: Declared, extra: str) -> list[Edit] | None:
        handle = requirement.handle
        if not isinstance(handle, _Item):
            return None
        found = extra_insertion(handle.text, extra)
        if found is None:
            return None
        index, new_text = found
        return [Edit(handle.start + index, handle.start + index, new_text)]

    def add_requirement(self, dependencies: DependencyList, after: Declared | None, name: str) -> list[Edit] | None:
        value = dependencies.handle
        if not isinstance(value, _Value) or value.semicolons:
            return None
        anchor = after.handle if after is not None and isinstance(after.handle, _Item) else None
        start = anchor.start if anchor is not None else value.items[-1][0] if value.items else None
        if start is None:
            return None
        line_start, _, _ = self.line_bounds(start)
        line = self.text[line_start:start]
        indent = line if value.multiline and not line.strip() else "    "
        return [self.insert_line_after(start, f"{indent}{name}")]


def _check_syntax(text: str) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    try:
        parser.read_string(text)
    except configparser.MissingSectionHeaderError as error:
        raise ManifestError("invalid setup.cfg: a line before the first [section]", Position(error.lineno, 1)) from None
    except configparser.ParsingError as error:
        line = error.errors[0][0] if error.errors else 1
        raise ManifestError(
            "invalid setup.cfg: a line that is neither a section nor an option", Position(line, 1)
        ) from None
    except (configparser.DuplicateSectionError, configparser.DuplicateOptionError) as error:
        raise ManifestError(
            f"invalid setup.cfg: {error.message.split(':', 1)[-1].strip()}", Position(error.lineno or 1, 1)
        ) from None
    except configparser.Error as error:
        raise ManifestError(f"invalid setup.cfg: {error}", Position(1, 1)) from None


def parse_setup_cfg(path: Path, text: str, read_included: ReadIncluded | None = None) -> SetupCfgManifest:
    """The install and extra requirements of a setup.cfg; raises ManifestError when configparser rejects it."""
    _check_syntax(text)
    manifest = SetupCfgManifest(path, text)
    section = ""
    current: tuple[str, str, _Value] | None = None  # section, key, value of the option being read
    values: list[tuple[str, str, _Value]] = []
    for match in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n|$)", text):
        if match.start() == len(text) and not match.group():
            break
        body = match.group().rstrip("\r\n")
        start = match.start()
        stripped = body.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if body[0] in " \t":  # a continuation line of the current option's value
            if current is not None:
                offset = start + len(body) - len(body.lstrip())
                current[2].items.append((offset, stripped))
                current[2].multiline = True
            continue
        header = _SECTION.match(body)
        if header is not None:
            section, current = header.group(1).strip(), None
            continue
        option = _OPTION.match(body)
        if option is None:
            current = None
            continue
        key = option.group(1).strip()
        value = _Value(start + option.start(1), start + option.end(1), [], False, False)
        current = (section, key, value)
        values.append(current)
        rest = body[option.end() :]
        if rest.strip():
            value.items.append((start + option.end() + len(rest) - len(rest.lstrip()), rest.strip()))
    for section, key, value in values:
        if section == "options" and key == "install_requires":
            label, main = "[options] install_requires", True
        elif section == "options.extras_require":
            label, main = f"[options.extras_require] {key}", False
        else:
            continue
        dependencies = DependencyList(label, main, (value.key_start, value.key_end), handle=value)
        manifest.lists.append(dependencies)
        items = value.items
        if not value.multiline and items:  # setuptools splits a one-line value at `;`
            offset, single = items[0]
            value.semicolons = ";" in single
            items = []
            for piece in re.finditer(r"[^;\s](?:[^;]*[^;\s])?", single):
                items.append((offset + piece.start(), piece.group()))
        for offset, requirement_text in items:
            if requirement_text.startswith("file:"):
                if read_included is not None:
                    for name in requirement_text[len("file:") :].split(","):
                        if name.strip():
                            dependencies.requirements.extend(read_included(path.parent / name.strip()))
                continue
            parsed = parse_requirement(requirement_text)
            if parsed is None:
                continue
            dependencies.requirements.append(
                Declared(
                    parsed.name,
                    parsed.extras,
                    parsed.versions,
                    (offset, offset + len(requirement_text)),
                    requirement_text,
                    handle=_Item(offset, requirement_text, value),
                )
            )
    return manifest
