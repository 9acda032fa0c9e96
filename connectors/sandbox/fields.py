"""Graph API `fields` parameter: ``name.modifier(arg).modifier(arg){subfields}``, nested.

Parsed generically so any node or edge expansion (``reactions.limit(0).summary(true)``,
``from{id,name}``, ``replies{id,text}``, ``comments.filter(stream).limit(5){message}``) reaches
its renderer with its modifiers and sub-selection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import FieldSyntaxError, UnknownField


@dataclass(frozen=True)
class FieldSpec:
    name: str
    modifiers: tuple[tuple[str, str], ...] = ()
    subfields: tuple[FieldSpec, ...] | None = None

    def modifier(self, key: str, default: str | None = None) -> str | None:
        for name, value in self.modifiers:
            if name == key:
                return value
        return default

    def render(self) -> str:
        """Back to text (used to build `paging.next` of an expanded edge)."""
        text = self.name + "".join(f".{k}({v})" for k, v in self.modifiers)
        if self.subfields is not None:
            text += "{" + ",".join(s.render() for s in self.subfields) + "}"
        return text


def _syntax(text: str, position: int, expected: str) -> FieldSyntaxError:
    found = text[position : position + 1] or "end of string"
    return FieldSyntaxError(
        f'Syntax error "Expected {expected} instead of \\"{found}\\"." at character '
        f"{position}: {text}"
    )


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def skip_spaces(self) -> None:
        while self.peek() in (" ", "\t", "\n"):
            self.i += 1
            if self.i >= len(self.text):
                return

    def ident(self) -> str:
        start = self.i
        while self.peek() and (self.peek().isalnum() or self.peek() == "_"):
            self.i += 1
        if start == self.i:
            raise _syntax(self.text, self.i, "a field name")
        return self.text[start : self.i]

    def argument(self) -> str:
        depth, start = 1, self.i
        while self.i < len(self.text):
            char = self.text[self.i]
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    value = self.text[start : self.i]
                    self.i += 1
                    return value
            self.i += 1
        raise _syntax(self.text, self.i, '")"')

    def item(self) -> FieldSpec:
        self.skip_spaces()
        name = self.ident()
        modifiers: list[tuple[str, str]] = []
        subfields: tuple[FieldSpec, ...] | None = None
        while True:
            char = self.peek()
            if char == ".":
                self.i += 1
                key = self.ident()
                if self.peek() != "(":
                    raise _syntax(self.text, self.i, '"("')
                self.i += 1
                modifiers.append((key, self.argument()))
            elif char == "{":
                self.i += 1
                subfields = tuple(self.items("}"))
                if self.peek() != "}":
                    raise _syntax(self.text, self.i, '"}"')
                self.i += 1
            else:
                break
        return FieldSpec(name, tuple(modifiers), subfields)

    def items(self, closing: str = "") -> list[FieldSpec]:
        out: list[FieldSpec] = []
        while True:
            self.skip_spaces()
            if self.peek() == closing and closing:
                return out
            out.append(self.item())
            self.skip_spaces()
            char = self.peek()
            if char == ",":
                self.i += 1
                continue
            if char == closing:
                return out
            raise _syntax(
                self.text, self.i, '"," or end of string' if not closing else f'"{closing}"'
            )


def parse_fields(text: str | None, default: tuple[str, ...]) -> tuple[FieldSpec, ...]:
    """Parse a `fields` value; absent or empty means the node's default fields."""
    if text is None or not text.strip():
        return tuple(FieldSpec(name) for name in default)
    return tuple(_Parser(text.strip()).items())


def select(obj: dict[str, Any], spec: FieldSpec, node_type: str) -> dict[str, Any]:
    """Apply ``name{a,b}`` to a plain sub-object; unknown sub-fields raise `UnknownField`."""
    if spec.subfields is None:
        return obj
    out: dict[str, Any] = {}
    for sub in spec.subfields:
        if sub.name not in obj:
            raise UnknownField(sub.name, node_type)
        out[sub.name] = obj[sub.name]
    return out
