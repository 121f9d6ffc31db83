"""Answers questions about a module: what is this expression, what does this dependency provide, which URL.

Every answer is either positive evidence or None (unknown). Answers are memoised per node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import libcst as cst

from greenlint.semantics.facts import Binding, BindingKind, ModuleFacts, Scope, ScopeKind
from greenlint.semantics.names import (
    ANNOTATED,
    CREATE_ASYNC_ENGINE,
    CREATE_ENGINE,
    DEPENDS,
    GETENV,
    ITERATOR_WRAPPERS,
    OPTIONAL,
    SESSION_CLASSES,
)
from greenlint.semantics.summary import Place
from greenlint.semantics.values import Kind, UrlRef, Value

_FACTORIES = (Kind.ASYNC_FACTORY, Kind.SYNC_FACTORY)
_SCOPED = (Kind.ASYNC_SCOPED, Kind.SYNC_SCOPED)
_ENGINES = (Kind.ASYNC_ENGINE, Kind.SYNC_ENGINE)
_MAX_ALIAS_DEPTH = 8


def argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The value of a call's argument given by position or keyword."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    return positional[position] if position < len(positional) else None


def _is_none(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _flag(call: cst.Call, keyword: str) -> bool | None:
    """A keyword argument given as True or False; None when absent or not a literal."""
    value = argument(call, 99, keyword)
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return value.value == "True"
    return None


def _agreed(values: list[Value]) -> Value | None:
    """The first of several values when they are all the same kind of thing, else None (unknown)."""
    if not values or len({(value.kind, value.is_class) for value in values}) != 1:
        return None
    return values[0]


def _self_assignments(function: cst.FunctionDef, name: str, attribute: str) -> list[cst.BaseExpression]:
    """The values a method's body assigns to `<name>.<attribute>` (top-level statements of the body)."""
    found: list[cst.BaseExpression] = []
    for statement in function.body.body if isinstance(function.body, cst.IndentedBlock) else ():
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else []
            if isinstance(small, cst.AnnAssign) and small.value is not None:
                targets = [small.target]
            value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
            for target in targets:
                if (
                    value is not None
                    and isinstance(target, cst.Attribute)
                    and isinstance(target.value, cst.Name)
                    and target.value.value == name
                    and target.attr.value == attribute
                ):
                    found.append(value)
    return found


def _expires(call: cst.Call) -> bool | None:
    """`expire_on_commit` of a session or factory constructor: True unless given (None: not a literal)."""
    return _flag(call, "expire_on_commit") if argument(call, 99, "expire_on_commit") is not None else True


@dataclass(frozen=True, eq=False)
class Dependency:
    """A FastAPI dependency function: a `def` of this module (scope), or of another one (what it provides)."""

    name: str
    scope: Scope | None = None
    provided: Value | None = None
    place: Place | None = None


@dataclass(frozen=True)
class Alias:
    """`Db = Annotated[AsyncSession, Depends(get_db)]` defined in another module."""

    declared: Value | None
    dependency: Dependency | None


class Workspace(Protocol):
    """What the rest of the workspace says about names a module imports (see semantics.index)."""

    def absolute(self, qualified: str) -> str:
        """The absolute form of an imported name (relative imports resolved)."""

    def value(self, qualified: str) -> Value | None:
        """The engine, factory or session a name of another module holds."""

    def alias(self, qualified: str) -> Alias | None:
        """The `Annotated[...]` alias a name of another module is."""

    def dependency(self, qualified: str) -> Dependency | None:
        """The function a name of another module is, as a dependency."""

    def param_value(self, function: str, param: str) -> Value | None:
        """What a module-level function's parameter holds, from the arguments of its call sites."""

    def qualify(self, local: str) -> str:
        """The absolute name of a module-level name of the analysed module."""


class Semantics:
    """Inference over one module's facts (and, given a workspace, the names it imports)."""

    def __init__(self, facts: ModuleFacts, workspace: Workspace | None = None) -> None:
        self.facts = facts
        self.workspace = workspace
        self._values: dict[int, Value | None] = {}
        self._provided: dict[int, Value | None] = {}

    # -- names -----------------------------------------------------------------------------------------------
    def lookup(self, name: str, scope: Scope) -> tuple[list[Binding], Scope] | None:
        """The bindings a name refers to from `scope` (Python's scoping rules; class bodies are not enclosing)."""
        current: Scope | None = scope
        while current is not None:
            if current.kind is not ScopeKind.CLASS or current is scope:
                bindings = current.bindings.get(name)
                if bindings:
                    return bindings, current
            current = current.parent
        return None

    def qualified_name(self, node: cst.BaseExpression, scope: Scope) -> str | None:
        """The dotted name an imported name or attribute chain refers to, e.g. `sqlalchemy.orm.Session`."""
        if isinstance(node, cst.Name):
            found = self.lookup(node.value, scope)
            if found is None:
                return None
            first = found[0][0]
            if first.kind is not BindingKind.IMPORT or first.qualified is None:
                return None
            return self.workspace.absolute(first.qualified) if self.workspace is not None else first.qualified
        if isinstance(node, cst.Attribute):
            base = self.qualified_name(node.value, scope)
            return f"{base}.{node.attr.value}" if base else None
        return None

    def _imported(self, node: cst.BaseExpression, scope: Scope) -> str | None:
        """The name of another workspace module that `node` refers to (None without a workspace)."""
        return self.qualified_name(node, scope) if self.workspace is not None else None

    def function_named(self, node: cst.BaseExpression, scope: Scope) -> Scope | None:
        """The scope of the function a name refers to, when it is a `def` of this module."""
        if not isinstance(node, cst.Name):
            return None
        found = self.lookup(node.value, scope)
        if found is None or len(found[0]) != 1 or found[0][0].kind is not BindingKind.DEF:
            return None
        return found[0][0].scope

    # -- values ----------------------------------------------------------------------------------------------
    def value_of(self, node: cst.BaseExpression, scope: Scope) -> Value | None:
        """What `node` evaluates to in `scope`, when known."""
        key = id(node)
        if key in self._values:
            return self._values[key]
        self._values[key] = None  # guards against cycles such as `x = x`
        value = self._compute(node, scope)
        self._values[key] = value
        return value

    def _compute(self, node: cst.BaseExpression, scope: Scope) -> Value | None:
        if isinstance(node, cst.Name):
            return self._name_value(node.value, scope)
        if isinstance(node, cst.Attribute):
            qualified = self.qualified_name(node, scope)
            return self._class_value(qualified, node) or self._remote_value(qualified) or self._member(node, scope)
        if isinstance(node, cst.Call):
            return self._call_value(node, scope)
        if isinstance(node, cst.Await):
            return self._await_value(node, scope)
        return None

    def _class_value(self, qualified: str | None, origin: cst.CSTNode) -> Value | None:
        kind = SESSION_CLASSES.get(qualified or "")
        return Value(kind, origin, class_name=qualified, is_class=True) if kind else None

    def _member(self, node: cst.Attribute, scope: Scope) -> Value | None:
        """`Store.session`: an attribute assigned in the body of a class of this module; `self.session` in a
        method: what the class's methods assign to it (`self.session = session` in `__init__`)."""
        if not isinstance(node.value, cst.Name):
            return None
        found = self.lookup(node.value.value, scope)
        if found is not None and len(found[0]) == 1 and found[0][0].kind is BindingKind.PARAM:
            return self._instance_attribute(node.attr.value, found[0][0], found[1])
        if found is None or len(found[0]) != 1 or found[0][0].kind is not BindingKind.CLASS:
            return None
        body = found[0][0].scope
        members = body.bindings.get(node.attr.value, []) if body is not None else []
        return self._binding_value(members[0], body) if len(members) == 1 and body is not None else None

    def _instance_attribute(self, attribute: str, binding: Binding, method: Scope) -> Value | None:
        """What the methods of `self`'s class assign to `self.<attribute>`, when they agree."""
        node, body = method.node, method.parent
        if not isinstance(node, cst.FunctionDef) or body is None or body.kind is not ScopeKind.CLASS:
            return None
        params = [*node.params.posonly_params, *node.params.params]
        if not params or binding.node is not params[0]:
            return None
        values: list[Value] = []
        for function in body.children:
            function_node = function.node
            if not isinstance(function_node, cst.FunctionDef):
                continue
            first = [*function_node.params.posonly_params, *function_node.params.params][:1]
            for assigned in _self_assignments(function_node, first[0].name.value if first else "", attribute):
                value = self.value_of(assigned, function)
                if value is None:
                    return None
                values.append(value)
        return _agreed(values)

    def _remote_value(self, qualified: str | None) -> Value | None:
        return self.workspace.value(qualified) if self.workspace is not None and qualified else None

    def _name_value(self, name: str, scope: Scope) -> Value | None:
        found = self.lookup(name, scope)
        if found is None:
            return None
        bindings, owner = found
        values: list[Value] = []
        for binding in bindings:
            if binding.kind is BindingKind.ASSIGN and _is_none(binding.value) and binding.annotation is None:
                continue
            value = self._binding_value(binding, owner)
            if value is None:
                return None
            values.append(value)
        return _agreed(values)

    def _binding_value(self, binding: Binding, scope: Scope) -> Value | None:
        if binding.kind is BindingKind.IMPORT:
            qualified = self.workspace.absolute(binding.qualified or "") if self.workspace else binding.qualified
            return self._class_value(qualified, binding.node) or self._remote_value(qualified)
        if binding.kind is BindingKind.ASSIGN:
            value = self.value_of(binding.value, scope) if binding.value is not None else None
            if value is None and binding.annotation is not None:
                value = self.annotation_value(binding.annotation, scope)
            return value
        if binding.kind is BindingKind.PARAM:
            return self.param_value(binding, scope)
        if binding.kind is BindingKind.WITH and binding.value is not None:
            return self.with_value(binding.value, scope)
        return None

    def _call_value(self, call: cst.Call, scope: Scope) -> Value | None:
        func = call.func.value if isinstance(call.func, cst.Subscript) else call.func
        qualified = self.qualified_name(func, scope)
        if qualified in CREATE_ENGINE or qualified in CREATE_ASYNC_ENGINE:
            kind = Kind.SYNC_ENGINE if qualified in CREATE_ENGINE else Kind.ASYNC_ENGINE
            url_node = argument(call, 0, "url")
            return Value(kind, call, url=self.url_of(url_node, scope) if url_node is not None else None)
        callee = self.value_of(func, scope)
        if callee is not None:
            return self._called(callee, call, scope)
        if isinstance(func, cst.Attribute):
            receiver = self.value_of(func.value, scope)
            if receiver is not None and not receiver.is_class:
                return self._method_result(receiver, func.attr.value, call)
        return None

    def _called(self, callee: Value, call: cst.Call, scope: Scope) -> Value | None:
        kind = callee.kind
        if not callee.is_class:
            if kind in _FACTORIES:
                session = Kind.ASYNC_SESSION if kind is Kind.ASYNC_FACTORY else Kind.SYNC_SESSION
                expires = _flag(call, "expire_on_commit")
                if expires is None and argument(call, 99, "expire_on_commit") is None:
                    expires = callee.expire_on_commit
                return Value(session, call, factory=callee, class_name=callee.class_name, expire_on_commit=expires)
            if kind in _SCOPED and callee.factory is not None:
                return self._called(callee.factory, call, scope)
            return None
        if kind in _FACTORIES:
            session_class = self._session_class(argument(call, 99, "class_"), scope)
            if session_class is not None and session_class.kind is Kind.ASYNC_SESSION:
                kind = Kind.ASYNC_FACTORY
            bind = argument(call, 0, "bind")
            engine = self.value_of(bind, scope) if bind is not None else None
            class_name = session_class.class_name if session_class else None
            return Value(kind, call, engine=engine, class_name=class_name, expire_on_commit=_expires(call))
        if kind in _SCOPED:
            factory_node = argument(call, 0, "session_factory")
            factory = self.value_of(factory_node, scope) if factory_node is not None else None
            return Value(kind, call, factory=factory if factory and factory.kind in _FACTORIES else None)
        if kind.is_session:
            bind = argument(call, 0, "bind")
            engine = self.value_of(bind, scope) if bind is not None else None
            return Value(
                kind,
                call,
                engine=engine if engine and engine.kind in _ENGINES else None,
                class_name=callee.class_name,
                expire_on_commit=_expires(call),
            )
        return callee.instance(call)

    def _session_class(self, node: cst.BaseExpression | None, scope: Scope) -> Value | None:
        value = self.value_of(node, scope) if node is not None else None
        return value if value is not None and value.is_class and value.kind.is_session else None

    def _method_result(self, receiver: Value, method: str, call: cst.Call) -> Value | None:
        if receiver.kind in _ENGINES and method == "connect":
            kind = Kind.ASYNC_CONNECTION if receiver.kind is Kind.ASYNC_ENGINE else Kind.SYNC_CONNECTION
            return Value(kind, call, engine=receiver)
        if receiver.kind is Kind.SYNC_SESSION and method == "connection":
            return Value(Kind.SYNC_CONNECTION, call, engine=receiver.bound_engine())
        return None

    def _await_value(self, node: cst.Await, scope: Scope) -> Value | None:
        inner = node.expression
        if not (isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute)):
            return None
        receiver = self.value_of(inner.func.value, scope)
        method = inner.func.attr.value
        if receiver is None or receiver.is_class:
            return None
        if (receiver.kind, method) in ((Kind.ASYNC_ENGINE, "connect"), (Kind.ASYNC_SESSION, "connection")):
            return Value(Kind.ASYNC_CONNECTION, node, engine=receiver.bound_engine())
        return None

    def with_value(self, node: cst.BaseExpression, scope: Scope) -> Value | None:
        """What `with node as x` / `async with node as x` binds to x."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "begin":
            receiver = self.value_of(node.func.value, scope)
            if receiver is None or receiver.is_class:
                return None
            if receiver.kind in _FACTORIES:
                return self._called(receiver, node, scope)
            if receiver.kind in _ENGINES:
                return self._method_result(receiver, "connect", node)
            return None
        value = self.value_of(node, scope)
        if value is not None and not value.is_class and value.kind not in _FACTORIES + _ENGINES:
            return value
        return None

    # -- annotations and dependencies -----------------------------------------------------------------------
    def annotation_value(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Value | None:
        """The instance an annotation declares (unwrapping Annotated, Optional and `X | None`)."""
        if depth > _MAX_ALIAS_DEPTH:
            return None
        if isinstance(node, cst.Subscript):
            qualified = self.qualified_name(node.value, scope)
            elements = [element.slice.value for element in node.slice if isinstance(element.slice, cst.Index)]
            if qualified in ANNOTATED and elements:
                return self.annotation_value(elements[0], scope, depth + 1)
            if qualified in OPTIONAL:
                candidates = [element for element in elements if not _is_none(element)]
                return self.annotation_value(candidates[0], scope, depth + 1) if len(candidates) == 1 else None
            return self.annotation_value(node.value, scope, depth + 1)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            if _is_none(node.right):
                return self.annotation_value(node.left, scope, depth + 1)
            if _is_none(node.left):
                return self.annotation_value(node.right, scope, depth + 1)
            return None
        if isinstance(node, cst.Name):
            found = self.lookup(node.value, scope)
            if found is not None and len(found[0]) == 1 and found[0][0].kind is BindingKind.ASSIGN:
                alias = found[0][0].value  # `Db = Annotated[AsyncSession, Depends(get_db)]`
                return self.annotation_value(alias, found[1], depth + 1) if alias is not None else None
            remote = self._remote_alias(node, scope)
            if remote is not None:
                return remote.declared
        value = self.value_of(node, scope)
        return value.instance(node) if value is not None and value.is_class else None

    def _remote_alias(self, node: cst.BaseExpression, scope: Scope) -> Alias | None:
        qualified = self._imported(node, scope)
        return self.workspace.alias(qualified) if self.workspace is not None and qualified else None

    def param_value(self, binding: Binding, scope: Scope) -> Value | None:
        """A parameter's value at runtime: what its FastAPI dependency provides, else its annotation."""
        outer = scope.parent or scope
        dependency = self.dependency_of(binding, scope)
        if dependency is not None:
            provided = self.dependency_value(dependency)
            if provided is not None:
                return provided
        if binding.annotation is not None:
            return self.annotation_value(binding.annotation, outer)
        owner = self._call_target(scope)
        if (
            self.workspace is not None
            and dependency is None
            and owner is not None
            and isinstance(binding.node, cst.Param)
        ):
            return self.workspace.param_value(self.workspace.qualify(owner), binding.node.name.value)
        return None

    def _call_target(self, scope: Scope) -> str | None:
        """The module-level name calls of this function go through: the function, or the class of an `__init__`."""
        node, parent = scope.node, scope.parent
        if not isinstance(node, cst.FunctionDef) or parent is None:
            return None
        if parent is self.facts.root:
            return node.name.value
        if node.name.value == "__init__" and parent.kind is ScopeKind.CLASS and parent.parent is self.facts.root:
            return parent.node.name.value if isinstance(parent.node, cst.ClassDef) else None
        return None

    def dependency_of(self, binding: Binding, scope: Scope) -> Dependency | None:
        """The dependency function of a parameter: `= Depends(f)` or `Annotated[..., Depends(f)]`."""
        outer = scope.parent or scope
        if isinstance(binding.value, cst.Call):
            found = self._depends_target(binding.value, outer)
            if found is not None:
                return found
        annotation = binding.annotation
        for _ in range(_MAX_ALIAS_DEPTH):
            if isinstance(annotation, cst.Name):
                looked = self.lookup(annotation.value, outer)
                if looked is None or len(looked[0]) != 1 or looked[0][0].kind is not BindingKind.ASSIGN:
                    remote = self._remote_alias(annotation, outer)
                    return remote.dependency if remote is not None else None
                annotation, outer = looked[0][0].value, looked[1]
            elif isinstance(annotation, cst.Subscript):
                if self.qualified_name(annotation.value, outer) not in ANNOTATED:
                    return None
                elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
                for element in elements[1:]:
                    if isinstance(element, cst.Call):
                        found = self._depends_target(element, outer)
                        if found is not None:
                            return found
                if not elements:
                    return None
                annotation = elements[0]  # `Annotated[Db, "doc"]` where Db is itself an Annotated alias
            else:
                return None
        return None

    def _depends_target(self, call: cst.Call, scope: Scope) -> Dependency | None:
        if self.qualified_name(call.func, scope) not in DEPENDS:
            return None
        target = argument(call, 0, "dependency")
        return self.dependency_named(target, scope) if target is not None else None

    def dependency_named(self, node: cst.BaseExpression, scope: Scope) -> Dependency | None:
        """The function `node` names, as a dependency: a `def` of this module or of another workspace module."""
        local = self.function_named(node, scope)
        if local is not None:
            return Dependency(local.node.name.value if isinstance(local.node, cst.FunctionDef) else "", local)
        qualified = self._imported(node, scope)
        return self.workspace.dependency(qualified) if self.workspace is not None and qualified else None

    def dependency_value(self, dependency: Dependency) -> Value | None:
        """What a dependency provides."""
        return self.provided_value(dependency.scope) if dependency.scope is not None else dependency.provided

    def provided_value(self, function: Scope) -> Value | None:
        """What a dependency function yields (generators) or returns, from its body, else its annotation."""
        key = id(function)
        if key in self._provided:
            return self._provided[key]
        self._provided[key] = None
        produced = function.yields or function.returns
        known = [value for value in (self.value_of(node, function) for node in produced) if value is not None]
        result: Value | None = None
        if known and len({value.kind for value in known}) == 1 and not known[0].is_class:
            result = known[0]
        else:
            node = function.node
            if isinstance(node, cst.FunctionDef) and node.returns is not None:
                result = self._returned_annotation(node.returns.annotation, function.parent or function)
        self._provided[key] = result
        return result

    def _returned_annotation(self, node: cst.BaseExpression, scope: Scope) -> Value | None:
        if isinstance(node, cst.Subscript) and self.qualified_name(node.value, scope) in ITERATOR_WRAPPERS:
            first = node.slice[0].slice
            return self.annotation_value(first.value, scope) if isinstance(first, cst.Index) else None
        return self.annotation_value(node, scope)

    # -- URLs -------------------------------------------------------------------------------------------------
    def url_of(self, node: cst.BaseExpression, scope: Scope, via: str | None = None, depth: int = 0) -> UrlRef | None:
        """The database URL an expression spells, with the string node that holds its scheme."""
        if depth > _MAX_ALIAS_DEPTH:
            return None
        if isinstance(node, cst.SimpleString):
            text = node.evaluated_value
            return UrlRef(text, node, via) if isinstance(text, str) else None
        if isinstance(node, cst.ConcatenatedString):
            return self.url_of(node.left, scope, via, depth + 1)
        if isinstance(node, cst.FormattedString):
            first = node.parts[0] if node.parts else None
            if isinstance(first, cst.FormattedStringText) and "://" in first.value:
                return UrlRef(first.value, node, via)
            return None
        if isinstance(node, cst.Name):
            found = self.lookup(node.value, scope)
            if found is None or len(found[0]) != 1:
                return None
            binding = found[0][0]
            if binding.kind is not BindingKind.ASSIGN or binding.value is None:
                return None
            return self.url_of(binding.value, found[1], node.value, depth + 1)
        if isinstance(node, cst.Call) and self.qualified_name(node.func, scope) in GETENV:
            default = argument(node, 1, "default")
            if default is not None:
                return self.url_of(default, scope, "the default of the environment lookup", depth + 1)
        return None
