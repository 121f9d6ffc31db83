"""The workspace index: every module's summary, computed on demand and cached by content; and the view of the
workspace one module's analysis resolves its imports through."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from greenlint.core.parsing import parse
from greenlint.core.source import SourceDecodeError, SourceText
from greenlint.semantics.index_cache import SummaryCache
from greenlint.semantics.infer import Alias, Dependency
from greenlint.semantics.models import Definition, Model, Schema, build_model, build_schema, is_mapped
from greenlint.semantics.modules import ModuleName, module_name
from greenlint.semantics.names import SESSION_CLASSES
from greenlint.semantics.summarize import summarize
from greenlint.semantics.summary import ArgFact, CallFact, FunctionFact, Loc, ModuleSummary, Place, ValueFact
from greenlint.semantics.values import Kind, Value
from greenlint.semantics.walker import gather_facts

MAX_INDEXED_BYTES = 2 * 1024 * 1024  # larger files are generated code, not models or dependencies
_MAX_DEPTH = 16
_CALLED = re.compile(r"([A-Za-z_]\w*)[ \t]*\(")
_CLASS_STATEMENT = re.compile(r"^class[ \t]+(\w+)", re.MULTILINE)
_ASSIGNED_BASE = re.compile(r"^(\w+)[ \t]*(?::[^=\n]*)?=[ \t]*(?:\w+\.)*declarative_base\(", re.MULTILINE)
MISSING = "?"  # WorkspaceView.consulted: a module looked up that the workspace does not have
EVERY_MODULE = "*"  # WorkspaceView.consulted: every module was searched
CALLERS = "("  # WorkspaceView.consulted: the files calling a name, by their digests


def summary_key(name: ModuleName, text: str) -> str:
    digest = hashlib.sha256(f"{name.name}\0{name.is_package}\0".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def summarize_text(text: str, name: ModuleName) -> ModuleSummary:
    """A module's summary from its text; a text that does not parse contributes nothing."""
    module = parse(text)
    if not isinstance(module, cst.Module):
        return ModuleSummary(name.name, name.is_package)
    try:
        facts = gather_facts(module)
    except RecursionError:  # nested too deeply (past the parse's limit): contributes nothing, like a syntax error
        return ModuleSummary(name.name, name.is_package)
    try:
        return summarize(text, facts, name)
    except RecursionError:
        return ModuleSummary(name.name, name.is_package)
    finally:
        facts.release()


class WorkspaceIndex:
    """The Python files of a workspace by module name, and their summaries (computed when first asked for).

    Open documents overlay their files' summaries with the summary of the editor's text. Thread-safe.
    """

    def __init__(self, cache: SummaryCache | None = None) -> None:
        self.cache = cache
        self._lock = threading.RLock()
        self._modules: dict[str, list[Path]] = {}
        self._names: dict[Path, ModuleName] = {}
        self._summaries: dict[Path, ModuleSummary] = {}
        self._overlays: dict[Path, ModuleSummary] = {}
        self._package_directories: dict[Path, bool] = {}
        self._scans: dict[Path, tuple[frozenset[str], frozenset[str]]] = {}  # see _scanned

    # -- the files ---------------------------------------------------------------------------------------------
    def add(self, path: Path) -> ModuleName:
        """Register a file (idempotent); its summary is computed when first needed."""
        path = Path(os.path.abspath(path))
        with self._lock:
            name = self._names.get(path)
            if name is None:
                name = self._register(path)
                if path.name == "__init__.py":
                    self._packages_changed(path.parent)
                    name = self._names[path]
            return name

    def _register(self, path: Path) -> ModuleName:
        name = module_name(path, self._package_directories)
        self._names[path] = name
        self._modules.setdefault(name.name, []).append(path)
        return name

    def _unregister(self, path: Path) -> None:
        name = self._names.pop(path, None)
        if name is not None:
            self._modules[name.name] = [p for p in self._modules.get(name.name, []) if p != path]
        self._summaries.pop(path, None)
        self._scans.pop(path, None)

    def _packages_changed(self, directory: Path) -> None:
        """An `__init__.py` appeared or went: the files below its directory are imported by other names now."""
        self._package_directories.clear()
        for path in [path for path in self._names if directory in path.parents]:
            self._unregister(path)
            self._register(path)

    def add_all(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self.add(path)

    def remove(self, path: Path) -> None:
        path = Path(os.path.abspath(path))
        with self._lock:
            self._unregister(path)
            if path.name == "__init__.py":
                self._packages_changed(path.parent)

    def changed(self, path: Path) -> None:
        """The file changed on disk: its summary is computed again when next needed."""
        with self._lock:
            self._summaries.pop(Path(os.path.abspath(path)), None)
            self._scans.pop(Path(os.path.abspath(path)), None)

    def overlay(self, path: Path, summary: ModuleSummary | None) -> bool:
        """Use `summary` (an open document's) for `path`, or the file again when None; True if it changed."""
        path = Path(os.path.abspath(path))
        with self._lock:
            if summary is None:
                return self._overlays.pop(path, None) is not None
            previous = self._overlays.get(path) or self._summaries.get(path)
            self._overlays[path] = summary
            return previous is None or previous.digest != summary.digest

    def paths(self) -> list[Path]:
        with self._lock:
            return list(self._names)

    def name_of(self, path: Path) -> ModuleName:
        return self._names.get(Path(os.path.abspath(path))) or self.add(path)

    def files_of(self, module: str) -> list[Path]:
        with self._lock:
            return list(self._modules.get(module, ()))

    # -- summaries ---------------------------------------------------------------------------------------------
    def summary(self, path: Path) -> ModuleSummary:
        path = Path(os.path.abspath(path))
        with self._lock:
            found = self._overlays.get(path) or self._summaries.get(path)
            if found is not None:
                return found
            name = self.name_of(path)
        summary = self._read(path, name)  # outside the lock: other threads keep reading the index meanwhile
        with self._lock:
            return self._overlays.get(path) or self._summaries.setdefault(path, summary)

    def remember(self, path: Path, text: str, summary: ModuleSummary) -> None:
        """Keep a summary built from the file's current text (by an analysis of it), sparing a parse."""
        path = Path(os.path.abspath(path))
        with self._lock:
            self._summaries[path] = summary
            if self.cache is not None:
                self.cache.put(summary_key(self.name_of(path), text), summary)

    def _read(self, path: Path, name: ModuleName) -> ModuleSummary:
        try:
            if path.stat().st_size > MAX_INDEXED_BYTES:
                return ModuleSummary(name.name, name.is_package)
            text = SourceText.decode(path.read_bytes()).text
        except (OSError, SourceDecodeError):
            return ModuleSummary(name.name, name.is_package)
        key = summary_key(name, text)
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            return cached
        summary = summarize_text(text, name)
        if self.cache is not None:
            self.cache.put(key, summary)
        return summary

    def still_valid(self, consulted: dict[str, str]) -> bool:
        """Whether the modules a result was computed from are unchanged (see WorkspaceView.consulted)."""
        for key, digest in consulted.items():
            if key == EVERY_MODULE:
                return False
            if key.startswith(MISSING):
                if self.files_of(key[len(MISSING) :]):
                    return False
            elif key.startswith(CALLERS):
                if self.callers_digest(key[len(CALLERS) :]) != digest:
                    return False
            elif Path(key) not in self._names or self.summary(Path(key)).digest != digest:
                return False
        return True

    def asyncio_users(self) -> list[Path]:
        """The files that import SQLAlchemy's asyncio extension (reads every summary)."""
        return [path for path in self.paths() if self.summary(path).uses_asyncio]

    def engine_schemes(self) -> dict[str, list[Path]]:
        """The database URL schemes engines are created with (`postgresql+asyncpg`), and the files that do."""
        found: dict[str, list[Path]] = {}
        for path in self.paths():
            for scheme in self.summary(path).engine_schemes:
                found.setdefault(scheme, []).append(path)
        return found

    def classes_named(self, name: str) -> list[str]:
        """Absolute names of the workspace's classes called `name`: the files whose text declares such a class
        (a scan, not a parse), confirmed by their summaries."""
        found = []
        for path in self.paths():
            if name in self._declared_classes(path):
                summary = self.summary(path)
                if name in summary.classes:
                    found.append(ModuleName(summary.name).qualify(name))
        return found

    def callers_digest(self, name: str) -> str:
        """Changes when a file that calls `name` appears, goes, or offers other facts."""
        digest = hashlib.sha1(usedforsecurity=False)
        for path in sorted(self.callers_of(name)):
            digest.update(f"{path}\0{self.summary(path).digest}\0".encode())
        return digest.hexdigest()[:16]

    def callers_of(self, name: str) -> list[Path]:
        """The files whose text calls something named `name` (a scan, not a parse): where its call sites may be."""
        return [path for path in self.paths() if name in self._scanned(path)[1]]

    def _declared_classes(self, path: Path) -> frozenset[str]:
        return self._scanned(path)[0]

    def _scanned(self, path: Path) -> tuple[frozenset[str], frozenset[str]]:
        """The class names a file declares and the names it calls, from its summary or a scan of its text."""
        with self._lock:
            known = self._overlays.get(path)
            if known is not None:
                called = frozenset(call.target.rpartition(".")[2] for call in known.calls)
                return frozenset(known.classes), called
            scanned = self._scans.get(path)
        if scanned is None:
            try:
                text = path.read_bytes().decode("utf-8", "replace")
            except OSError:
                text = ""
            declared = frozenset(_CLASS_STATEMENT.findall(text)) | frozenset(_ASSIGNED_BASE.findall(text))
            scanned = declared, frozenset(_CALLED.findall(text))
            with self._lock:
                self._scans[path] = scanned
        return scanned

    def view(self, path: Path | None, own: ModuleSummary, name: ModuleName) -> WorkspaceView:
        return WorkspaceView(self, Path(os.path.abspath(path)) if path is not None else None, own, name)


def _argument_for(args: tuple[ArgFact, ...], params: tuple[str, ...], param: str) -> ArgFact | None:
    """The argument a call passes for a parameter (by position or keyword), among those it recorded."""
    position = params.index(param) if param in params else None
    for arg in args:
        if arg.keyword == param or (arg.keyword is None and arg.position == position):
            return arg
    return None


@dataclass(frozen=True)
class Symbol:
    """A module-level name of a workspace module (path None: the analysed module itself)."""

    summary: ModuleSummary
    name: str
    path: str | None

    @property
    def qualified(self) -> str:
        return ModuleName(self.summary.name).qualify(self.name)

    def place(self, loc: Loc | None) -> Place | None:
        if self.path is None or loc is None:
            return None
        return Place(self.path, loc, self.name, self.summary.name)


class WorkspaceView:
    """What one module's analysis sees of the workspace: its own summary, and the index for the rest.

    Records the modules it consulted (with their digests), so results can be reused while those are unchanged.
    """

    def __init__(self, index: WorkspaceIndex | None, path: Path | None, own: ModuleSummary, name: ModuleName) -> None:
        self.index = index
        self.path = path
        self.own = own
        self.name = name
        self.consulted: dict[str, str] = {}
        self._models: dict[str, Model | None] = {}
        self._schemas: dict[str, Schema | None] = {}
        self._module_memo: dict[str, tuple[ModuleSummary, str | None] | None] = {}
        self._symbol_memo: dict[str, Symbol | None] = {}

    def absolute(self, qualified: str) -> str:
        return self.name.absolute(qualified)

    def qualify(self, local: str) -> str:
        return self.name.qualify(local)

    # -- modules and symbols -----------------------------------------------------------------------------------
    def _module(self, module: str) -> tuple[ModuleSummary, str | None] | None:
        if module not in self._module_memo:
            self._module_memo[module] = self._find_module(module)
        return self._module_memo[module]

    def _find_module(self, module: str) -> tuple[ModuleSummary, str | None] | None:
        if module == self.own.name:
            return self.own, None
        if self.index is None:
            return None
        candidates = self.index.files_of(module)
        if not candidates:
            self.consulted[MISSING + module] = ""
            return None
        path = max(candidates, key=self._closeness) if len(candidates) > 1 else candidates[0]
        summary = self.index.summary(path)
        self.consulted[str(path)] = summary.digest
        return summary, str(path)

    def _closeness(self, path: Path) -> int:
        if self.path is None:
            return 0
        return len(os.path.commonpath([str(path), str(self.path)]))

    def symbol(self, qualified: str, depth: int = 0) -> Symbol | None:
        """The workspace definition an absolute name refers to, through imports and re-exports."""
        if qualified not in self._symbol_memo:
            self._symbol_memo[qualified] = self._find_symbol(qualified, depth)
        return self._symbol_memo[qualified]

    def _find_symbol(self, qualified: str, depth: int) -> Symbol | None:
        if depth > _MAX_DEPTH:
            return None
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            found = self._module(".".join(parts[:cut]))
            if found is None:
                continue
            if cut != len(parts) - 1:
                return None  # an attribute of a module-level name
            summary, path = found
            return self._member(summary, path, parts[-1], depth)
        own = self.own
        if len(parts) == 1 and not own.name and (own.defines(qualified) or qualified in own.imports):
            return self._member(own, None, qualified, depth)  # a text without a path has no module name
        return None

    def _member(self, summary: ModuleSummary, path: str | None, name: str, depth: int) -> Symbol | None:
        """A module-level name of a module, followed through its imports and star imports."""
        target = summary.imports.get(name)
        if target is not None:
            return self.symbol(target, depth + 1)
        if not summary.defines(name):
            for star in summary.star_imports:  # `from .user import *`
                through = self.symbol(f"{star}.{name}", depth + 1)
                if through is not None and through.summary.defines(through.name):
                    return through
        return Symbol(summary, name, path)

    # -- sessions, factories, dependencies ---------------------------------------------------------------------
    def value(self, qualified: str, depth: int = 0) -> Value | None:
        symbol = self.symbol(qualified)
        if symbol is None or depth > _MAX_DEPTH:
            return None
        fact = symbol.summary.values.get(symbol.name)
        return self._value(fact, symbol, depth) if fact is not None else None

    def _value(self, fact: ValueFact, symbol: Symbol, depth: int = 0) -> Value | None:
        factory = self.value(fact.factory, depth + 1) if fact.factory is not None else None
        if factory is not None and factory.kind not in (Kind.ASYNC_FACTORY, Kind.SYNC_FACTORY):
            factory = None
        if fact.kind is None:
            if factory is None:
                return None
            session = Kind.ASYNC_SESSION if factory.kind is Kind.ASYNC_FACTORY else Kind.SYNC_SESSION
            return Value(session, factory=factory, expire_on_commit=factory.expire_on_commit, place=factory.place)
        expires = fact.expire_on_commit
        if factory is not None and fact.factory is not None:
            expires = factory.expire_on_commit
        return Value(Kind(fact.kind), factory=factory, expire_on_commit=expires, place=symbol.place(fact.loc))

    def alias(self, qualified: str) -> Alias | None:
        symbol = self.symbol(qualified)
        fact = symbol.summary.aliases.get(symbol.name) if symbol is not None else None
        if symbol is None or fact is None:
            return None
        declared = self._value(fact.declared, symbol) if fact.declared is not None else None
        return Alias(declared, self.dependency(fact.dependency) if fact.dependency else None)

    def dependency(self, qualified: str) -> Dependency | None:
        symbol = self.symbol(qualified)
        fact = self.function(qualified)
        if symbol is None or fact is None:
            return None
        provided = self._value(fact.provides, symbol) if fact.provides is not None else None
        return Dependency(symbol.name, provided=provided, place=symbol.place(fact.loc))

    def function(self, qualified: str) -> FunctionFact | None:
        symbol = self.symbol(qualified)
        return symbol.summary.functions.get(symbol.name) if symbol is not None else None

    # -- sessions passed between functions -------------------------------------------------------------------
    def param_value(self, function: str, param: str) -> Value | None:
        """What a workspace function's parameter holds: its annotation or dependency, else what every call site
        passes, when they agree (recursive calls aside)."""
        return self._param_value(function, param, frozenset())

    def _param_value(self, function: str, param: str, seen: frozenset[tuple[str, str]]) -> Value | None:
        key = (function, param)
        symbol = self.symbol(function)
        fact = symbol.summary.functions.get(symbol.name) if symbol is not None else None
        if symbol is not None and fact is None and symbol.name in symbol.summary.classes:
            fact = symbol.summary.classes[symbol.name].init  # constructing the class passes its arguments here
        if symbol is None or fact is None or key in seen or len(seen) > _MAX_DEPTH:
            return None
        described = next((item for item in fact.param_facts if item.name == param), None)
        if described is None:
            return None
        if described.value is not None:
            return self._value(described.value, symbol)
        if described.dependency is not None:
            dependency = self.dependency(described.dependency)
            if dependency is not None and dependency.provided is not None:
                return dependency.provided
        if described.annotation is not None:
            kind = SESSION_CLASSES.get(described.annotation)
            if kind is not None:
                return Value(kind)
            alias = self.alias(described.annotation)
            return alias.declared if alias is not None else None
        if described.annotated or described.dependency is not None:
            return None
        return self._passed(symbol.qualified, fact, param, seen | {key})

    def _passed(self, function: str, fact: FunctionFact, param: str, seen: frozenset[tuple[str, str]]) -> Value | None:
        values: list[Value] = []
        calls = self._calls_of(function)
        if calls is None:
            return None
        for caller_summary, caller_path, call in calls:
            arg = _argument_for(call.args, fact.params, param)
            if arg is None:
                return None  # passed something the caller's module cannot tell, or nothing: not known to agree
            if arg.value is not None:
                value = self._value(arg.value, Symbol(caller_summary, "", caller_path))
            elif arg.param is not None and call.caller is not None:
                if (call.caller, arg.param) in seen:
                    continue  # a recursive call passes the parameter on: it agrees with the other call sites
                value = self._param_value(call.caller, arg.param, seen)
            else:
                value = None
            if value is None:
                return None
            values.append(value)
        if not values or len({value.kind for value in values}) != 1:
            return None
        expires = {value.expire_on_commit for value in values}
        first = values[0]
        return Value(first.kind, factory=first.factory, expire_on_commit=expires.pop() if len(expires) == 1 else None)

    def _calls_of(self, function: str) -> list[tuple[ModuleSummary, str | None, CallFact]] | None:
        """Every call of a workspace function: in this module, and in the files whose text calls its name; None
        when one of them passes nothing the analysis can describe."""
        name = function.rpartition(".")[2]
        summaries: list[tuple[ModuleSummary, str | None]] = [(self.own, None)]
        if self.index is not None:
            self.consulted[CALLERS + name] = self.index.callers_digest(name)
            for path in self.index.callers_of(name):
                if self.path is None or path != self.path:
                    summaries.append((self.index.summary(path), str(path)))
        found: list[tuple[ModuleSummary, str | None, CallFact]] = []
        for summary, where in summaries:
            for other in summary.other_calls:
                if other.rpartition(".")[2] == name and (target := self.symbol(other)) and target.qualified == function:
                    return None
            for call in summary.calls:
                if call.target.rpartition(".")[2] != name:
                    continue
                target = self.symbol(call.target)
                if target is not None and target.qualified == function:
                    found.append((summary, where, call))
        return found

    # -- classes -----------------------------------------------------------------------------------------------
    def definition(self, qualified: str) -> Definition | None:
        symbol = self.symbol(qualified)
        fact = symbol.summary.classes.get(symbol.name) if symbol is not None else None
        if symbol is None or fact is None:
            return None
        return Definition(symbol.qualified, fact, symbol.summary.name, symbol.path)

    def model(self, qualified: str) -> Model | None:
        if qualified not in self._models:
            self._models[qualified] = None  # guards against inheritance cycles
            found = self.definition(qualified)
            self._models[qualified] = build_model(found, self.definition, self.resolve_mapped) if found else None
        return self._models[qualified]

    def schema(self, qualified: str) -> Schema | None:
        if qualified not in self._schemas:
            self._schemas[qualified] = None
            found = self.definition(qualified)
            self._schemas[qualified] = build_schema(found, self.definition, self.resolve) if found else None
        return self._schemas[qualified]

    def resolve_mapped(self, definition: Definition, written: str) -> str | None:
        """A relationship's target: as `resolve`, else the workspace's only mapped class of that name (SQLAlchemy
        resolves relationship strings in its registry of mapped classes, by class name)."""
        found = self.resolve(definition, written)
        if found is not None or "." in written or self.index is None:
            return found
        self.consulted[EVERY_MODULE] = ""
        matches = [name for name in self.index.classes_named(written) if self._is_mapped(name)]
        return matches[0] if len(matches) == 1 else None

    def _is_mapped(self, qualified: str) -> bool:
        definition = self.definition(qualified)
        return definition is not None and is_mapped(definition, self.definition)

    def resolve(self, definition: Definition, written: str) -> str | None:
        """The absolute name of a class written in `definition`'s module: a class defined there, or imported."""
        located = self._module(definition.module)
        if located is None:
            return None
        summary = located[0]
        first, _, rest = written.partition(".")
        if first in summary.classes and not rest:
            return ModuleName(summary.name).qualify(first)
        if first in summary.imports:
            return f"{summary.imports[first]}.{rest}" if rest else summary.imports[first]
        return written if rest else None
