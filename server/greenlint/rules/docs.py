"""Rule documentation rendered from the rule modules: `greenlint rule CODE`, docs/rules/*.md and the README's
"What greenlint prevents" table.

Regenerate the committed pages with `python -m greenlint.rules.docs docs/rules`, the table (between its markers in
README.md) with `python -m greenlint.rules.docs --readme README.md`.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

from greenlint.rules.base import BaseRule, Verified
from greenlint.rules.manifest import ManifestExample, ManifestRule
from greenlint.rules.registry import ALL_RULES

_MARKER = re.compile(r"[ \t]*# expect: [A-Z0-9, ]+$", re.MULTILINE)
RUNTIME_TESTS = "../../tests/runtime"  # from docs/rules
PREVENTS_START, PREVENTS_END = "<!-- prevents:start -->", "<!-- prevents:end -->"


def _clean(code: str) -> str:
    return _MARKER.sub("", code).rstrip() + "\n"


def render(rule: BaseRule) -> str:
    """The markdown page of a rule."""
    parts = [
        f"# {rule.code}: {rule.name}\n",
        f"**Severity:** {rule.severity.value}\n",
        f"{rule.summary}\n",
        "## What happens at runtime\n",
        textwrap.dedent(rule.explanation).strip() + "\n",
        "## Fix\n",
        textwrap.dedent(rule.fix_description).strip() + "\n",
        *_verified(rule.verified),
        "## Examples\n",
    ]
    project = ""
    for example in rule.examples:
        title = "Correct (not reported)" if example.valid else "Reported"
        fence = "python"
        if isinstance(example, ManifestExample):
            fence = example.fence
            if example.project != project:  # the project's code, before the first manifest of it
                project = example.project
                parts.append(f"In a project whose code is:\n\n```python\n{example.project.rstrip()}\n```\n")
            title += f", `{example.filename}`"
        parts.append(f"{title}:\n\n```{fence}\n{_clean(example.code)}```\n")
        if example.fixed is not None:
            parts.append(f"After the fix:\n\n```{fence}\n{_clean(example.fixed)}```\n")
    parts += ["## Suppressing\n", _suppressing(rule)]
    return "\n".join(parts)


def _verified(outcomes: tuple[Verified, ...]) -> list[str]:
    if not outcomes:
        return []
    parts = [
        "## Verified behaviour\n",
        "Established by tests/runtime, which run each program for real, then again after greenlint's fix:\n",
    ]
    for item in outcomes:
        module, _, test = item.test.partition("::")
        where = f"{' and '.join(item.databases)}; SQLAlchemy {' and '.join(item.sqlalchemy)}"
        parts.append(
            f"- **{item.case}** ({where}): {item.outcome} After the fix: {item.fixed} "
            f"([`{test}`]({RUNTIME_TESTS}/{module}))\n"
        )
    return parts


def prevents_table() -> str:
    """The README's table: each rule with the runtime outcome its first verified case establishes."""
    rows = [
        "| rule | without greenlint (verified at runtime) | after the fix |",
        "|---|---|---|",
    ]
    for rule in ALL_RULES:
        first = rule.verified[0]
        rows.append(f"| [{rule.code}](docs/rules/{rule.code}.md) {rule.name} | {first.outcome} | {first.fixed} |")
    return "\n".join(rows) + "\n"


def with_prevents_table(readme: str) -> str:
    """`readme` with the text between the table's markers replaced by the current table."""
    start, end = readme.index(PREVENTS_START) + len(PREVENTS_START), readme.index(PREVENTS_END)
    return f"{readme[:start]}\n{prevents_table()}{readme[end:]}"


def _suppressing(rule: BaseRule) -> str:
    config = f'turn the rule off in `pyproject.toml`: `[tool.greenlint] ignore = ["{rule.code}"]`'
    if isinstance(rule, ManifestRule):
        return (
            f"Add `# noqa: {rule.code}` or `# greenlint: ignore[{rule.name}]` at the end of the reported line of "
            f"`pyproject.toml` or a requirements file (`setup.cfg` allows no comment there: list the file in "
            f"`per-file-ignores` instead), or {config}.\n"
        )
    return f"Add `# noqa: {rule.code}` or `# greenlint: ignore[{rule.name}]` to the reported line, or {config}.\n"


def write_all(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for rule in ALL_RULES:
        path = directory / f"{rule.code}.md"
        path.write_text(render(rule), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    if sys.argv[1:2] == ["--readme"]:
        readme_path = Path(sys.argv[2])
        readme_path.write_text(with_prevents_table(readme_path.read_text(encoding="utf-8")), encoding="utf-8")
        print(readme_path)
    else:
        for written_path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")):
            print(written_path)
