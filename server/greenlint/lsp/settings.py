"""Editor settings (`greenlint.*`), read leniently: a bad value is reported and ignored, never fatal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from greenlint.core.config import ConfigError, Settings, check_selector
from greenlint.core.finding import Severity
from greenlint.rules.registry import known_codes

RUN_ON_TYPE, RUN_ON_SAVE = "onType", "onSave"


@dataclass(frozen=True)
class ClientSettings:
    """What the editor configured; None / empty means "use pyproject.toml"."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    severity: Mapping[str, Severity] = field(default_factory=dict)
    run: str = RUN_ON_TYPE
    disable_rule_comment: bool = True
    fix_all: bool = True
    debounce_ms: int = 150

    @classmethod
    def parse(cls, raw: Any, warn: Callable[[str], None]) -> ClientSettings:
        """Settings from initializationOptions or workspace/configuration (`{"greenlint": {...}}` or `{...}`)."""
        if isinstance(raw, dict) and isinstance(raw.get("greenlint"), dict):
            raw = raw["greenlint"]
        if isinstance(raw, dict) and isinstance(raw.get("settings"), dict):
            raw = raw["settings"]
        if not isinstance(raw, dict):
            return cls()
        values: dict[str, Any] = {}
        for key, name in (("select", "select"), ("ignore", "ignore")):
            selectors = _selectors(raw.get(key), key, warn)
            if selectors is not None:
                values[name] = selectors
        values["severity"] = _severities(raw.get("severity"), warn)
        run = raw.get("run", RUN_ON_TYPE)
        if run in (RUN_ON_TYPE, RUN_ON_SAVE):
            values["run"] = run
        else:
            warn(f"greenlint.run must be {RUN_ON_TYPE!r} or {RUN_ON_SAVE!r}, got {run!r}")
        comment = (
            raw.get("codeAction", {}).get("disableRuleComment", {}) if isinstance(raw.get("codeAction"), dict) else {}
        )
        if isinstance(comment, dict) and isinstance(comment.get("enable"), bool):
            values["disable_rule_comment"] = comment["enable"]
        if isinstance(raw.get("fixAll"), bool):
            values["fix_all"] = raw["fixAll"]
        debounce = raw.get("debounce")
        if isinstance(debounce, int) and not isinstance(debounce, bool) and 0 <= debounce <= 10_000:
            values["debounce_ms"] = debounce
        elif debounce is not None:
            warn(f"greenlint.debounce must be milliseconds between 0 and 10000, got {debounce!r}")
        return cls(**values)

    def over(self, settings: Settings) -> Settings:
        """These settings merged over a pyproject.toml's: editor rule lists replace, severities merge."""
        changes: dict[str, Any] = {}
        if self.select is not None:
            changes["select"] = self.select
        if self.ignore is not None:
            changes["ignore"] = self.ignore
        if self.severity:
            changes["severity"] = {**settings.severity, **self.severity}
        return replace(settings, **changes)


def _selectors(value: Any, key: str, warn: Callable[[str], None]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        warn(f"greenlint.{key} must be a list of rule codes or names, got {value!r}")
        return None
    valid = []
    for item in value:
        try:
            check_selector(item, known_codes(), f"greenlint.{key}")
        except ConfigError as error:
            warn(str(error))
            continue
        valid.append(item)
    return tuple(valid) if valid or not value else None


def _severities(value: Any, warn: Callable[[str], None]) -> dict[str, Severity]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        warn(f"greenlint.severity must map rule codes or names to a severity, got {value!r}")
        return {}
    found: dict[str, Severity] = {}
    for key, level in value.items():
        try:
            check_selector(str(key), known_codes(), "greenlint.severity")
            found[str(key)] = Severity(level)
        except (ConfigError, ValueError) as error:
            warn(f"greenlint.severity[{key!r}]: {error}")
    return found
