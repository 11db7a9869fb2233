"""A small arithmetic language for dynamics, conditions and scales.

Formulas are parsed once, at load time, into Python closures; nothing is ever
passed to ``eval``. The language:

- numbers (``0.5``, ``1e3``), indicator ids (``cobalt.price``), ``round``
  (the round being resolved, from 1);
- ``+ - * / ^``, comparisons ``< <= > >= == !=``, ``and or not``, parentheses;
- functions: ``min max abs clamp(x, lo, hi) if(cond, a, b) sqrt log exp``,
  ``start(indicator)`` (its start value), ``prev(indicator)`` (its value at the
  start of the round), and three that read the orders rather than numbers:
  ``active("move_id")`` (1 if that policy is in force), ``played("move_id")``
  (1 if it was ordered this round), ``acting("tag")`` (how many roles have a
  move with that tag in force or ordered this round).

What a formula sees depends on where it is used. A move's precondition
(``requires``) sees the state at the start of the round, before anyone's
orders. Event triggers, effect conditions (``when``) and multipliers (``scale``)
see the start-of-round values together with this round's orders and policies.
Dynamics see the values after this round's effects.

Booleans are numbers (true is 1, false is 0), so ``0.3 + 0.7 * active("x")`` reads
naturally. Division by zero gives 0 rather than an error mid-game: a formula is
a model of the world and a crash in front of a room is worse than a zero.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Protocol


class Context(Protocol):
    """What a compiled formula reads. The engine supplies it."""

    values: list[float]
    starts: list[float]
    prevs: list[float]
    round: int

    def active(self, move_id: str) -> bool: ...
    def played(self, move_id: str) -> bool: ...
    def acting(self, tag: str) -> int: ...


Compiled = Callable[[Context], float]


class FormulaError(ValueError):
    """A formula that does not parse or names something unknown.

    ``offset`` is the 0-based character position in the formula text.
    """

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<str>"[^"\n]*"|'[^'\n]*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|==|!=|[-+*/^()<>,])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    offset: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch in "\"'":
                raise FormulaError(f"this quote {ch} is never closed", pos)
            tip = _HINTS.get(ch)
            raise FormulaError(f"unexpected character {ch!r}" + (f": {tip}" if tip else ""), pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- syntax tree -----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Ref:
    name: str
    offset: int


@dataclass(frozen=True, slots=True)
class Str:
    value: str
    offset: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: "Node"


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: "Node"
    right: "Node"


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple["Node", ...]
    offset: int


Node = Num | Ref | Str | Unary | Binary | Call

# Binding powers: higher binds tighter. ^ is right-associative.
_INFIX = {
    "or": 1, "and": 2,
    "<": 4, "<=": 4, ">": 4, ">=": 4, "==": 4, "!=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "^": 8,
}
_KEYWORDS = {"and", "or", "not"}

# name -> (min args, max args, takes string ids, takes an indicator ref)
FUNCTIONS: dict[str, tuple[int, int]] = {
    "min": (2, 16), "max": (2, 16), "abs": (1, 1), "clamp": (3, 3), "if": (3, 3),
    "sqrt": (1, 1), "log": (1, 1), "exp": (1, 1),
    "start": (1, 1), "prev": (1, 1),
    "active": (1, 1), "played": (1, 1), "acting": (1, 1),
}
_ID_FUNCTIONS = {"active", "played", "acting"}
_REF_FUNCTIONS = {"start", "prev"}


MAX_DEPTH = 64
"""Deepest syntax tree allowed: a longer chain of operators or brackets is refused
(with its position), so parsing, compiling and evaluating never exhaust the stack."""

_HINTS = {
    "=": "use '==' to compare",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not' (or '!=' to compare)",
    "%": "there is no '%': write 0.1 for ten per cent",
    "$": "'$target' is only for an effect's indicator, not a formula",
    "[": "use ( ) for grouping",
    "]": "use ( ) for grouping",
    "{": "use ( ) for grouping",
    "}": "use ( ) for grouping",
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depths: dict[int, int] = {}
        self.level = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str, opened: Token | None = None) -> Token:
        tok = self.take()
        if tok.text != text:
            found = "the end of the formula" if tok.kind == "end" else repr(tok.text)
            extra = ""
            if opened is not None and text == ")":
                extra = f" to close the '(' at character {opened.offset + 1}"
            raise FormulaError(f"expected {text!r}{extra}, found {found}", tok.offset)
        return tok

    def parse(self) -> Node:
        node = self.expr(0)
        tok = self.peek()
        if tok.kind != "end":
            if tok.text == ")":
                raise FormulaError("unmatched ')': there is no '(' open here", tok.offset)
            raise FormulaError(f"unexpected {tok.text!r}: an operator (+ - * / ^ < > == and or) is missing before it",
                               tok.offset)
        return node

    def node(self, node: Node, at: Token, *children: Node) -> Node:
        """Record a node's depth; refuse trees deeper than MAX_DEPTH."""
        depth = 1 + max((self.depths.get(id(c), 1) for c in children), default=0)
        if depth > MAX_DEPTH:
            raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels): split it up",
                               at.offset)
        self.depths[id(node)] = depth
        return node

    def expr(self, min_bp: int) -> Node:
        left = self.prefix()
        while True:
            tok = self.peek()
            op = tok.text if tok.kind in ("op", "name") else None
            bp = _INFIX.get(op) if op else None
            if bp is None or bp <= min_bp:
                return left
            self.take()
            # '^' is right-associative: its right side may hold another '^'.
            right = self.nested(tok, bp - 1 if op == "^" else bp)
            left = self.node(Binary(op, left, right), tok, left, right)

    def prefix(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return self.node(Num(float(tok.text)), tok)
        if tok.kind == "str":
            return self.node(Str(tok.text[1:-1], tok.offset), tok)
        if tok.text == "(":
            inner = self.nested(tok)
            self.expect(")", tok)
            return inner
        if tok.text in ("-", "+"):
            operand = self.nested(tok, 7)
            return self.node(Unary(tok.text, operand), tok, operand)
        if tok.text == "not":
            operand = self.nested(tok, 3)
            return self.node(Unary("not", operand), tok, operand)
        if tok.kind == "name" and tok.text not in _KEYWORDS:
            if self.peek().text == "(":
                return self.call(tok)
            return self.node(Ref(tok.text, tok.offset), tok)
        if tok.kind == "end":
            raise FormulaError("the formula ends too soon: a value is missing at the end", tok.offset)
        raise FormulaError(f"unexpected {tok.text!r}: a value is missing before it", tok.offset)

    def nested(self, tok: Token, min_bp: int = 0) -> Node:
        """An expression inside brackets or after a prefix operator, with the nesting counted."""
        self.level += 1
        try:
            if self.level > MAX_DEPTH:
                raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels): split it up",
                                   tok.offset)
            return self.expr(min_bp)
        finally:
            self.level -= 1

    def call(self, name: Token) -> Node:
        if name.text not in FUNCTIONS:
            from wargame.scenario.suggest import did_you_mean

            known = did_you_mean(name.text, FUNCTIONS) or f" (functions: {', '.join(sorted(FUNCTIONS))})"
            raise FormulaError(f"unknown function {name.text!r}{known}", name.offset)
        opened = self.expect("(")
        args: list[Node] = []
        if self.peek().text != ")":
            args.append(self.nested(opened))
            while self.peek().text == ",":
                self.take()
                args.append(self.nested(opened))
        self.expect(")", opened)
        lo, hi = FUNCTIONS[name.text]
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise FormulaError(f"{name.text}() takes {want} argument{'' if want == '1' else 's'}, got {len(args)}",
                               name.offset)
        return self.node(Call(name.text, tuple(args), name.offset), name, *args)


@dataclass
class Formula:
    """A parsed formula: its text, what it reads, and a compiled callable."""

    text: str
    tree: Node
    refs: list[Ref] = field(default_factory=list)
    ids: list[Str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> "Formula":
        tree = _Parser(text).parse()
        formula = cls(text, tree)
        formula._collect(tree, None)
        return formula

    def _collect(self, node: Node, parent: str | None) -> None:
        match node:
            case Ref():
                self.refs.append(node)
            case Str():
                if parent not in _ID_FUNCTIONS:
                    raise FormulaError("a quoted id is only allowed inside active(), played() or acting()", node.offset)
                self.ids.append(node)
            case Unary(operand=x):
                self._collect(x, None)
            case Binary(left=a, right=b):
                self._collect(a, None)
                self._collect(b, None)
            case Call(name=name, args=args, offset=off):
                if name in _ID_FUNCTIONS and not isinstance(args[0], Str):
                    raise FormulaError(f'{name}() takes a quoted id, like {name}("some_id")', off)
                if name in _REF_FUNCTIONS and (not isinstance(args[0], Ref) or args[0].name == "round"):
                    raise FormulaError(f"{name}() takes an indicator id, like {name}(cobalt.price)", off)
                for a in args:
                    self._collect(a, name)

    def compile(self, index: dict[str, int]) -> Compiled:
        """Turn the tree into nested closures reading ``ctx.values`` by position.

        ``index`` maps indicator ids to positions; unknown ids must have been
        reported by the loader already (see ``unknown_refs``).
        """
        return _compile(self.tree, index)

    def unknown_refs(self, known: set[str]) -> list[Ref]:
        return [r for r in self.refs if r.name != "round" and r.name not in known]


def _truth(x: float) -> float:
    return 1.0 if x else 0.0


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0


def _pow(a: float, b: float) -> float:
    try:
        r = a ** b
    except (OverflowError, ZeroDivisionError):
        return 0.0
    return r if isinstance(r, float) or isinstance(r, int) else 0.0


_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _div,
    "^": _pow,
    "<": lambda a, b: _truth(a < b),
    "<=": lambda a, b: _truth(a <= b),
    ">": lambda a, b: _truth(a > b),
    ">=": lambda a, b: _truth(a >= b),
    "==": lambda a, b: _truth(a == b),
    "!=": lambda a, b: _truth(a != b),
}


def _safe(fn: Callable[[float], float]) -> Callable[[float], float]:
    def call(x: float) -> float:
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return 0.0

    return call


_UNARY_FN = {"abs": abs, "sqrt": _safe(math.sqrt), "log": _safe(math.log), "exp": _safe(math.exp)}


def _compile(node: Node, index: dict[str, int]) -> Compiled:
    match node:
        case Num(value=v):
            return lambda ctx: v
        case Ref(name="round"):
            return lambda ctx: float(ctx.round)
        case Ref(name=name):
            i = index[name]
            return lambda ctx: ctx.values[i]
        case Unary(op="-", operand=x):
            f = _compile(x, index)
            return lambda ctx: -f(ctx)
        case Unary(op="+", operand=x):
            return _compile(x, index)
        case Unary(op="not", operand=x):
            f = _compile(x, index)
            return lambda ctx: 0.0 if f(ctx) else 1.0
        case Binary(op="and", left=a, right=b):
            fa, fb = _compile(a, index), _compile(b, index)
            return lambda ctx: 1.0 if (fa(ctx) and fb(ctx)) else 0.0
        case Binary(op="or", left=a, right=b):
            fa, fb = _compile(a, index), _compile(b, index)
            return lambda ctx: 1.0 if (fa(ctx) or fb(ctx)) else 0.0
        case Binary(op=op, left=a, right=b):
            fa, fb, fn = _compile(a, index), _compile(b, index), _BINARY[op]
            return lambda ctx: fn(fa(ctx), fb(ctx))
        case Call(name="active", args=(Str(value=mid),)):
            return lambda ctx: 1.0 if ctx.active(mid) else 0.0
        case Call(name="played", args=(Str(value=mid),)):
            return lambda ctx: 1.0 if ctx.played(mid) else 0.0
        case Call(name="acting", args=(Str(value=tag),)):
            return lambda ctx: float(ctx.acting(tag))
        case Call(name="start", args=(Ref(name=name),)):
            i = index[name]
            return lambda ctx: ctx.starts[i]
        case Call(name="prev", args=(Ref(name=name),)):
            i = index[name]
            return lambda ctx: ctx.prevs[i]
        case Call(name="if", args=(c, a, b)):
            fc, fa, fb = (_compile(x, index) for x in (c, a, b))
            return lambda ctx: fa(ctx) if fc(ctx) else fb(ctx)
        case Call(name="clamp", args=(x, lo, hi)):
            fx, flo, fhi = (_compile(y, index) for y in (x, lo, hi))
            return lambda ctx: min(max(fx(ctx), flo(ctx)), fhi(ctx))
        case Call(name="min", args=args):
            fs = [_compile(a, index) for a in args]
            return lambda ctx: min(f(ctx) for f in fs)
        case Call(name="max", args=args):
            fs = [_compile(a, index) for a in args]
            return lambda ctx: max(f(ctx) for f in fs)
        case Call(name=name, args=(x,)) if name in _UNARY_FN:
            f, fn = _compile(x, index), _UNARY_FN[name]
            return lambda ctx: fn(f(ctx))
    raise AssertionError(f"uncompilable node {node!r}")  # the parser never builds one
