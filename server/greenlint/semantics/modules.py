"""Module names: the dotted name Python imports a file by, and absolute forms of relative imports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModuleName:
    """A module's dotted name, and whether it is a package (`__init__.py`: its relative imports start at itself)."""

    name: str
    is_package: bool = False

    def absolute(self, qualified: str) -> str:
        """`..deps.get_db` imported in `app.routers.users` is `app.deps.get_db`; absolute names are unchanged."""
        if not qualified.startswith("."):
            return qualified
        rest = qualified.lstrip(".")
        levels = len(qualified) - len(rest)
        parts = self.name.split(".") if self.name else []
        if not self.is_package:
            parts = parts[:-1]
        parts = parts[: max(len(parts) - (levels - 1), 0)]
        return ".".join([*parts, rest] if rest else parts)

    def qualify(self, local: str) -> str:
        """The qualified name of a module-level name of this module."""
        return f"{self.name}.{local}" if self.name else local


def module_name(path: Path, is_package_directory: dict[Path, bool] | None = None) -> ModuleName:
    """The name Python imports `path` by: its stem, under every enclosing directory that has an `__init__.py`."""
    cache = is_package_directory if is_package_directory is not None else {}
    is_package = path.stem == "__init__"
    parts = [] if is_package else [path.stem]
    directory = path.parent
    while True:
        known = cache.get(directory)
        if known is None:
            known = (directory / "__init__.py").is_file()
            cache[directory] = known
        if not known or directory.parent == directory:
            break
        parts.append(directory.name)
        directory = directory.parent
    return ModuleName(".".join(reversed(parts)), is_package)
