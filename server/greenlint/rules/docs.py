"""Rule documentation rendered from the rule modules: `greenlint rule CODE` and docs/rules/*.md.

Regenerate the committed pages with `python -m greenlint.rules.docs docs/rules`.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

from greenlint.rules.base import BaseRule
from greenlint.rules.manifest import ManifestExample, ManifestRule
from greenlint.rules.registry import ALL_RULES

_MARKER = re.compile(r"[ \t]*# expect: [A-Z0-9, ]+$", re.MULTILINE)


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
    for written_path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")):
        print(written_path)
