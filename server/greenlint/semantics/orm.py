"""ORM instances inside an `async def`, followed statement by statement.

For each instance the walk knows where it came from (the model, the relationship paths its statement loads),
which session it belongs to, and what commits, rollbacks, flushes and refreshes did to it. Reading an
attribute records an event when the read would need IO that cannot happen there: a lazy relationship
(GL101), an expired instance (GL103), a column the flush left unloaded or a deferred one (GL104); a route's
`return` is checked against its response model (GL102). Branches are followed in source order, and anything
the walk cannot follow (an unknown helper, options it cannot read) makes it silent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import libcst as cst

from greenlint.semantics.facts import ModuleFacts, Scope
from greenlint.semantics.infer import Semantics, argument
from greenlint.semantics.loader_options import option_elements, read_options
from greenlint.semantics.models import Column, Model, Schema
from greenlint.semantics.modules import ModuleName
from greenlint.semantics.names import SELECT
from greenlint.semantics.orm_state import (
    Abstract,
    AwaitableAttrs,
    ExpiredRead,
    InstanceState,
    LazyRead,
    ModelSource,
    Objects,
    Origin,
    OrmEvents,
    Producer,
    Rows,
    SessionRef,
    StaleRead,
    Statement,
    UnloadedResponse,
)
from greenlint.semantics.responses import response_schema, unloaded
from greenlint.semantics.summary import FunctionFact, OriginFact
from greenlint.semantics.tree import child_nodes, code_of
from greenlint.semantics.values import Kind

_STATEMENT_METHODS = frozenset(
    {
        "where",
        "filter",
        "filter_by",
        "order_by",
        "limit",
        "offset",
        "join",
        "outerjoin",
        "join_from",
        "distinct",
        "group_by",
        "having",
        "execution_options",
        "with_for_update",
        "params",
        "slice",
        "fetch",
        "correlate",
        "select_from",
    }
)
_ROWS_TO_OBJECTS = frozenset({"scalars", "scalar_one", "scalar", "scalar_one_or_none"})
_OBJECTS_METHODS = frozenset({"all", "first", "one", "one_or_none", "unique", "fetchall", "fetchmany", "partitions"})
_COPYING_BUILTINS = frozenset({"list", "tuple", "sorted", "reversed", "set", "iter", "next"})
LOADING_METHODS = {
    "get": "objects",
    "get_one": "objects",
    "scalars": "objects",
    "scalar": "objects",
    "exec": "objects",
}
LOADING_METHODS |= {"stream_scalars": "objects", "execute": "rows", "stream": "rows"}
SESSION_EXPIRES = frozenset({"commit", "rollback"})


class OrmAnalysis:
    """The events of every `async def` of a module (computed once, when a GL1xx rule first asks)."""

    def __init__(self, facts: ModuleFacts, semantics: Semantics, models: ModelSource, name: ModuleName) -> None:
        self.facts, self.semantics, self.models, self.name = facts, semantics, models, name
        self._events: OrmEvents | None = None
        self._returned: dict[int, Origin | None] = {}

    @property
    def events(self) -> OrmEvents:
        if self._events is None:
            self._events = OrmEvents()
            for scope in self.facts.functions:
                if scope.is_async:
                    _Flow(self, scope, self._events).run()
        return self._events

    def returned(self, scope: Scope) -> Origin | None:
        """The origin of what a local helper returns (followed one level: its own origins only)."""
        key = id(scope)
        if key not in self._returned:
            self._returned[key] = None
            self._returned[key] = _Flow(self, scope, None).run() if scope.is_async else None
        return self._returned[key]

    def model_name(self, node: cst.BaseExpression, scope: Scope) -> str | None:
        """The absolute name of the class an expression names (a class of this module or an import)."""
        qualified = self.semantics.qualified_name(node, scope)
        if qualified is not None:
            return self.name.absolute(qualified)
        if isinstance(node, cst.Name):
            found = self.semantics.lookup(node.value, scope)
            if found is not None and found[1].parent is None and node.value in self._module_classes():
                return self.name.qualify(node.value)
        return None

    def schema_named(self, node: cst.BaseExpression, scope: Scope) -> Schema | None:
        qualified = self.model_name(node, scope)
        return self.models.schema(qualified) if qualified is not None else None

    def _module_classes(self) -> set[str]:
        return {name for name, bindings in self.facts.root.bindings.items() if bindings}


def returned_origin(scope: Scope, analysis: OrmAnalysis) -> OriginFact | None:
    """For a module's summary (`analysis` made with NO_MODELS): the ORM instances an `async def` helper returns,
    when a session loads them."""
    origin = analysis.returned(scope)
    if origin is None or (origin.session_param is None and origin.session is None):
        return None
    return OriginFact(origin.model, tuple(sorted(origin.loaded)), origin.opaque, origin.session_param)


class _NoModels:
    """Summaries are built from one module's text: every class may be a model (checked when used)."""

    def model(self, qualified: str) -> Model | None:
        return None

    def schema(self, qualified: str) -> Schema | None:
        return None

    def function(self, qualified: str) -> FunctionFact | None:
        return None


NO_MODELS = _NoModels()


class _Flow:
    """One walk over a function body in source order."""

    def __init__(self, analysis: OrmAnalysis, scope: Scope, events: OrmEvents | None) -> None:
        self.analysis = analysis
        self.scope = scope
        self.events = events  # None: only the returned origin is wanted (a helper, a summary)
        self.helper_mode = events is None
        self.summary_mode = isinstance(analysis.models, _NoModels)
        self.env: dict[str, Abstract] = {}
        self.states: list[InstanceState] = []
        self.statement: cst.CSTNode | None = None
        self.returned: list[Origin | None] = []
        self.in_generator = 0
        self.in_comprehension = 0
        node = scope.node
        assert isinstance(node, cst.FunctionDef)
        self.function = node
        self.response = response_schema(node, scope, analysis.schema_named) if events is not None else None

    # -- statements --------------------------------------------------------------------------------------------
    def run(self) -> Origin | None:
        self.block(self.function.body)
        origins = [origin for origin in self.returned if origin is not None]
        if len(origins) != len(self.returned) or not origins:
            return None
        return origins[0] if all(origin == origins[0] for origin in origins) else None

    def block(self, block: cst.BaseSuite | cst.Module) -> None:
        if isinstance(block, cst.SimpleStatementSuite):
            outer = self.statement
            self.statement = None  # no room for inserted statements on the header's line
            for small in block.body:
                self.small(small)
            self.statement = outer
            return
        for statement in block.body:
            self.statement = statement
            self.compound_or_line(statement)

    def branch(self, block: cst.BaseSuite) -> None:
        """A block that may not run; when it ends in `return` / `raise` / `break` / `continue`, what it does to
        the instances does not reach the code after it."""
        if not _leaves(block):
            self.block(block)
            return
        env, saved = dict(self.env), [(state, replace(state)) for state in self.states]
        self.block(block)
        self.env = env
        for state, copy in saved:
            state.__dict__.update(copy.__dict__)
        self.states = [state for state, _ in saved]

    def compound_or_line(self, statement: cst.BaseStatement | cst.BaseSmallStatement) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self.small(small)
        elif isinstance(statement, cst.If):
            self.evaluate(statement.test)
            self.branch(statement.body)
            orelse = statement.orelse
            while isinstance(orelse, cst.If):  # elif: no statement of its own to insert before
                self.evaluate(orelse.test)
                self.branch(orelse.body)
                orelse = orelse.orelse
            if orelse is not None:
                self.branch(orelse.body)
        elif isinstance(statement, cst.For):
            iterated = self.evaluate(statement.iter)
            self.bind(statement.target, self.element(iterated))
            self.block(statement.body)
            if statement.orelse is not None:
                self.block(statement.orelse.body)
        elif isinstance(statement, cst.While):
            self.evaluate(statement.test)
            self.block(statement.body)
            if statement.orelse is not None:
                self.block(statement.orelse.body)
        elif isinstance(statement, cst.With):
            transactions = []
            for item in statement.items:
                value = self.evaluate(item.item)
                if item.asname is not None:
                    self.bind(item.asname.name, value)
                transaction = self._transaction(item.item) if statement.asynchronous is not None else None
                if transaction is not None:
                    transactions.append(transaction)
            self.block(statement.body)
            for session, call in transactions:  # `async with session.begin():` commits when the block ends
                self.statement = statement
                self.session_event(session, "commit", call)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            self.block(statement.body)
            for handler in statement.handlers:
                if handler.name is not None:
                    self.bind(handler.name.name, None)
                self.branch(handler.body)
            if statement.orelse is not None:
                self.block(statement.orelse.body)
            if statement.finalbody is not None:
                self.block(statement.finalbody.body)
        elif isinstance(statement, cst.Match):
            self.evaluate(statement.subject)
            for case in statement.cases:
                self.block(case.body)
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            self.env.pop(statement.name.value, None)

    def small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Expr):
            self.evaluate(small.value)
        elif isinstance(small, cst.Assign):
            value = self.evaluate(small.value)
            for target in small.targets:
                self.bind(target.target, value)
        elif isinstance(small, cst.AnnAssign):
            value = self.evaluate(small.value) if small.value is not None else None
            if small.value is not None:
                self.bind(small.target, value)
        elif isinstance(small, cst.AugAssign):
            self.evaluate(small.value)
            if isinstance(small.target, cst.Attribute):
                self.read(small.target)  # `x.n += 1` reads x.n first
                self.write(small.target)
            else:
                self.bind(small.target, None)
        elif isinstance(small, cst.Return):
            value = self.evaluate(small.value) if small.value is not None else None
            self.returned.append(value.origin if isinstance(value, Objects) and not value.path else None)
            if isinstance(value, Objects):
                self.check_response(small, value)
        elif isinstance(small, cst.Del):
            self.bind(small.target, None)
        else:
            for child in child_nodes(small):
                if isinstance(child, cst.BaseExpression):
                    self.evaluate(child)

    def bind(self, target: cst.BaseExpression, value: Abstract | None) -> None:
        if isinstance(target, cst.Name):
            if value is None:
                self.env.pop(target.value, None)
                return
            if isinstance(value, Objects) and not value.path and value.state and value.state.variable is None:
                value.state.variable = target.value
            self.env[target.value] = value
        elif isinstance(target, cst.Attribute):
            self.evaluate(target.value)
            self.write(target)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, None)
        elif isinstance(target, cst.Subscript):
            self.evaluate(target)

    def write(self, target: cst.Attribute) -> None:
        receiver = self.env.get(target.value.value) if isinstance(target.value, cst.Name) else None
        if isinstance(receiver, Objects) and receiver.state is not None and not receiver.path:
            receiver.state.changed = True

    # -- expressions -------------------------------------------------------------------------------------------
    def evaluate(self, node: cst.BaseExpression | None) -> Abstract | None:
        if node is None:
            return None
        if isinstance(node, cst.Name):
            return self.env.get(node.value)
        if isinstance(node, cst.Await):
            return self.awaited(node.expression)
        if isinstance(node, cst.Call):
            return self.call(node)
        if isinstance(node, cst.Attribute):
            return self.read(node)
        if isinstance(node, cst.Subscript):
            value = self.evaluate(node.value)
            self.generic(node.slice)
            return value if isinstance(value, Objects) else None
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            self.comprehension(node)
            return None
        if isinstance(node, cst.NamedExpr):
            value = self.evaluate(node.value)
            self.bind(node.target, value)
            return value
        if isinstance(node, cst.Lambda):
            return None
        self.generic(node)
        return None

    def generic(self, node: cst.CSTNode | Sequence[cst.SubscriptElement]) -> None:
        children = child_nodes(node) if isinstance(node, cst.CSTNode) else list(node)
        for child in children:
            if isinstance(child, cst.BaseExpression):
                self.evaluate(child)
            else:
                self.generic(child)

    def comprehension(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> None:
        saved = dict(self.env)
        generator = isinstance(node, cst.GeneratorExp)
        self.in_generator += generator
        self.in_comprehension += 1
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            self.bind(clause.target, self.element(self.evaluate(clause.iter)))
            for condition in clause.ifs:
                self.evaluate(condition.test)
            clause = clause.inner_for_in
        if isinstance(node, cst.DictComp):
            self.evaluate(node.key)
            self.evaluate(node.value)
        else:
            self.evaluate(node.elt)
        self.in_generator -= generator
        self.in_comprehension -= 1
        self.env = saved

    @staticmethod
    def element(value: Abstract | None) -> Abstract | None:
        return value if isinstance(value, Objects) else None

    def call(self, node: cst.Call) -> Abstract | None:
        func = node.func
        if isinstance(func, cst.Attribute):
            receiver = self.evaluate(func.value)
            for arg in node.args:
                self.evaluate(arg.value)
            return self.method(receiver, func, node)
        values = [self.evaluate(arg.value) for arg in node.args]
        if isinstance(func, cst.Name) and func.value in _COPYING_BUILTINS and len(values) == 1:
            unshadowed = self.analysis.semantics.lookup(func.value, self.scope) is None
            return values[0] if unshadowed and isinstance(values[0], Objects) else None
        qualified = self.analysis.semantics.qualified_name(func, self.scope)
        if qualified in SELECT and len(node.args) == 1 and not node.args[0].keyword:
            return self.selected(node)
        return self.constructed(node)

    def evaluate_quiet(self, node: cst.BaseExpression) -> Abstract | None:
        """The value of an expression already walked (no events recorded twice)."""
        events, self.events = self.events, None
        try:
            return self.evaluate(node)
        finally:
            self.events = events

    def selected(self, node: cst.Call) -> Statement | None:
        model_node = node.args[0].value
        model = self.model_of(model_node)
        if model is None:
            return None
        return Statement(Origin(model, producer=Producer(node, model_node, is_get=False)))

    def constructed(self, node: cst.Call) -> Objects | None:
        """`Model(...)`: a new (transient) instance, tracked once a session adds it."""
        model = self.model_of(node.func)
        if model is None or self.summary_mode:
            return None
        state = InstanceState(session=None, persistent=False)
        self.states.append(state)
        return Objects(Origin(model), (), state)

    def with_options(self, origin: Origin, args: Sequence[cst.Arg]) -> Origin:
        """The origin with the loader options of `.options(...)` (or `options=[...]`) applied."""
        loads = read_options(args, lambda node: self.analysis.semantics.qualified_name(node, self.scope))
        if loads is None:
            return replace(origin, opaque=True)
        return replace(
            origin, loaded=origin.loaded | frozenset(loads.loaded), undeferred=origin.undeferred | loads.undeferred
        )

    def model_of(self, node: cst.BaseExpression) -> str | None:
        qualified = self.analysis.model_name(node, self.scope)
        if qualified is None:
            return None
        if self.summary_mode or self.analysis.models.model(qualified) is not None:
            return qualified
        return None

    def method(self, receiver: Abstract | None, func: cst.Attribute, node: cst.Call) -> Abstract | None:
        name = func.attr.value
        if isinstance(receiver, Statement):
            if name == "options":
                return Statement(self.with_options(receiver.origin, node.args))
            return receiver if name in _STATEMENT_METHODS else None
        if isinstance(receiver, Rows):
            if name in _ROWS_TO_OBJECTS:
                return Objects(receiver.origin, (), receiver.state)
            return receiver if name == "unique" else None
        if isinstance(receiver, Objects):
            return receiver if name in _OBJECTS_METHODS else None
        session = self.session(func.value)
        if session is None:
            return self.constructed(node)  # `models.User(...)`
        if name in ("add", "add_all") and node.args:
            self.added(session, node.args[0].value)
        elif name == "expire" and node.args:
            self.expired(self.evaluate_quiet(node.args[0].value), node)
        return None

    # -- sessions ----------------------------------------------------------------------------------------------
    def session(self, node: cst.BaseExpression) -> SessionRef | None:
        """The receiver as a session: a known AsyncSession, or (in a helper's summary) a parameter."""
        value = self.analysis.semantics.value_of(node, self.scope)
        if value is not None and not value.is_class and value.kind is Kind.ASYNC_SESSION:
            return SessionRef(code_of(node), node, value)
        if self.helper_mode and isinstance(node, cst.Name) and value is None and self._is_param(node.value):
            return SessionRef(node.value, node, None)  # the caller's argument decides
        return None

    def _is_param(self, name: str) -> bool:
        bindings = self.scope.bindings.get(name, [])
        return len(bindings) == 1 and any(bindings[0].node is param for param in _params(self.function))

    def added(self, session: SessionRef, node: cst.BaseExpression) -> None:
        elements = [element.value for element in node.elements] if isinstance(node, (cst.List, cst.Tuple)) else [node]
        for element in elements:
            value = self.evaluate_quiet(element)
            if isinstance(value, Objects) and value.state is not None and value.state.session is None:
                value.state.session = session

    def expired(self, value: Abstract | None, call: cst.Call) -> None:
        if isinstance(value, Objects) and value.state is not None and not value.path:
            value.state.expired_by = call
            value.state.expired_statement = None  # refreshing right after expire() would undo the expire
            value.state.expired_variable = None
            value.state.reported = False

    def awaited(self, node: cst.BaseExpression) -> Abstract | None:
        if isinstance(node, cst.Attribute):
            value = self.evaluate(node.value)
            if isinstance(value, AwaitableAttrs):
                return self.related(value.objects, node.attr.value, node, check=False)
            return self.read(node, value)
        if not isinstance(node, cst.Call):
            self.evaluate(node)
            return None
        func = node.func
        if isinstance(func, cst.Attribute):
            session = self.session(func.value)
            if session is not None:
                for arg in node.args:
                    self.evaluate(arg.value)
                return self.session_call(session, func.attr.value, node)
        helper = self.helper(node)
        if helper is not None:
            self.call(node)
            return helper
        return self.call(node)

    def session_call(self, session: SessionRef, method: str, node: cst.Call) -> Abstract | None:
        if method in SESSION_EXPIRES or method == "flush":
            self.session_event(session, method, node)
            return None
        if method == "refresh" and node.args:
            self.refreshed(node)
            return None
        kind = LOADING_METHODS.get(method)
        if kind is None or not node.args:
            return None
        first = node.args[0].value
        if method in ("get", "get_one"):
            model = self.model_of(first)
            if model is None:
                return None
            origin = Origin(model, producer=Producer(node, first, is_get=True), session=session)
            options = argument(node, 99, "options")
            if options is not None:
                origin = self.with_options(origin, option_elements(options))
        else:
            statement = self.evaluate_quiet(first)
            if not isinstance(statement, Statement):
                return None
            origin = replace(statement.origin, session=session)
        if session.value is None:
            origin = replace(origin, session_param=session.key)
        state = InstanceState(session, persistent=True)
        self.states.append(state)
        return Rows(origin, state) if kind == "rows" else Objects(origin, (), state)

    def _transaction(self, node: cst.BaseExpression) -> tuple[SessionRef, cst.Call] | None:
        """`session.begin()` as an `async with` item: the session it commits at the end of the block."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "begin":
            session = self.session(node.func.value)
            return (session, node) if session is not None else None
        return None

    def session_event(self, session: SessionRef, method: str, node: cst.Call) -> None:
        expires_all = method == "commit" and session.value is not None and session.value.expire_on_commit is True
        for state in self.states:
            if state.session is None or state.session.key != session.key:
                continue
            if state.changed and method in ("commit", "flush"):
                state.stale_by, state.changed = node, False
            if expires_all or (method == "rollback" and state.persistent):
                state.expired_by, state.expired_statement, state.reported = node, self.statement, False
                state.expired_variable = state.variable

    def refreshed(self, node: cst.Call) -> None:
        target = node.args[0].value
        value = self.evaluate_quiet(target)
        if not isinstance(value, Objects) or value.path or value.state is None:
            return
        state = value.state
        state.expired_by = None
        state.reported_columns.clear()
        names_node = argument(node, 1, "attribute_names")
        names = _string_list(names_node) if names_node is not None else None
        if names is None or any(column in names for column in self._stale_columns(value)):
            state.stale_by = None
        origin = value.origin
        if names is None:  # a plain refresh loads again what the loader options loaded, and expires the rest
            refreshed = replace(origin, loaded=origin.loaded - origin.refreshed, refreshed=frozenset())
        else:
            paths = {(name,) for name in names} - origin.loaded
            refreshed = replace(
                origin,
                loaded=origin.loaded | paths,
                undeferred=origin.undeferred | set(names),
                refreshed=origin.refreshed | paths,
            )
        if isinstance(target, cst.Name):
            self.env[target.value] = Objects(refreshed, (), state)

    def _stale_columns(self, value: Objects) -> list[str]:
        model = self.analysis.models.model(value.origin.model)
        return list(model.columns) if model is not None else []

    def helper(self, node: cst.Call) -> Objects | None:
        """`await get_user(db, 1)`: the origin a helper of the workspace returns (followed one level)."""
        if self.helper_mode:
            return None
        analysis = self.analysis
        local = analysis.semantics.function_named(node.func, self.scope)
        origin: Origin | None = None
        params: tuple[str, ...] = ()
        if local is not None and isinstance(local.node, cst.FunctionDef):
            origin = analysis.returned(local)
            params = tuple(param.name.value for param in _params(local.node))
        else:
            qualified = analysis.semantics.qualified_name(node.func, self.scope)
            fact = analysis.models.function(analysis.name.absolute(qualified)) if qualified else None
            if fact is not None and fact.returns is not None:
                found = fact.returns
                # a helper whose own session is an AsyncSession: the instances are not the caller's session's
                session = None if found.session_param else SessionRef("", None, None)
                origin = Origin(found.model, frozenset(found.loaded), opaque=found.opaque, session=session)
                origin = replace(origin, session_param=found.session_param)
                params = fact.params
        if origin is None or analysis.models.model(origin.model) is None:
            return None
        state_session: SessionRef | None = None
        if origin.session_param is not None:
            passed = _passed(node, params, origin.session_param)
            state_session = self.session(passed) if passed is not None else None
            if state_session is None:
                return None
            origin = replace(origin, session=state_session, session_param=None)
        elif origin.session is None:
            return None
        state = InstanceState(state_session, persistent=True)
        self.states.append(state)
        return Objects(origin, (), state)

    # -- reads -------------------------------------------------------------------------------------------------
    def read(self, node: cst.Attribute, receiver: Abstract | None = None) -> Abstract | None:
        value = receiver if receiver is not None else self.evaluate(node.value)
        if not isinstance(value, Objects):
            return None
        attribute = node.attr.value
        if attribute == "awaitable_attrs":
            return AwaitableAttrs(value)
        model = self.model_at(value)
        if model is None:
            return None
        state = value.state
        expired = state is not None and state.expired_by is not None and not state.reported
        if expired and (attribute in model.attributes or attribute in model.relationships):
            assert state is not None
            state.reported = True
            self.record_expired(ExpiredRead(node, state, model, attribute))
        if attribute in model.relationships:
            return self.related(value, attribute, node, check=True)
        column = model.columns.get(attribute)
        if column is not None and state is not None and state.expired_by is None and not value.path:
            self.column_read(node, value, model, column)
        return None

    def related(self, value: Objects, attribute: str, node: cst.Attribute, check: bool) -> Objects | None:
        model = self.model_at(value)
        if model is None:
            return None
        relationship = model.relationships.get(attribute)
        if relationship is None or relationship.target is None:
            return None
        path = (*value.path, attribute)
        lazy = check and not relationship.eager and relationship.loads_on_access and not value.origin.loads(path)
        if lazy and self.events is not None and value.origin.session is not None:
            self.events.lazy_reads.append(LazyRead(node, value, relationship, model, self.in_generator > 0))
        return Objects(value.origin, path, value.state)

    def column_read(self, node: cst.Attribute, value: Objects, model: Model, column: Column) -> None:
        state = value.state
        assert state is not None
        stale = column.fact.fetched_on_update and state.stale_by is not None and not model.eager_defaults
        deferred = (
            column.fact.deferred
            and state.persistent
            and not value.origin.opaque
            and column.fact.name not in value.origin.undeferred
        )
        if (stale or deferred) and self.events is not None and column.fact.name not in state.reported_columns:
            state.reported_columns.add(column.fact.name)
            statement = self.statement if not self.in_comprehension else None  # its variables live in there
            snapshot = replace(state)  # as it is now: a later refresh or flush changes it
            self.events.stale_reads.append(StaleRead(node, model, column, not stale, snapshot, statement))

    def record_expired(self, read: ExpiredRead) -> None:
        if self.events is not None:  # the state as it is now: a later refresh or commit changes it
            self.events.expired_reads.append(replace(read, state=replace(read.state)))

    def model_at(self, value: Objects) -> Model | None:
        models = self.analysis.models
        model = models.model(value.origin.model)
        for step in value.path:
            relationship = model.relationships.get(step) if model is not None else None
            model = models.model(relationship.target) if relationship and relationship.target else None
        return model

    # -- responses ---------------------------------------------------------------------------------------------
    def check_response(self, node: cst.Return, value: Objects) -> None:
        if self.response is None or self.events is None:
            return
        model = self.model_at(value)
        if model is None:
            return
        state = value.state
        if state is not None and state.expired_by is not None and not state.reported and not value.path:
            state.reported = True
            self.record_expired(ExpiredRead(node, state, model, None))
        if value.origin.session is None:
            return
        missing = list(unloaded(self.response, model, value, self.analysis.models))
        if missing:
            self.events.responses.append(UnloadedResponse(node, value.origin, self.response, tuple(missing)))


def _string_list(node: cst.BaseExpression) -> list[str] | None:
    if not isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return None
    found = []
    for element in node.elements:
        if not isinstance(element.value, cst.SimpleString):
            return None
        value = element.value.evaluated_value
        if not isinstance(value, str):
            return None
        found.append(value)
    return found


def _leaves(block: cst.BaseSuite) -> bool:
    """Whether a block ends by leaving: its last statement is a `return`, `raise`, `break` or `continue`."""
    last = block.body[-1] if block.body else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1] if last.body else None
    return isinstance(last, (cst.Return, cst.Raise, cst.Break, cst.Continue))


def _params(node: cst.FunctionDef) -> list[cst.Param]:
    return [*node.params.posonly_params, *node.params.params, *node.params.kwonly_params]


def _passed(call: cst.Call, params: tuple[str, ...], name: str) -> cst.BaseExpression | None:
    """The argument a call passes for parameter `name`."""
    if name not in params:
        return None
    return argument(call, params.index(name), name)
