"""A workspace whose every module leaves a marker file when it is imported, for the tests that prove checking (CLI)
and serving (language server) never import or run the code they read."""

from __future__ import annotations

import textwrap
from pathlib import Path

# Modules greenlint (or what it imports) loads lazily, after start-up: shadowed by the workspace, they would run.
SHADOWING = [
    "difflib",
    "tempfile",
    "json",
    "traceback",
    "hashlib",
    "tomllib",
    "tomli",
    "libcst",
    "pathspec",
    "packaging",
    "pygls",
    "lsprotocol",
    "attrs",
    "cattrs",
    "typing_extensions",
    "concurrent",
    "sqlalchemy",
    "fastapi",
    "greenlet",
]
# Modules Python or tools import implicitly.
IMPLICIT = ["sitecustomize", "usercustomize", "conftest", "setup", "build_backend", "noxfile", "manage", "__main__"]


def bait(name: str, markers: Path) -> str:
    """A module that leaves `markers/NAME` when imported, and has a GL002 finding (line 9)."""
    return textwrap.dedent(
        f"""\
        import pathlib

        pathlib.Path({str(markers)!r}, {name!r}).write_text("imported")

        from sqlalchemy.ext.asyncio import AsyncSession


        async def save(db: AsyncSession) -> None:
            db.commit()
        """
    )


def bait_workspace(root: Path, markers: Path) -> dict[str, str]:
    """Write the bait workspace under `root`; its files (to compare after a run that must not change them)."""
    files = {f"{name}.py": bait(name, markers) for name in SHADOWING + IMPLICIT}
    files["app/__init__.py"] = bait("app.__init__", markers)
    files["app/models.py"] = bait("app.models", markers)
    files["app/routes.py"] = "from app.models import save\n" + bait("app.routes", markers)
    files["app/__main__.py"] = bait("app.__main__", markers)
    files["packaging_pkg/__init__.py"] = bait("packaging_pkg", markers)
    files["tests/conftest.py"] = bait("tests.conftest", markers)
    files["evil.pth"] = f"import pathlib; pathlib.Path({str(markers)!r}, 'evil.pth').write_text('imported')\n"
    files["pyproject.toml"] = textwrap.dedent(
        """\
        [build-system]
        requires = []
        build-backend = "build_backend"
        backend-path = ["."]

        [project]
        name = "bait"
        version = "1"
        dependencies = ["sqlalchemy>=2", "fastapi"]
        """
    )
    files["setup.cfg"] = "[options]\ninstall_requires =\n    sqlalchemy>=2\n"
    files["requirements.txt"] = "-e .\n-r requirements-dev.txt\nsqlalchemy>=2\n"
    files["requirements-dev.txt"] = "pytest\n"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return files
