"""Building a module's summary from its facts: what other modules may import from it."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst
from libcst.helpers import get_full_name_for_node

from greenlint.semantics.classes import ClassReader
from greenlint.semantics.facts import Binding, BindingKind, ModuleFacts, Scope, ScopeKind
from greenlint.semantics.infer import Semantics, argument
from greenlint.semantics.locate import TextLocator
from greenlint.semantics.modules import ModuleName
from greenlint.semantics.names import ANNOTATED, ASYNCIO_EXTENSIONS, CREATE_ASYNC_ENGINE, CREATE_ENGINE, DEPENDS
from greenlint.semantics.orm import LOADING_METHODS, NO_MODELS, OrmAnalysis, returned_origin
from greenlint.semantics.summary import (
    AliasFact,
    ArgFact,
    CallFact,
    FunctionFact,
    Loc,
    ModuleSummary,
    ParamFact,
    ValueFact,
)
from greenlint.semantics.values import SESSIONS_AND_CONNECTIONS, Value


def summarize(text: str, facts: ModuleFacts, name: ModuleName, *, locate: bool = True) -> ModuleSummary:
    """The summary of a parsed module. Uses only this module's text (names of others stay unresolved).

    Without `locate`, definitions get no ranges (a module analysed alone points at its own nodes instead).
    """
    semantics = Semantics(facts)
    origins = OrmAnalysis(facts, semantics, NO_MODELS, name)
    locator = TextLocator(text) if locate else None
    reader = ClassReader(semantics, name.absolute, locator)
    calls, other_calls = _calls(facts, semantics, name)
    summary = ModuleSummary(
        name.name,
        name.is_package,
        star_imports=_star_imports(facts.module, name),
        uses_asyncio=any(qualified.startswith(ASYNCIO_EXTENSIONS) for qualified in facts.imports.values()),
        engine_schemes=_engine_schemes(facts, semantics),
        calls=calls,
        other_calls=other_calls,
    )
    for local, bindings in facts.root.bindings.items():
        if len(bindings) != 1:
            continue
        binding = bindings[0]
        if binding.kind is BindingKind.IMPORT and binding.qualified:
            summary.imports[local] = name.absolute(binding.qualified)
        elif binding.kind is BindingKind.CLASS and isinstance(binding.node, cst.ClassDef) and binding.scope:
            fact = reader.read(binding.node, binding.scope, name.name)
            init = binding.scope.bindings.get("__init__", [])
            if len(init) == 1 and init[0].scope is not None:
                fact = replace(fact, init=_function(init[0].scope, semantics, name, None, origins, skip=1))
            summary.classes[local] = fact
        elif binding.kind is BindingKind.DEF and binding.scope is not None:
            loc = locator.function(local) if locator is not None else None
            summary.functions[local] = _function(binding.scope, semantics, name, loc, origins)
        elif binding.kind is BindingKind.ASSIGN and binding.value is not None:
            loc = locator.assignment(local) if locator is not None else None
            _assignment(summary, local, binding, semantics, reader, name, loc)
    return summary


def _engine_schemes(facts: ModuleFacts, semantics: Semantics) -> tuple[str, ...]:
    """The database URL schemes the module's engines are created with (`postgresql+asyncpg`), in order."""
    schemes: list[str] = []
    for site in facts.all_calls():
        if site.name not in ("create_engine", "create_async_engine"):
            continue
        qualified = semantics.qualified_name(site.call.func, site.scope)
        url_node = argument(site.call, 0, "url")
        if qualified not in CREATE_ENGINE | CREATE_ASYNC_ENGINE or url_node is None:
            continue
        url = semantics.url_of(url_node, site.scope)
        scheme = url.text.partition("://")[0] if url is not None and "://" in url.text else ""
        if scheme and scheme not in schemes:
            schemes.append(scheme)
    return tuple(schemes)


def _star_imports(module: cst.Module, name: ModuleName) -> tuple[str, ...]:
    """The modules a module re-exports everything of: `from .user import *` (top-level statements)."""
    found = []
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
                dotted = get_full_name_for_node(small.module) if small.module is not None else ""
                found.append(name.absolute("." * len(small.relative) + (dotted or "")))
    return tuple(found)


def _assignment(
    summary: ModuleSummary,
    local: str,
    binding: Binding,
    semantics: Semantics,
    reader: ClassReader,
    name: ModuleName,
    loc: Loc | None,
) -> None:
    value, root = binding.value, semantics.facts.root
    assert value is not None
    base = reader.declarative_base(local, value, root)
    if base is not None:
        summary.classes[local] = base
        return
    if isinstance(value, (cst.Name, cst.Attribute)):
        referred = _referred(value, root, semantics, name)
        if referred is not None:  # `Db = other_module.Db`, `Session = SessionLocal`
            summary.imports[local] = referred
            return
    if isinstance(value, cst.Subscript) and semantics.qualified_name(value.value, root) in ANNOTATED:
        summary.aliases[local] = _alias(value, root, semantics, name, loc)
        return
    known = semantics.value_of(value, root)
    if known is not None and not known.is_class:
        summary.values[local] = _value_fact(known, loc)
        return
    factory = _called_name(value, root, semantics, name)
    if factory is not None:
        summary.values[local] = ValueFact(factory=factory, loc=loc)


def _referred(node: cst.BaseExpression, scope: Scope, semantics: Semantics, name: ModuleName) -> str | None:
    """The absolute name an expression refers to: an import, or a def or class of this module."""
    qualified = semantics.qualified_name(node, scope)
    if qualified is not None:
        return name.absolute(qualified)
    if isinstance(node, cst.Name):
        found = semantics.lookup(node.value, scope)
        if found is not None and len(found[0]) == 1 and found[0][0].kind in (BindingKind.DEF, BindingKind.CLASS):
            return name.qualify(node.value)
    return None


def _called_name(node: cst.BaseExpression, scope: Scope, semantics: Semantics, name: ModuleName) -> str | None:
    """`Factory()` / `Factory.begin()`: the absolute name of the module-level factory (imported or defined here)
    whose session it may make."""
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value == "begin":
        func = func.value
    qualified = semantics.qualified_name(func, scope)
    if qualified is not None:
        return name.absolute(qualified)
    if isinstance(func, cst.Name):
        found = semantics.lookup(func.value, scope)
        if found is not None and found[1] is semantics.facts.root and found[0][0].kind is BindingKind.ASSIGN:
            return name.qualify(func.value)
    return None


def _value_fact(value: Value, loc: Loc | None) -> ValueFact:
    return ValueFact(value.kind.value, value.expire_on_commit, loc=loc)


def _alias(node: cst.Subscript, scope: Scope, semantics: Semantics, name: ModuleName, loc: Loc | None) -> AliasFact:
    elements = [element.slice.value for element in node.slice if isinstance(element.slice, cst.Index)]
    declared = semantics.annotation_value(elements[0], scope) if elements else None
    dependency: str | None = None
    for element in elements[1:]:
        if isinstance(element, cst.Call) and semantics.qualified_name(element.func, scope) in DEPENDS:
            target = argument(element, 0, "dependency")
            dependency = _referred(target, scope, semantics, name) if target is not None else None
    return AliasFact(_value_fact(declared, None) if declared is not None else None, dependency, loc)


def _function(
    scope: Scope, semantics: Semantics, name: ModuleName, loc: Loc | None, origins: OrmAnalysis, skip: int = 0
) -> FunctionFact:
    """A function's facts; `skip` leading parameters are left out (`self` of a method)."""
    node = scope.node
    assert isinstance(node, cst.FunctionDef)
    params = tuple(param.name.value for param in _params(node)[skip:])
    provides: ValueFact | None = None
    if scope.yields or scope.returns:
        provided = semantics.provided_value(scope)
        factory = _provided_factory(scope, semantics, name)
        if provided is not None and not provided.is_class:
            provides = ValueFact(provided.kind.value, provided.expire_on_commit, factory=factory)
        elif factory is not None:
            provides = ValueFact(factory=factory)
    loads = scope.is_async and scope.returns and any(site.name in LOADING_METHODS for site in scope.calls)
    returns = returned_origin(scope, origins) if loads else None
    param_facts = tuple(fact for param in _params(node)[skip:] if (fact := _param(param, scope, semantics, name)))
    return FunctionFact(scope.is_async, params, bool(scope.yields), param_facts, provides, returns, loc)


def _params(node: cst.FunctionDef) -> list[cst.Param]:
    return [*node.params.posonly_params, *node.params.params, *node.params.kwonly_params]


def _param(param: cst.Param, scope: Scope, semantics: Semantics, name: ModuleName) -> ParamFact | None:
    """What a parameter holds, when it may be a session; None for parameters that are something else."""
    bindings = scope.bindings.get(param.name.value, [])
    binding = next((b for b in bindings if b.kind is BindingKind.PARAM and b.node is param), None)
    if binding is None:
        return None
    known = semantics.param_value(binding, scope)
    if known is not None:
        return ParamFact(param.name.value, _value_fact(known, None)) if not known.is_class else None
    outer = scope.parent or scope
    dependency = _imported_dependency(param.default, outer, semantics, name)
    annotation = param.annotation.annotation if param.annotation is not None else None
    if annotation is None:
        return ParamFact(param.name.value, dependency=dependency)
    imported = (
        _referred(annotation, outer, semantics, name) if isinstance(annotation, (cst.Name, cst.Attribute)) else None
    )
    if imported is not None or dependency is not None:
        return ParamFact(param.name.value, annotation=imported, dependency=dependency, annotated=True)
    return None


def _imported_dependency(
    default: cst.BaseExpression | None, scope: Scope, semantics: Semantics, name: ModuleName
) -> str | None:
    """`= Depends(get_db)` where get_db is imported: its absolute name."""
    if not isinstance(default, cst.Call) or semantics.qualified_name(default.func, scope) not in DEPENDS:
        return None
    target = argument(default, 0, "dependency")
    return _referred(target, scope, semantics, name) if target is not None else None


def _calls(facts: ModuleFacts, semantics: Semantics, name: ModuleName) -> tuple[tuple[CallFact, ...], tuple[str, ...]]:
    """Calls of module-level functions and classes (here or imported): those with arguments that may be sessions,
    and the names of those called with none the module can describe (so no call site goes unseen)."""
    calls: list[CallFact] = []
    others: set[str] = set()
    for site in facts.all_calls():
        target = _referred(site.call.func, site.scope, semantics, name)
        if target is None:
            continue
        owner = site.scope.owner
        caller = None
        if owner.kind is ScopeKind.FUNCTION and owner.parent is facts.root and isinstance(owner.node, cst.FunctionDef):
            caller = name.qualify(owner.node.name.value)
        args: list[ArgFact] = []
        for position, arg in enumerate(site.call.args):
            if arg.star:
                args = []
                break
            fact = _arg(arg.value, site.scope, owner if caller else None, semantics)
            if fact is not None:
                keyword = arg.keyword.value if arg.keyword is not None else None
                args.append(replace(fact, position=None if keyword else position, keyword=keyword))
        if args:
            calls.append(CallFact(target, caller, tuple(args)))
        else:
            others.add(target)
    return tuple(calls), tuple(sorted(others))


def _arg(node: cst.BaseExpression, scope: Scope, caller: Scope | None, semantics: Semantics) -> ArgFact | None:
    """A session (or connection) known here, or a parameter of the calling function (decided by its callers)."""
    known = semantics.value_of(node, scope)
    if known is not None:
        shared = not known.is_class and known.kind in SESSIONS_AND_CONNECTIONS
        return ArgFact(value=_value_fact(known, None)) if shared else None
    if not isinstance(node, cst.Name):
        return None
    found = semantics.lookup(node.value, scope)
    if found is not None and len(found[0]) == 1 and found[0][0].kind is BindingKind.PARAM and found[1] is caller:
        return ArgFact(param=node.value)
    return None


def _provided_factory(scope: Scope, semantics: Semantics, name: ModuleName) -> str | None:
    """The other module's factory whose session a dependency yields: `async with SessionLocal() as s: yield s`."""
    for produced in scope.yields or scope.returns:
        if isinstance(produced, cst.Name):
            found = semantics.lookup(produced.value, scope)
            if found is None or len(found[0]) != 1 or found[0][0].value is None:
                continue
            value = found[0][0].value
            assert value is not None
            factory = _called_name(value, found[1], semantics, name)
            if factory is not None:
                return factory
        factory = _called_name(produced, scope, semantics, name)
        if factory is not None:
            return factory
    return None
