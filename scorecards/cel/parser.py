"""Parse CEL source text into the syntax tree of syntax.py.

The grammar (grammar.lark) is CEL's, parsed by lark's LALR parser. Here the
parse tree becomes our nodes: literals are decoded with CEL's escape rules,
`-` folds into numeric literals (so -9223372036854775808 is an int), and
macros are recognised. Errors are CelSyntaxError with a 1-based line and column.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from pathlib import Path
from typing import Any

import lark
from lark import Token, Tree

from scorecards.cel import syntax as s
from scorecards.cel.values import INT64_MAX, UINT64_MAX, Uint
from scorecards.errors import CelSyntaxError

MAX_LENGTH = 4_000
# Nesting of operators, calls, brackets and members. CEL asks implementations for at
# least 32 levels of each kind; the bound keeps compiling (recursive) safe.
MAX_DEPTH = 100

RESERVED = frozenset(
    [
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    ]
)
# Macros: name -> argument counts taken in receiver style (`x.all(v, p)`).
RECEIVER_MACROS = {
    "all": (2, 3),
    "exists": (2, 3),
    "exists_one": (2, 3),
    "existsOne": (2, 3),
    "map": (2, 3),
    "filter": (2,),
    "transformList": (3, 4),
    "transformMap": (3, 4),
    "transformMapEntry": (3, 4),
    "sortBy": (2,),
    "optMap": (2,),
    "optFlatMap": (2,),
}


@functools.cache
def _lark() -> lark.Lark:
    # Building the LALR tables takes about 0.2 s, so Lark keeps them in the user's own
    # cache folder (checked against the grammar's and Lark's version; rebuilt when stale
    # or unreadable). Not Lark's default /tmp file: another user could plant that one.
    grammar = (Path(__file__).parent / "grammar.lark").read_text()
    return lark.Lark(
        grammar,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        cache=_tables_file() or False,
    )


def _tables_file() -> str | None:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scorecards"
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:  # a read-only home: build the tables each time
        return None
    return str(root / f"cel-grammar-py{sys.version_info[0]}{sys.version_info[1]}.lark")


# Loading definitions parses each expression more than once (compiling it, then the lints
# over its syntax); trees are frozen, so one parse serves them all. Bounded: what-if
# requests bring definitions of their own.
@functools.lru_cache(maxsize=2048)
def parse(source: str) -> s.Node:
    """The syntax tree of `source`, or CelSyntaxError saying where and what is wrong."""
    if len(source) > MAX_LENGTH:
        raise CelSyntaxError(f"expression is {len(source)} characters; the limit is {MAX_LENGTH}")
    if not source.strip():
        raise CelSyntaxError("expression is empty")
    try:
        tree = _lark().parse(source)
    except lark.exceptions.UnexpectedInput as exc:
        raise _syntax_error(source, exc) from None
    return Builder(source).build(tree)


def _syntax_error(source: str, exc: lark.exceptions.UnexpectedInput) -> CelSyntaxError:
    line, column = max(exc.line, 1), max(exc.column, 1)
    if isinstance(exc, lark.exceptions.UnexpectedCharacters):
        offset = exc.pos_in_stream or 0
        char = source[offset] if offset < len(source) else ""
        what = f"unexpected character {char!r}"
        if char in "'\"":
            what = "unterminated string literal or invalid escape sequence"
    elif isinstance(exc, lark.exceptions.UnexpectedToken) and exc.token.type != "$END":
        what = f"unexpected {exc.token.value!r}"
    else:
        what = "unexpected end of expression"
        lines = source.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    return CelSyntaxError(
        f"CEL syntax error at line {line}, column {column}: {what}",
        line,
        column,
        excerpt=caret(source, line, column),
    )


def caret(source: str, line: int, column: int) -> str:
    """The source line and a caret under `column` (both 1-based)."""
    lines = source.splitlines() or [""]
    text = lines[min(line, len(lines)) - 1]
    return f"{text}\n{' ' * (column - 1)}^"


def position(source: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset."""
    before = source[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


class Builder:
    """Turns lark's parse tree into syntax nodes (bottom-up, without recursion limits)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str, start: int) -> CelSyntaxError:
        line, column = position(self.source, start)
        return CelSyntaxError(
            f"CEL syntax error at line {line}, column {column}: {message}",
            line,
            column,
            excerpt=caret(self.source, line, column),
        )

    def build(self, tree: Any) -> s.Node:
        # The parse tree has a few more levels than ours (argument lists ...): bound both.
        self.check_depth(tree, lambda item: item.children if isinstance(item, Tree) else [], 2)
        node = self.node(tree)
        self.check_depth(node, lambda item: list(item.children()), 1)
        return node

    def check_depth(self, root: Any, children: Any, per_level: int) -> None:
        stack = [(root, 1)]
        while stack:
            item, depth = stack.pop()
            if depth > MAX_DEPTH * per_level:
                start = item.meta.start_pos if isinstance(item, Tree) else getattr(item, "start", 0)
                raise self.fail(
                    f"expression nests too deeply: more than {MAX_DEPTH} levels of "
                    "operators, calls or brackets",
                    start,
                )
            stack.extend((child, depth + 1) for child in children(item))

    # ------------------------------------------------------------------ dispatch
    def node(self, item: Any) -> s.Node:
        if isinstance(item, Token):
            return self.literal(item)
        method = getattr(self, f"_{item.data}", None)
        if method is None:
            raise self.fail(f"unsupported syntax {item.data}", item.meta.start_pos)
        result: s.Node = method(item, item.meta.start_pos, item.meta.end_pos)
        return result

    def expressions(self, item: Any) -> tuple[s.Node, ...]:
        if item is None:
            return ()
        return tuple(self.node(child) for child in item.children)

    # ------------------------------------------------------------------ operators
    def _conditional(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        test, _, then, otherwise = tree.children
        return s.Conditional(
            self.node(test), self.node(then), self.node(otherwise), start=start, end=end
        )

    def _or_(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        return self.logical("||", tree, start, end)

    def _and_(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        return self.logical("&&", tree, start, end)

    def logical(self, op: str, tree: Tree[Any], start: int, end: int) -> s.Node:
        # Left-nested chains (a || b || c) become one flat node.
        operands: list[Any] = []
        rule = tree.data
        while isinstance(tree, Tree) and tree.data == rule:
            left, right = tree.children
            operands.append(right)
            tree = left
        operands.append(tree)
        built = tuple(self.node(o) for o in reversed(operands))
        return s.Logical(op, built, start=start, end=end)

    def _binary(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        left, op, right = tree.children
        return s.Binary(str(op), self.node(left), self.node(right), start=start, end=end)

    def _not_(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        *bangs, operand = tree.children
        node = self.node(operand)
        for bang in reversed(bangs):
            node = s.Unary("!", node, start=bang.start_pos, end=end)
        return node

    def _negate(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        *minuses, operand = tree.children
        innermost = minuses[-1]
        assert isinstance(innermost, Token)
        if isinstance(operand, Token) and operand.type in ("INT_LIT", "FLOAT_LIT"):
            # CEL folds `-` into a numeric literal: -9223372036854775808 is int64's least value.
            node = self.literal(operand, negative=True, start=_start(innermost))
            minuses = minuses[:-1]
        else:
            node = self.node(operand)
        for minus in reversed(minuses):
            node = s.Unary("-", node, start=minus.start_pos, end=end)
        return node

    # ------------------------------------------------------------------ members
    def _select(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        operand, question, selector = tree.children
        return s.Select(
            self.node(operand),
            self.selector(selector),
            question is not None,
            start=start,
            end=end,
            at=selector.meta.start_pos,
        )

    def _index(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        operand, question, index = tree.children
        return s.Index(
            self.node(operand), self.node(index), question is not None, start=start, end=end
        )

    def _member_call(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        target_tree, selector, arguments = tree.children
        name = self.selector(selector)
        args = arguments.children if arguments is not None else []
        if name == "bind" and _is_name(target_tree, "cel") and len(args) == 3:
            variable = self.variable(args[0], "cel.bind")
            return s.Bind(variable, self.node(args[1]), self.node(args[2]), start=start, end=end)
        if len(args) in RECEIVER_MACROS.get(name, ()):
            return self.macro(name, target_tree, args, start, end)
        return s.Call(
            name,
            self.expressions(arguments),
            self.node(target_tree),
            start=start,
            end=end,
            at=selector.meta.start_pos,
        )

    def macro(self, name: str, target_tree: Any, args: list[Any], start: int, end: int) -> s.Node:
        target = self.node(target_tree)
        if name in ("optMap", "optFlatMap"):
            variable = self.variable(args[0], name)
            return s.OptionalMap(
                name == "optFlatMap", target, variable, self.node(args[1]), start=start, end=end
            )
        kind = "exists_one" if name == "existsOne" else name
        two_variables = kind.startswith("transform") or (
            kind in ("all", "exists", "exists_one") and len(args) == 3
        )
        count = 2 if two_variables else 1
        variables = tuple(self.variable(a, name) for a in args[:count])
        if len(set(variables)) != len(variables):
            raise self.fail(f"{name}(): the two variables must differ", start)
        body = tuple(self.node(a) for a in args[count:])
        return s.Comprehension(kind, target, variables, body, start=start, end=end)

    def variable(self, tree: Any, macro: str) -> str:
        if isinstance(tree, Tree) and tree.data == "ident" and tree.children[0] is None:
            return str(tree.children[1])
        start = tree.meta.start_pos if isinstance(tree, Tree) else tree.start_pos
        raise self.fail(f"{macro}() needs a simple variable name here", start)

    def _global_call(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        dot, name_token, arguments = tree.children
        assert isinstance(name_token, Token)
        name = str(name_token)
        if name == "has" and dot is None:
            args = arguments.children if arguments is not None else []
            if len(args) != 1 or not (isinstance(args[0], Tree) and args[0].data == "select"):
                raise self.fail(
                    "has() takes one field selection, e.g. has(entity.spec.owner)", start
                )
            selected = self.node(args[0])
            assert isinstance(selected, s.Select)
            if selected.optional:
                raise self.fail("has() takes a plain field selection, not `.?`", start)
            return s.Has(selected.operand, selected.field, start=start, end=end)
        return s.Call(
            ("." if dot else "") + name,
            self.expressions(arguments),
            start=start,
            end=end,
            at=_start(name_token),
        )

    def _ident(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        dot, name_token = tree.children
        name = str(name_token)
        if name in RESERVED:
            raise self.fail(f"'{name}' is a reserved word and cannot name a variable", start)
        return s.Ident(name, dot is not None, start=start, end=end)

    def _struct(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        target, inits = tree.children
        type_name = _qualified_name(target)
        if type_name is None:
            raise self.fail("a message literal needs a type name, e.g. Name{field: value}", start)
        fields = []
        for init in inits.children if inits is not None else []:
            question, selector, value = init.children
            fields.append(
                s.MapEntry(
                    s.Literal(
                        self.selector(selector), start=init.meta.start_pos, end=init.meta.start_pos
                    ),
                    self.node(value),
                    question is not None,
                    start=init.meta.start_pos,
                    end=init.meta.end_pos,
                )
            )
        return s.StructExpr(type_name, tuple(fields), start=start, end=end)

    def _list(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        (elements,) = tree.children
        items: list[s.Node] = []
        optional: list[bool] = []
        for element in elements.children if elements is not None else []:
            question, value = element.children
            items.append(self.node(value))
            optional.append(question is not None)
        return s.ListExpr(tuple(items), tuple(optional), start=start, end=end)

    def _map(self, tree: Tree[Any], start: int, end: int) -> s.Node:
        (inits,) = tree.children
        entries = []
        for init in inits.children if inits is not None else []:
            question, key, value = init.children
            entries.append(
                s.MapEntry(
                    self.node(key),
                    self.node(value),
                    question is not None,
                    start=init.meta.start_pos,
                    end=init.meta.end_pos,
                )
            )
        return s.MapExpr(tuple(entries), start=start, end=end)

    def selector(self, tree: Any) -> str:
        token = tree.children[0] if isinstance(tree, Tree) else tree
        assert isinstance(token, Token)
        text = str(token)
        return text[1:-1] if token.type == "QUOTED_IDENT" else text

    # ------------------------------------------------------------------ literals
    def literal(self, token: Token, negative: bool = False, start: int | None = None) -> s.Node:
        begin = _start(token) if start is None else start
        where = {"start": begin, "end": token.end_pos or begin}
        kind, text = token.type, str(token)
        if kind == "INT_LIT":
            value = -_integer(text) if negative else _integer(text)
            if not -INT64_MAX - 1 <= value <= INT64_MAX:
                raise self.fail(f"integer literal {text} is out of the int range", begin)
            return s.Literal(value, **where)
        if kind == "UINT_LIT":
            number = _integer(text[:-1])
            if number > UINT64_MAX:
                raise self.fail(f"unsigned literal {text} is out of the uint range", begin)
            return s.Literal(Uint(number), **where)
        if kind == "FLOAT_LIT":
            return s.Literal(-float(text) if negative else float(text), **where)
        if kind in ("STRING_LIT", "RAW_STRING_LIT"):
            return s.Literal(self.string(token), **where)
        if kind in ("TRUE", "FALSE"):
            return s.Literal(kind == "TRUE", **where)
        if kind == "NULL":
            return s.Literal(None, **where)
        raise self.fail(f"unexpected {text!r}", begin)

    def string(self, token: Token) -> str | bytes:
        text = str(token)
        prefix = re.match(r"[bBrR]*", text)
        assert prefix is not None
        flags = prefix.group().lower()
        body = text[len(flags) :]
        quote = 3 if body[:3] in ('"""', "'''") else 1
        body = body[quote:-quote]
        if "r" in flags:
            return body.encode() if "b" in flags else body
        try:
            return decode_escapes(body, as_bytes="b" in flags)
        except ValueError as exc:
            offset = _start(token) + len(flags) + quote + int(exc.args[1])
            raise self.fail(str(exc.args[0]), offset) from None


def _start(token: Token) -> int:
    return token.start_pos or 0


def _integer(text: str) -> int:
    return int(text, 16) if text[:2].lower() == "0x" else int(text)


def _is_name(tree: Any, name: str) -> bool:
    return (
        isinstance(tree, Tree)
        and tree.data == "ident"
        and tree.children[0] is None
        and str(tree.children[1]) == name
    )


def _qualified_name(tree: Any) -> str | None:
    if isinstance(tree, Tree) and tree.data == "ident":
        return ("." if tree.children[0] is not None else "") + str(tree.children[1])
    if isinstance(tree, Tree) and tree.data == "select" and tree.children[1] is None:
        base = _qualified_name(tree.children[0])
        selector = tree.children[2]
        return None if base is None else f"{base}.{selector.children[0]}"
    return None


_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "?": "?",
    '"': '"',
    "'": "'",
    "`": "`",
}


def decode_escapes(body: str, *, as_bytes: bool) -> str | bytes:
    """CEL's escapes in a string or bytes literal; ValueError(message, offset) when invalid.

    In bytes, `\\x` and octal escapes are bytes and other text is UTF-8; in strings
    they are code points. `\\u` and `\\U` are for strings only.
    """
    out: list[bytes] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char.encode("utf-8", "surrogatepass"))
            index += 1
            continue
        escape = body[index + 1 : index + 2]
        if escape in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[escape].encode())
            index += 2
        elif escape in ("x", "X"):
            digits = body[index + 2 : index + 4]
            out.append(_code(digits, 16, 2, index, as_bytes))
            index += 4
        elif escape in "0123":
            digits = body[index + 1 : index + 4]
            out.append(_code(digits, 8, 3, index, as_bytes))
            index += 4
        elif escape in ("u", "U") and escape:
            if as_bytes:
                raise ValueError(f"\\{escape} escapes are not allowed in bytes literals", index)
            width = 4 if escape == "u" else 8
            digits = body[index + 2 : index + 2 + width]
            point = _digits(digits, 16, width, index)
            if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
                raise ValueError(f"\\{escape}{digits} is not a valid Unicode code point", index)
            out.append(chr(point).encode())
            index += 2 + width
        else:
            raise ValueError(f"invalid escape sequence \\{escape}", index)
    data = b"".join(out)
    if as_bytes:
        return data
    return data.decode("utf-8", "surrogatepass")


def _digits(digits: str, base: int, width: int, index: int) -> int:
    allowed = "0123456789abcdefABCDEF" if base == 16 else "01234567"
    if len(digits) != width or any(d not in allowed for d in digits):
        raise ValueError("invalid escape sequence", index)
    return int(digits, base)


def _code(digits: str, base: int, width: int, index: int, as_bytes: bool) -> bytes:
    value = _digits(digits, base, width, index)
    return bytes([value]) if as_bytes else chr(value).encode()
