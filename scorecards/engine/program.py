"""Every check of a definitions compiled into one Python function (issue 17, item 3).

`evaluate_entity` runs the checks of an entity through this function, not check by
check: each distinct `applies` (of checks and scorecards) is evaluated once and
shared, each read of the entity and facts is made once (cel/speculative.py),
`&&`/`||`/`?:` are plain Python conditionals, failure messages are compiled in,
and a result that is the same for every entity (a skip, a pass reading no facts,
a pass reading one source whose facts carry the same timestamp) is made once and
shared.

Only the happy path is compiled. A check whose evaluation raises, returns a
non-bool or is exempted is evaluated again by checks.py, the precise path, which
words every message (so does a check whose required facts are missing or stale);
Python's `try` costs nothing until something is raised. A check that may loop (a comprehension in its rule or
`applies`) first checks the entity's deadline, and so does the check after it:
a check still to run when the time is up is left to the caller, which gives it
and every check after it the out-of-time error, as the precise path does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime
from typing import Any

from scorecards.cel import COST_LIMIT, Activation, Expression, syntax, to_python
from scorecards.cel.speculative import SPECULATION_FAILURES, Speculative
from scorecards.cel.values import Timestamp
from scorecards.definitions.compiled import Check, Definitions, Scorecard
from scorecards.engine.checks import (
    check_timestamps,
    evaluate_check_precisely,
    missing_facts,
)
from scorecards.records.facts import FactSnapshot
from scorecards.records.results import MAX_MESSAGE, CheckResult, Status, short_message

# The generated function's parameters: entity, facts (source -> values), now (CEL),
# stamps (source -> formatted timestamp), fact snapshots, entity ref, now (datetime),
# the cost budget [steps, deadline], the list the results are appended to, and the
# list each scorecard's `applies` answer is appended to (True, False, or None: ask
# the precise path).
PARAMETERS = "E, F, N, S, FS, ref, now, C, O, P"

Run = Callable[
    [
        Mapping[str, Any],
        Mapping[str, Any],
        Timestamp,
        Mapping[str, str],
        Mapping[str, FactSnapshot],
        str,
        datetime,
        list[float],
        list[CheckResult],
        list[bool | None],
    ],
    None,
]


class CheckProgram:
    """The checks of one definitions as one function appending a result per check."""

    def __init__(self, definitions: Definitions) -> None:
        self.definitions = definitions
        self.checks = tuple(definitions.checks.values())
        try:
            self.run, self.python_source = _Builder(self).build()
        except _TOO_DEEP:
            # An expression nests too deeply for Python's parser in this form (its own
            # program is then in the traced form): those go by the precise path.
            checks = frozenset(
                index
                for index, check in enumerate(self.checks)
                if not _builds(replace(definitions, checks={check.id: check}, scorecards={}))
            )
            scorecards = frozenset(
                scorecard.id
                for scorecard in definitions.scorecards.values()
                if not _builds(
                    replace(definitions, checks={}, scorecards={scorecard.id: scorecard})
                )
            )
            self.run, self.python_source = _Builder(self, checks, scorecards).build()

    def precise(
        self,
        index: int,
        entity: Mapping[str, Any],
        facts: Mapping[str, Any],
        now_value: Timestamp,
        stamps: Mapping[str, str],
        snapshots: Mapping[str, FactSnapshot],
        ref: str,
        now: datetime,
        budget: list[float],
    ) -> CheckResult:
        """Check `index` off the happy path: evaluated step by step, every message worded."""
        activation = Activation({"entity": entity, "facts": facts, "now": now_value}, budget[1])
        return evaluate_check_precisely(
            self.definitions, self.checks[index], ref, activation, snapshots, stamps, now
        )

    def unknown(
        self,
        index: int,
        snapshots: Mapping[str, FactSnapshot],
        stamps: Mapping[str, str],
        now: datetime,
    ) -> CheckResult:
        """A check whose required facts are missing or stale."""
        check = self.checks[index]
        reason = missing_facts(self.definitions, check, snapshots, now)
        return CheckResult(check.spec.id, Status.UNKNOWN, reason, check_timestamps(check, stamps))

    def timestamps(self, index: int, stamps: Mapping[str, str]) -> dict[str, str]:
        return check_timestamps(self.checks[index], stamps)


class SharedResults:
    """The results of one check and status reading one source, by the facts' timestamp.

    The facts a source collects in one run share its timestamp, so every entity
    whose check passes gets the same result: it is made once (a few timestamps
    are kept, the oldest forgotten first).
    """

    KEPT = 16

    def __init__(self, check_id: str, status: Status, source: str) -> None:
        self.check_id = check_id
        self.status = status
        self.source = source
        self.results: dict[str | None, CheckResult] = {}

    def make(self, stamp: str | None) -> CheckResult:
        timestamps = {self.source: stamp} if stamp is not None else {}
        result = CheckResult(self.check_id, self.status, None, timestamps)
        if len(self.results) >= self.KEPT:
            self.results.pop(next(iter(self.results), None), None)
        self.results[stamp] = result
        return result


_TOO_DEEP = (SyntaxError, RecursionError, MemoryError)


def _builds(definitions: Definitions) -> bool:
    probe = CheckProgram.__new__(CheckProgram)
    probe.definitions, probe.checks = definitions, tuple(definitions.checks.values())
    try:
        _Builder(probe).build()
    except _TOO_DEEP:
        return False
    return True


def loops(expression: Expression | None) -> bool:
    """Whether evaluating it may take long: only comprehensions can."""
    return expression is not None and any(
        isinstance(node, syntax.Comprehension) for node in expression.tree.walk()
    )


class _Builder:
    def __init__(
        self,
        program: CheckProgram,
        precise_checks: frozenset[int] = frozenset(),
        precise_scorecards: frozenset[str] = frozenset(),
    ) -> None:
        self.program = program
        self.precise_checks = precise_checks
        self.precise_scorecards = precise_scorecards
        self.code = Speculative()
        self.applies: dict[str, str] = {}  # applies source -> the local holding its value
        self.exempted = {check_id for check_id, _ in program.definitions.exemptions}
        self.precise = self.code.constant(program.precise)
        self.failures = self.code.constant(SPECULATION_FAILURES)

    def build(self) -> tuple[Run, str]:
        self.code.line("_O, _P = O.append, P.append")
        looped = False
        for index, check in enumerate(self.program.checks):
            looping = index in self.precise_checks or loops(check.applies) or loops(check.rule)
            if looping or looped:
                with self.code.block("if monotonic() > C[1]:"):
                    self.code.line("return")
            looped = looping or loops(check.message)
            self.check(index, check)
        if looped:
            with self.code.block("if monotonic() > C[1]:"):
                self.code.line("return")
        for scorecard in self.program.definitions.scorecards.values():
            self.scorecard(scorecard)
        self.code.line("return")
        function, source = self.code.build("run_checks", PARAMETERS)
        return function, source

    def scorecard(self, scorecard: Scorecard) -> None:
        """Its `applies`, shared with the checks that have the same one."""
        self.code.line(f"# scorecard {scorecard.id}")
        if scorecard.id in self.precise_scorecards:
            self.code.line("_P(None)")
            return
        if scorecard.applies is None:
            self.code.line("_P(True)")
            return
        applies = self.applies.get(scorecard.applies.source)
        if applies is None:
            if loops(scorecard.applies):
                with self.code.block("if monotonic() > C[1]:"):
                    self.code.line("return")
                self.code.line(f"C[0] = {COST_LIMIT}")
            applies = self.applies[scorecard.applies.source] = self.code.temp("applies")
            self.code.line(f"{applies} = None")
            with self.code.block("try:"):
                self.code.line(f"{applies} = {self.code.value(scorecard.applies.tree)}")
            with self.code.block(f"except {self.failures}:"):
                self.code.line("pass  # the precise path words it")
        self.code.line(f"_P({applies} if {applies} is True or {applies} is False else None)")

    def fall_back(self, index: int) -> str:
        return f"_O({self.precise}({index}, E, F, N, S, FS, ref, now, C))"

    def check(self, index: int, check: Check) -> None:
        self.code.line(f"# {check.spec.id}")
        if index in self.precise_checks:
            self.code.line(self.fall_back(index))
            return
        if check.applies is None:
            with self.code.block("try:"):
                self.body(index, check)
            self.on_failure(index)
            return
        applies = self.applies.get(check.applies.source)
        first = applies is None
        if applies is None:
            applies = self.applies[check.applies.source] = self.code.temp("applies")
            self.code.line(f"{applies} = None")  # stays None if it raises
        with self.code.block("try:"):
            if first:
                if loops(check.applies):
                    self.code.line(f"C[0] = {COST_LIMIT}")
                self.code.line(f"{applies} = {self.code.value(check.applies.tree)}")
            with self.code.block(f"if {applies} is True:"):
                self.body(index, check)
            skip = self.code.constant(CheckResult(check.spec.id, Status.SKIP))
            with self.code.block(f"elif {applies} is False:"):
                self.code.line(f"_O({skip})")
            with self.code.block("else:"):
                self.code.line(self.fall_back(index))
        self.on_failure(index)

    def on_failure(self, index: int) -> None:
        with self.code.block(f"except {self.failures}:"):
            self.code.line(self.fall_back(index))

    def body(self, index: int, check: Check) -> None:
        """After `applies` held: exemption, required facts, then the rule (§4's order)."""
        with ExitStack() as branches:
            if check.spec.id in self.exempted:
                exemptions = self.code.constant(self.program.definitions.exemptions)
                with self.code.block(f"if ({check.spec.id!r}, ref) in {exemptions}:"):
                    self.code.line(self.fall_back(index))
                branches.enter_context(self.code.block("else:"))
            if check.spec.requires:
                unusable = []
                for source in check.spec.requires:
                    unusable.append(f"{source!r} not in FS")
                    max_age = self.program.definitions.max_age(check, source)
                    if max_age is not None:
                        age = self.code.constant(max_age)
                        unusable.append(
                            self.code.shared(
                                ("stale", source, str(max_age)),
                                f"now - FS[{source!r}].timestamp > {age}",
                            )
                        )
                unknown = self.code.constant(self.program.unknown)
                with self.code.block(f"if {' or '.join(unusable)}:"):
                    self.code.line(f"_O({unknown}({index}, FS, S, now))")
                branches.enter_context(self.code.block("else:"))
            self.rule(index, check)

    def rule(self, index: int, check: Check) -> None:
        if loops(check.rule):
            self.code.line(f"C[0] = {COST_LIMIT}")
        outcome = self.code.temp("outcome")
        self.code.line(f"{outcome} = {self.code.value(check.rule.tree)}")
        with self.code.block(f"if {outcome} is True:"):
            self.code.line(f"_O({self.result(index, check, Status.PASS, 'None')})")
        with self.code.block(f"elif {outcome} is False:"):
            message = "None"
            if check.message is not None:
                if loops(check.message):
                    self.code.line(f"C[0] = {COST_LIMIT}")
                value = self.code.temp("message")
                self.code.line(f"{value} = {self.code.value(check.message.tree)}")
                # As failure_message words it; one that raises is worded by the precise path.
                short, plain = self.code.constant(short_message), self.code.constant(to_python)
                message = (
                    f"({value} if type({value}) is str and len({value}) <= {MAX_MESSAGE} "
                    f"and '\\n' not in {value} else {short}({value} if type({value}) is str "
                    f"else str({plain}({value}))))"
                )
            self.code.line(f"_O({self.result(index, check, Status.FAIL, message)})")
        with self.code.block("else:"):
            self.code.line(self.fall_back(index))

    def result(self, index: int, check: Check, status: Status, message: str) -> str:
        """A result: made here once when it is the same for every entity."""
        if message == "None" and not check.fact_sources:
            return self.code.constant(CheckResult(check.spec.id, status))
        if message == "None" and len(check.fact_sources) == 1:
            [source] = check.fact_sources
            shared = SharedResults(check.spec.id, status, source)
            get, make = self.code.constant(shared.results.get), self.code.constant(shared.make)
            held, stamp = self.code.temp(), self.code.temp()
            return (
                f"({held} if ({held} := {get}({stamp} := S.get({source!r}))) is not None "
                f"else {make}({stamp}))"
            )
        timestamps = f"{self.code.constant(self.program.timestamps)}({index}, S)"
        if not check.fact_sources:
            timestamps = "{}"
        elif len(check.fact_sources) == 1:
            [source] = check.fact_sources
            held = self.code.temp()
            timestamps = (
                f"({{{source!r}: {held}}} if ({held} := S.get({source!r})) is not None else {{}})"
            )
        make = self.code.constant(CheckResult)
        return f"{make}({check.spec.id!r}, {self.code.constant(status)}, {message}, {timestamps})"
