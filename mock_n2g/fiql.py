"""Parser and evaluator for the Newsletter2Go `_filter` language (FIQL-like).

`parse('email=like="%example%";rating=gt="3"').matches(resolve)` tests one record, where
`resolve(name)` returns the record's value for a field (str, int, float, bool, list of str, or
None when unset). Comparisons mimic MySQL's case-insensitive collation.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

Resolver = Callable[[str], Any]
Predicate = Callable[[Resolver], bool]

MAX_LENGTH = 4096
MAX_DEPTH = 50

_WORDS = frozenset(
    ["ne", "gt", "ge", "lt", "le", "like", "nlike", "contains", "ncontains", "in", "nin"]
)
_TOKEN = re.compile(
    r"\s*(?:(?P<op>=[A-Za-z]*=|!=)|(?P<num>-?\d+(?:\.\d+)?)|(?P<ident>[A-Za-z_][A-Za-z0-9_.]*)"
    r'|(?P<punct>[();,])|(?P<str>"(?:[^"\\]|\\.)*")|(?P<eof>\Z)|(?P<bad>.))',
    re.DOTALL,
)
_UNESCAPE = re.compile(r'\\(["\\])')
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_ORDERINGS = {"=gt=": operator.gt, "=ge=": operator.ge, "=lt=": operator.lt, "=le=": operator.le}
_FLIPPED = {"==": "==", "=gt=": "=lt=", "=ge=": "=le=", "=lt=": "=gt=", "=le=": "=ge="}
_NEGATIONS = {"=ne=": "==", "=nlike=": "=like=", "=ncontains=": "=contains=", "=nin=": "=in="}
_NEEDS_FIELD_ON_LEFT = frozenset(["=like=", "=nlike=", "=contains=", "=ncontains="])


class FilterError(ValueError):
    """A malformed filter; the message is meant for the API user and names a 1-based position."""


def _text(value: Any) -> str | None:
    """The value as a string for string comparisons; None for lists, which have no scalar text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if isinstance(value, list | tuple | set | frozenset | dict) else str(value)


@dataclass(frozen=True, slots=True)
class Field:
    """An unquoted operand: the name of a record field."""

    name: str


@dataclass(frozen=True, slots=True)
class Literal:
    """A quoted or numeric operand, with its comparison forms precomputed."""

    text: str
    lower: str
    number: float | None
    boolean: bool | None

    @classmethod
    def of(cls, text: str) -> Literal:
        lower = text.lower()
        number = float(text) if _NUMBER.fullmatch(text.strip()) else None
        return cls(text, lower, number, _BOOLEANS.get(lower))

    @classmethod
    def of_value(cls, value: Any) -> Literal | None:
        """A record value as the right side of a field-to-field comparison (None for lists)."""
        text = _text(value)
        if text is None:
            return None
        if isinstance(value, bool):
            return cls(text, text, None, value)
        if isinstance(value, int | float):
            return cls(text, text.lower(), value, None)
        return cls.of(text)


Operand = Field | Literal
Right = Field | Literal | tuple[Literal, ...]


def _equals(value: Any, lit: Literal) -> bool:
    if value is None:
        return lit.lower == ""
    if isinstance(value, str):
        return value.lower() == lit.lower
    if isinstance(value, bool):
        return value is lit.boolean
    if isinstance(value, int | float):
        return lit.number is not None and value == lit.number
    return False


def _order(value: Any, lit: Literal) -> int | None:
    """-1, 0 or 1: numeric if both sides are numbers, else by lower-cased text; None for lists."""
    if lit.number is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return (value > lit.number) - (value < lit.number)
    text = _text(value)
    if text is None:
        return None
    text = text.lower()
    return (text > lit.lower) - (text < lit.lower)


def _contains(container: Any, item: Literal) -> bool:
    if isinstance(container, list):
        return any(_equals(element, item) for element in container)
    text = None if container is None else _text(container)
    return text is not None and item.lower in text.lower()


@lru_cache(maxsize=512)
def _like_regex(pattern: str) -> re.Pattern[str]:
    """Compile SQL LIKE to a regex; `%` segments are atomic so matching cannot blow up."""
    segments = [""]
    chars = iter(pattern)
    for char in chars:
        if char == "%":
            segments.append("")
        elif char == "_":
            segments[-1] += "."
        else:
            segments[-1] += re.escape(next(chars, "\\") if char == "\\" else char)
    if len(segments) > 1:
        middle = "".join(f"(?>.*?{segment})" for segment in segments[1:-1] if segment)
        segments = [f"{segments[0]}{middle}.*{segments[-1]}"]
    return re.compile(segments[0], re.IGNORECASE | re.DOTALL)


def _like(value: Any, regex: re.Pattern[str]) -> bool:
    text = _text(value)
    return text is not None and regex.fullmatch(text) is not None


def _binary(test: Callable[[Any, Literal], bool], subject: Field, other: Operand) -> Predicate:
    """A predicate applying `test` to the subject field's value and the other operand."""
    name = subject.name
    if isinstance(other, Literal):
        return lambda resolve: test(resolve(name), other)
    other_name = other.name

    def predicate(resolve: Resolver) -> bool:
        lit = Literal.of_value(resolve(other_name))
        return lit is not None and test(resolve(name), lit)

    return predicate


def _in_list(subject: Field, items: tuple[Literal, ...]) -> Predicate:
    lowers = frozenset(item.lower for item in items)
    numbers = frozenset(item.number for item in items if item.number is not None)
    booleans = frozenset(item.boolean for item in items if item.boolean is not None)

    def member(value: Any) -> bool:
        if isinstance(value, str):
            return value.lower() in lowers
        if isinstance(value, bool):
            return value in booleans
        if isinstance(value, int | float):
            return value in numbers
        return isinstance(value, list) and any(member(element) for element in value)

    name = subject.name
    return lambda resolve: member(resolve(name))


def _positive(op: str, left: Operand, right: Right) -> Predicate:
    """The predicate of a non-negated operator; the parser has checked the operand kinds."""
    if op == "=in=":
        if isinstance(right, Field):
            return _binary(_contains, right, left)
        assert isinstance(left, Field)
        return _in_list(left, right if isinstance(right, tuple) else (right,))
    assert not isinstance(right, tuple)
    if not isinstance(left, Field):
        assert isinstance(right, Field)
        left, right, op = right, left, _FLIPPED[op]
    if op in _ORDERINGS:
        compare = _ORDERINGS[op]

        def ordered(value: Any, lit: Literal) -> bool:
            result = _order(value, lit)
            return result is not None and compare(result, 0)

        return _binary(ordered, left, right)
    if op != "=like=":
        return _binary(_equals if op == "==" else _contains, left, right)
    if isinstance(right, Literal):
        regex, name = _like_regex(right.text), left.name
        return lambda resolve: _like(resolve(name), regex)
    return _binary(lambda value, lit: _like(value, _like_regex(lit.text)), left, right)


def _predicate(op: str, left: Operand, right: Right) -> Predicate:
    base = _NEGATIONS.get(op, op)
    positive = _positive(base, left, right)
    return positive if base == op else lambda resolve: not positive(resolve)


@dataclass(frozen=True, slots=True)
class Comparison:
    """`left op right`; `test` is the predicate compiled at parse time."""

    op: str
    left: Operand
    right: Right
    test: Predicate = field(repr=False, compare=False)

    def matches(self, resolve: Resolver) -> bool:
        return self.test(resolve)


@dataclass(frozen=True, slots=True)
class And:
    """All parts match (`;`)."""

    parts: tuple[Node, ...]

    def matches(self, resolve: Resolver) -> bool:
        return all(part.matches(resolve) for part in self.parts)


@dataclass(frozen=True, slots=True)
class Or:
    """At least one part matches (`,`)."""

    parts: tuple[Node, ...]

    def matches(self, resolve: Resolver) -> bool:
        return any(part.matches(resolve) for part in self.parts)


Node = Comparison | And | Or


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed filter; immutable, thread-safe, reusable on many records."""

    source: str
    root: Node = field(repr=False)
    _names: frozenset[str] = field(repr=False, compare=False)

    def field_names(self) -> frozenset[str]:
        """Every field referenced anywhere in the filter."""
        return self._names

    def matches(self, resolve: Resolver) -> bool:
        return self.root.matches(resolve)


class _Token(NamedTuple):
    kind: str  # op, num, ident, str, eof, or the punctuation character itself
    text: str
    value: str
    pos: int

    def describe(self) -> str:
        if self.kind == "eof":
            return "end of filter"
        return f"'{self.text}'" if len(self.text) <= 30 else f"'{self.text[:27]}...'"


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while not tokens or tokens[-1].kind != "eof":
        match = _TOKEN.match(text, pos)
        assert match is not None  # the last alternative matches any character
        kind = match.lastgroup or "eof"
        raw, start, pos = match.group(kind), match.start(kind), match.end()
        value = raw
        if kind == "bad":
            what = "unterminated string starting" if raw == '"' else f"unexpected character {raw!r}"
            hint = "; operators look like '==', '=ne=' or '=like='" if raw in "=!" else ""
            raise FilterError(f"{what} at position {start + 1}{hint}")
        if kind == "op":
            word = raw[1:-1].lower()
            if raw != "!=" and word and word not in _WORDS:
                raise FilterError(f"unknown operator '{raw}' at position {start + 1}")
            value = "=ne=" if raw == "!=" else f"={word}=" if word else "=="
        elif kind == "str":
            value = _UNESCAPE.sub(r"\1", raw[1:-1])
        tokens.append(_Token(raw if kind == "punct" else kind, raw, value, start))
    return tokens


class _Parser:
    """Recursive descent: or := and (',' and)*; and := primary (';' primary)*."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens, self.index, self.depth = tokens, 0, 0
        self.names: set[str] = set()

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def expected(self, what: str, token: _Token) -> FilterError:
        return FilterError(f"expected {what} at position {token.pos + 1}, found {token.describe()}")

    def chain(self, separator: str, node: type[And | Or], part: Callable[[], Node]) -> Node:
        parts = [part()]
        while self.peek().kind == separator:
            self.take()
            parts.append(part())
        return parts[0] if len(parts) == 1 else node(tuple(parts))

    def parse_or(self) -> Node:
        return self.chain(",", Or, lambda: self.chain(";", And, self.parse_primary))

    def parse_primary(self) -> Node:
        if self.peek().kind != "(":
            return self.parse_comparison()
        opening = self.take()
        if self.depth >= MAX_DEPTH:
            raise FilterError(
                f"more than {MAX_DEPTH} nested parentheses at position {opening.pos + 1}"
            )
        self.depth += 1
        node = self.parse_or()
        if self.peek().kind != ")":
            found = self.peek()
            raise FilterError(
                f"'(' at position {opening.pos + 1} is never closed: expected ')' at position "
                f"{found.pos + 1}, found {found.describe()}"
            )
        self.take()
        self.depth -= 1
        return node

    def operand(self) -> Operand:
        token = self.take()
        if token.kind == "ident":
            self.names.add(token.value)
            return Field(token.value)
        if token.kind in ("str", "num"):
            return Literal.of(token.value)
        if token.kind == "(":
            raise FilterError(
                f"a list at position {token.pos + 1} is only allowed after =in=/=nin="
            )
        raise self.expected("a field name or a quoted value", token)

    def parse_list(self) -> tuple[Literal, ...]:
        items: list[Literal] = []
        while not items or self.peek().kind != ")":
            self.take()  # the opening parenthesis, then each comma
            token = self.take()
            if token.kind not in ("str", "num"):
                raise self.expected("a quoted value or a number in the list", token)
            items.append(Literal.of(token.value))
            if self.peek().kind not in (",", ")"):
                raise self.expected("',' or ')' in the list", self.peek())
        self.take()
        return tuple(items)

    def parse_comparison(self) -> Comparison:
        start = self.peek()
        left = self.operand()
        if self.peek().kind != "op":
            raise self.expected("an operator such as '==' or '=like='", self.peek())
        op = self.take().value
        in_list = op in ("=in=", "=nin=") and self.peek().kind == "("
        right = self.parse_list() if in_list else self.operand()
        where = f"the comparison at position {start.pos + 1}"
        if not isinstance(left, Field) and not isinstance(right, Field):
            raise FilterError(f"{where} names no field (field names are unquoted, values quoted)")
        if op in _NEEDS_FIELD_ON_LEFT and not isinstance(left, Field):
            raise FilterError(f"{where} needs a field name on the left of {op}")
        return Comparison(op, left, right, _predicate(op, left, right))


def parse(text: str) -> Filter:
    """Parse a URL-decoded `_filter` value; raises FilterError when it is malformed."""
    if not isinstance(text, str):
        raise FilterError("the filter must be a string")
    if len(text) > MAX_LENGTH:
        raise FilterError(f"the filter is longer than {MAX_LENGTH} characters ({len(text)})")
    tokens = _tokenize(text)
    if tokens[0].kind == "eof":
        raise FilterError("the filter is empty")
    parser = _Parser(tokens)
    root = parser.parse_or()
    if parser.peek().kind != "eof":
        tail = parser.peek()
        raise FilterError(f"unexpected {tail.describe()} at position {tail.pos + 1}")
    return Filter(text, root, frozenset(parser.names))
