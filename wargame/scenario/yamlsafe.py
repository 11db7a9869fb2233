"""Read YAML into plain data and remember where every value came from.

PyYAML's ``safe_load`` keeps the last of two duplicate keys without a word,
follows aliases without limit and forgets positions. This reader composes the
node graph with the safe resolver, then builds the data itself so it can:

- reject duplicate keys, non-standard tags and oversized or binary input;
- stop alias expansion past a node budget (the "billion laughs" file);
- record a (line, column) for every value and every key, by path.

Paths are tuples of keys and list indices, as in pydantic's error locations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000
Path_ = tuple[str | int, ...]

_SAFE_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary")
}


@dataclass(frozen=True)
class Diagnostic:
    """One problem in one file, in the form editors and people both read."""

    file: str
    line: int
    col: int
    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        sev = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.file}:{self.line}:{self.col}: {sev}{where}{self.message}"


class InputError(Exception):
    """Bad input, with every problem found. The only error the loaders raise."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics


def format_path(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class Document:
    """Plain data read from YAML, with positions for values and keys."""

    file: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    styles: dict[Path_, str | None] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)

    def mark(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The position of the value at ``path`` (or of its key), or the nearest enclosing one."""
        p = tuple(path)
        while p:
            found = (self.key_marks.get(p) if key else None) or self.marks.get(p)
            if found:
                return found
            p = p[:-1]
        return self.marks.get((), (1, 1))

    def diag(self, path: Path_, message: str, *, key: bool = False, offset: int | None = None) -> Diagnostic:
        line, col = self.mark(path, key=key)
        if offset is not None and tuple(path) in self.marks:
            # A formula error: move to the character inside the scalar.
            style = self.styles.get(tuple(path))
            if style in (None, "", "'", '"'):
                col += offset + (1 if style in ("'", '"') else 0)
        return Diagnostic(self.file, line, col, format_path(path), message)


class _Loader(yaml.SafeLoader):
    """Safe loader whose constructor we only use for scalars."""


def _fail(file: str, line: int, col: int, message: str) -> InputError:
    return InputError([Diagnostic(file, line, col, "", message)])


def read_text(path: Path, display: str | None = None) -> str:
    """Read a file as UTF-8 text, refusing huge, binary and unreadable files."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _fail(name, 1, 1, f"file is too large ({size:,} bytes; the limit is {MAX_BYTES:,})")
        raw = path.read_bytes()
    except OSError as exc:
        raise _fail(name, 1, 1, f"cannot read file: {exc.strerror or exc}") from None
    return decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    if len(raw) > MAX_BYTES:
        raise _fail(name, 1, 1, f"file is too large ({len(raw):,} bytes; the limit is {MAX_BYTES:,})")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise _fail(name, line, 1, "this is a binary file, not YAML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(name, line, col, "this is not UTF-8 text (is it a binary file?)") from None
    return text


def parse(text: str, file: str) -> Document:
    """Parse YAML text into a :class:`Document`, or raise :class:`InputError`."""
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise _fail(file, 1, 1, "file is empty: expected a YAML mapping")
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, file, text) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error we know is marked
        raise _fail(file, 1, 1, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    if root is None:
        raise _fail(file, 1, 1, "file is empty: expected a YAML mapping")
    doc = Document(file, None)
    budget = [MAX_NODES]
    doc.data = _build(root, (), doc, SafeConstructor(), budget)
    if doc.problems:
        raise InputError(doc.problems)
    return doc


def _yaml_error(exc: yaml.MarkedYAMLError, file: str, text: str) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "not valid YAML"
    if "'\\t'" in problem or "\t" in problem:
        # Point at the tab itself, not where the scanner gave up.
        lines = text.splitlines()
        for i in range(max(0, line - 2), min(len(lines), line + 1)):
            if "\t" in lines[i]:
                line, col = i + 1, lines[i].index("\t") + 1
                break
        return _fail(file, line, col, "tab character: YAML indentation must use spaces")
    message = problem
    if exc.context and exc.context not in problem:
        message = f"{problem} ({exc.context})"
    return _fail(file, line, col, f"not valid YAML: {message}")


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node: Node, path: Path_, doc: Document, ctor: SafeConstructor, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        line, col = _pos(node)
        raise _fail(doc.file, line, col, f"too many nodes after expanding aliases (over {MAX_NODES:,}): an alias bomb?")
    if node.tag not in _SAFE_TAGS:
        line, col = _pos(node)
        raise InputError([Diagnostic(doc.file, line, col, format_path(path), f"tag {node.tag!r} is not allowed: only plain YAML values")])
    doc.marks.setdefault(path, _pos(node))
    if isinstance(node, ScalarNode):
        doc.styles[path] = node.style
        try:
            return ctor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            line, col = _pos(node)
            raise InputError([Diagnostic(doc.file, line, col, format_path(path), exc.problem or "bad value")]) from None
        except ValueError as exc:  # e.g. an impossible date like 2016-13-01
            line, col = _pos(node)
            raise InputError([Diagnostic(doc.file, line, col, format_path(path), f"bad value: {exc}")]) from None
    if isinstance(node, SequenceNode):
        return [_build(item, path + (i,), doc, ctor, budget) for i, item in enumerate(node.value)]
    assert isinstance(node, MappingNode)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            line, col = _pos(key_node)
            raise InputError([Diagnostic(doc.file, line, col, format_path(path), "merge keys (<<) are not supported; write the fields out")])
        if not isinstance(key_node, ScalarNode):
            line, col = _pos(key_node)
            raise InputError([Diagnostic(doc.file, line, col, format_path(path), "a key must be a plain value, not a list or mapping")])
        key = ctor.construct_object(key_node)
        if isinstance(key, bool | float) or key is None:
            key = key_node.value  # 'yes', 'on', '1.5' as keys mean the text
        if key in out:
            line, col = _pos(key_node)
            first = doc.key_marks.get(path + (key,), (0, 0))
            doc.problems.append(Diagnostic(doc.file, line, col, format_path(path + (key,)),
                                           f"duplicate key {key!r} (first defined at line {first[0]})"))
            continue
        doc.key_marks[path + (key,)] = _pos(key_node)
        out[key] = _build(value_node, path + (key,), doc, ctor, budget)
    return out
