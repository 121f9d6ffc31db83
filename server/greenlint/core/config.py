"""Settings from `[tool.greenlint]` in the nearest pyproject.toml, and command-line overrides."""

from __future__ import annotations

import re
import reprlib
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pathspec

from greenlint.core.files import resolved
from greenlint.core.finding import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the Python 3.10 CI run
    import tomli as tomllib

_KEYS = ("select", "ignore", "per-file-ignores", "severity", "exclude")


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line that names the file and the problem."""


@dataclass(frozen=True)
class Settings:
    """Which rules run and how findings are presented. Selectors are code prefixes (GL0, GL002) or rule names."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    root: Path | None = None  # where the configuration lives: patterns are relative to it
    source: Path | None = None

    def with_overrides(self, select: Sequence[str] | None, ignore: Sequence[str] | None) -> Settings:
        """Command-line selection: `select` replaces the configured one, `ignore` adds to it (as in ruff)."""
        return replace(
            self,
            select=tuple(select) if select is not None else self.select,
            ignore=(*self.ignore, *ignore) if ignore is not None else self.ignore,
        )

    def ignored_for(self, path: Path) -> tuple[str, ...]:
        """Selectors that per-file-ignores turns off for `path`."""
        if not self.per_file_ignores:
            return ()
        relative = _relative(path, self.root)
        found: list[str] = []
        for pattern, selectors in self.per_file_ignores:
            if _spec((pattern,)).match_file(relative):
                found.extend(selectors)
        return tuple(found)

    def is_excluded(self, path: Path) -> bool:
        return bool(self.exclude) and _spec(self.exclude).match_file(_relative(path, self.root))

    def fingerprint(self) -> str:
        """Identifies everything in these settings that changes a file's findings."""
        return repr((self.select, self.ignore, sorted((k, v.value) for k, v in self.severity.items())))


@lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _relative(path: Path, root: Path | None) -> str:
    absolute = resolved(path)
    if root is not None:
        try:
            return absolute.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return absolute.as_posix()


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a [tool.greenlint] table."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        path = candidate / "pyproject.toml"
        if path.is_file() and _has_section(path):
            return path
    return None


def _has_section(path: Path) -> bool:
    """Whether a pyproject.toml configures greenlint (an unparsable one that mentions it counts, to report it)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "greenlint" not in text:
        return False
    try:
        tool = tomllib.loads(text).get("tool", {})
    except (tomllib.TOMLDecodeError, RecursionError, MemoryError, ValueError):
        return True  # load_settings says what is wrong with it
    return isinstance(tool, dict) and "greenlint" in tool


def load_settings(path: Path, known_codes: Iterable[tuple[str, str]]) -> Settings:
    """Read and validate [tool.greenlint] of `path`; raise ConfigError with one clear line otherwise."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise ConfigError(f"{path}: invalid TOML: values nested too deeply") from None
    except MemoryError:
        raise ConfigError(f"{path}: invalid TOML: too large") from None
    except ValueError as error:  # an integer of thousands of digits
        raise ConfigError(f"{path}: invalid TOML: {shown(str(error), 120, quoted=False)}") from None
    table = data.get("tool", {}).get("greenlint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.greenlint] must be a table")
    return parse_settings(table, path, list(known_codes))


def parse_settings(table: Mapping[str, Any], path: Path, known: Sequence[tuple[str, str]]) -> Settings:
    """Validate a [tool.greenlint] table; `known` lists (code, name) of every rule."""
    where = f"{path}: [tool.greenlint]"
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {shown(unknown[0])} (expected one of: {', '.join(_KEYS)})")

    def selectors(value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{where}: {key} must be a list of strings, got {shown(value)}")
        for item in value:
            check_selector(item, known, f"{where}: {key}")
        return tuple(value)

    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of glob = [selectors]")
    severities = table.get("severity", {})
    if not isinstance(severities, dict):
        raise ConfigError(f'{where}: severity must be a table of code = "error"|"warning"|"information"|"hint"')
    severity: dict[str, Severity] = {}
    for key, value in severities.items():
        check_selector(key, known, f"{where}: severity")
        try:
            severity[key.upper() if key[:2].upper() == "GL" else key] = Severity(value)
        except (ValueError, TypeError):
            raise ConfigError(
                f'{where}: severity of {shown(key, quoted=False)} must be "error", "warning", "information" or "hint", '
                f"got {shown(value)}"
            ) from None
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(item, str) for item in exclude):
        raise ConfigError(f"{where}: exclude must be a list of glob strings, got {shown(exclude)}")
    for pattern in (*exclude, *per_file):
        try:
            _spec((pattern,))
        except (ValueError, re.error) as error:
            key = "exclude" if pattern in exclude else "per-file-ignores"
            raise ConfigError(
                f"{where}: {key}: invalid glob {shown(pattern)}: {shown(str(error), quoted=False)}"
            ) from None
    return Settings(
        select=selectors(table.get("select", []), "select"),
        ignore=selectors(table.get("ignore", []), "ignore"),
        per_file_ignores=tuple(
            (pattern, selectors(value, f"per-file-ignores[{shown(pattern)}]")) for pattern, value in per_file.items()
        ),
        severity=severity,
        exclude=tuple(exclude),
        root=path.parent,
        source=path,
    )


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60


def shown(value: Any, limit: int = 60, quoted: bool = True) -> str:
    """A value as messages show it, cut short: a hostile configuration's values can be huge, or deeply nested."""
    if not quoted and isinstance(value, str):
        return value if len(value) <= limit else f"{value[: limit - 3]}... ({len(value)} characters)"
    return _SHORT.repr(value)


def severity_for(overrides: Mapping[str, Severity], code: str, name: str, default: Severity) -> Severity:
    """The configured severity of a rule: by name or exact code, else by the longest matching code prefix."""
    if name in overrides:
        return overrides[name]
    prefixes = [key for key in overrides if code.startswith(key.upper())]
    return overrides[max(prefixes, key=len)] if prefixes else default


def check_selector(selector: str, known: Sequence[tuple[str, str]], where: str) -> None:
    """Raise ConfigError unless `selector` is a code prefix or a name of some rule."""
    if not any(matches(selector, code, name) for code, name in known):
        raise ConfigError(
            f"{where}: unknown rule selector {shown(selector)} (a code such as GL002, a prefix, or a name)"
        )


def matches(selector: str, code: str, name: str) -> bool:
    """Whether a selector (code prefix or rule name) selects the rule `code` / `name`."""
    return code.startswith(selector.upper()) or selector == name
