"""Output formats of `greenlint check`: text, json, sarif and github."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from greenlint import __version__
from greenlint.core.checker import Record
from greenlint.rules.registry import ALL_RULES

FORMATS = ("text", "json", "sarif", "github")
_SARIF_LEVEL = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(
    records: Sequence[Record], output_format: str, fixed: int = 0, fixing: bool = False, complete: bool = True
) -> str:
    """The output for `records`; `complete` is False when some files could not be checked."""
    if output_format == "json":
        return json.dumps(list(records), indent=2, ensure_ascii=False) + "\n"
    if output_format == "sarif":
        return json.dumps(sarif(records), indent=2, ensure_ascii=False) + "\n"
    if output_format == "github":
        return "".join(github_line(record) + "\n" for record in records)
    return text(records, fixed, fixing, complete)


def text(records: Sequence[Record], fixed: int, fixing: bool, complete: bool = True) -> str:
    lines = []
    for record in records:
        fix = record["fix"]
        marker = " [*]" if fix is not None and fix["applicability"] == "safe" else ""
        lines.append(
            f"{record['path']}:{record['line']}:{record['column']}: {record['code']}{marker} {record['message']}"
        )
    if fixing and fixed:
        lines.append(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}, {len(records)} remaining.")
    if not records:
        lines.append("All checks passed!" if complete else "No findings in the files that could be checked.")
        return "\n".join(lines) + "\n"
    severities = Counter(record["severity"] for record in records)
    breakdown = ", ".join(
        f"{severities[level]} {level}{'s' if severities[level] != 1 and level != 'information' else ''}"
        for level in ("error", "warning", "information", "hint")
        if severities[level]
    )
    lines.append(f"Found {len(records)} finding{'s' if len(records) != 1 else ''} ({breakdown}).")
    safe = sum(1 for r in records if r["fix"] is not None and r["fix"]["applicability"] == "safe")
    unsafe = sum(1 for r in records if r["fix"] is not None and r["fix"]["applicability"] == "unsafe")
    if safe or unsafe:
        hint = f"[*] {safe} fixable with --fix"
        if unsafe:
            hint += f" ({unsafe} more with --fix --unsafe-fixes)"
        lines.append(hint + ".")
    return "\n".join(lines) + "\n"


def _escape(value: str, property_value: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if property_value else value


def github_line(record: Record) -> str:
    """A GitHub Actions workflow command that annotates the finding in the pull request."""
    properties = ",".join(
        f"{key}={_escape(str(value), True)}"
        for key, value in (
            ("file", record["path"]),
            ("line", record["line"]),
            ("col", record["column"]),
            ("endLine", record["end_line"]),
            ("endColumn", record["end_column"]),
            ("title", f"{record['code']} {record['name']}"),
        )
    )
    return f"::{_GITHUB_LEVEL[record['severity']]} {properties}::{_escape(record['message'])}"


def _uri(path: str) -> str:
    """A relative (or file:) URI reference for a path, percent-encoded."""
    posix = PurePath(path).as_posix()
    if PurePath(path).is_absolute():
        return PurePath(path).as_uri()
    return quote(posix)


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def sarif(records: Sequence[Record]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run."""
    index = {rule.code: position for position, rule in enumerate(ALL_RULES)}
    results = []
    for record in records:
        location = {
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(record["path"])},
                "region": _region(record["line"], record["column"], record["end_line"], record["end_column"]),
            }
        }
        result: dict[str, Any] = {
            "ruleId": record["code"],
            "ruleIndex": index[record["code"]],
            "level": _SARIF_LEVEL[record["severity"]],
            "message": {"text": record["message"]},
            "locations": [location],
        }
        fix = record["fix"]
        if fix is not None and "edits" in fix:
            replacements = [
                {
                    "deletedRegion": _region(e["line"], e["column"], e["end_line"], e["end_column"]),
                    "insertedContent": {"text": e["new_text"]},
                }
                for e in fix["edits"]
            ]
            result["fixes"] = [
                {
                    "description": {"text": fix["message"]},
                    "artifactChanges": [
                        {"artifactLocation": {"uri": _uri(record["path"])}, "replacements": replacements}
                    ],
                }
            ]
        results.append(result)
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "helpUri": rule.url,
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity.value]},
        }
        for rule in ALL_RULES
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "greenlint",
                        "version": __version__,
                        "informationUri": "https://github.com/greenlint/greenlint",
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
