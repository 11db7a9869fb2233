"""Read YAML into plain data and remember where every value came from.

PyYAML's ``safe_load`` keeps the last of two duplicate keys without a word,
follows aliases without limit and forgets positions. This reader composes the
node graph with the safe resolver, then builds the data itself so it can:

- reject duplicate keys, non-standard tags, non-finite numbers and oversized,
  binary or too deeply nested input;
- stop alias expansion past a node budget (the "billion laughs" file);
- record a (line, column) for every value and every key, by path, and for every
  text value where it sits in the file, so that an error at a character inside
  a value (a formula) points at that character, quoted or not.

Paths are tuples of keys and list indices, as in pydantic's error locations.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wargame.safeio import UnsafeInput, read_limited

MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64
Path_ = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_SAFE_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary")}
_BREAKS = "\n\x85\u2028\u2029"


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
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass(frozen=True)
class _Span:
    """Where a scalar sits in the text: its first character, style and end."""

    index: int
    line: int
    col: int
    end: int
    style: str | None


@dataclass
class Document:
    """Plain data read from YAML, with positions for values and keys."""

    file: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    styles: dict[Path_, str | None] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    text: str = ""
    spans: dict[Path_, _Span] = field(default_factory=dict)

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
        """A diagnostic at ``path``; with ``offset``, at that character of the text value there."""
        line, col = self.mark(path, key=key)
        if offset is not None:
            at = self.char_mark(path, offset)
            if at is not None:
                line, col = at
        return Diagnostic(self.file, line, col, format_path(path), message)

    def char_mark(self, path: Path_, offset: int) -> tuple[int, int] | None:
        """The (line, column) in the file of character ``offset`` of the text value at ``path``.

        Quotes, escapes (``\\"``, ``''``), folded lines and block scalars (``|``, ``>``)
        are followed by aligning the value with the file text. None when unknown.
        """
        span = self.spans.get(tuple(path))
        value = self._value(path)
        if span is None or not isinstance(value, str) or not 0 <= offset <= len(value):
            return None
        src, i = self.text, span.index
        if span.style in ("|", ">"):
            nl = _next_break(src, i)
            if nl < 0:
                return None
            i = nl + 1
        elif span.style in ("'", '"'):
            i += 1
        last = i
        for k, ch in enumerate(value):
            j = _find(src, ch, i, span.end, span.style)
            if j < 0:
                return None
            if k == offset:
                return self._line_col(span, j)
            last, i = j, j + 1
        if not value:
            return self._line_col(span, i)
        return self._line_col(span, last + 1)  # just past the last character

    def _value(self, path: Path_) -> Any:
        value: Any = self.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    def _line_col(self, span: _Span, index: int) -> tuple[int, int]:
        """Line and column of ``index``, counting line breaks as PyYAML does."""
        line, col, src = span.line, span.col, self.text
        for j in range(span.index, index):
            ch = src[j]
            if ch in _BREAKS or (ch == "\r" and src[j + 1 : j + 2] != "\n"):
                line, col = line + 1, 1
            else:
                col += 1
        return line, col


def _next_break(src: str, i: int) -> int:
    m = re.compile(r"[\r\n\x85\u2028\u2029]").search(src, i)
    return m.start() if m else -1


def _find(src: str, ch: str, i: int, end: int, style: str | None) -> int:
    """Where value character ``ch`` comes from in ``src[i:end]``: skips indentation, escapes and folds."""
    if ch == " " and style not in ("|",):
        # A folded line break reads as a space: the space may be a newline in the file.
        for j in range(i, end):
            if src[j] in " \t\r" or src[j] in _BREAKS:
                return j
            if src[j] != "\\":
                return -1
        return -1
    for j in range(i, end):
        if src[j] == ch:
            return j
        if ch == "\n" and src[j] == "\r":
            return j
        if src[j] not in " \t\\'\r" and src[j] not in _BREAKS:
            return -1  # a character the value does not have: we lost our place
    return -1


class _Loader(yaml.SafeLoader):
    """Safe loader whose constructor we only use for scalars."""


def _fail(file: str, line: int, col: int, message: str, path: str = "") -> InputError:
    return InputError([Diagnostic(file, line, col, path, message)])


def read_text(path: Path, display: str | None = None) -> str:
    """Read a file as UTF-8 text, refusing huge, binary, unreadable and non-regular files.

    Only a regular file is read, and never past MAX_BYTES: a FIFO would block and a
    device (a symlink to /dev/zero) would be read until memory runs out.
    """
    name = display or str(path)
    try:
        raw = read_limited(path, MAX_BYTES, "file")
    except UnsafeInput as exc:
        msg = str(exc)
        if msg.startswith("file is too large"):
            msg += ": a scenario is a few hundred kilobytes at most"
        raise _fail(name, 1, 1, msg) from None
    except OSError as exc:
        raise _fail(name, 1, 1, f"cannot read file: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL byte in the path
        raise _fail(name, 1, 1, f"cannot read file: {exc}") from None
    return decode(raw, name)


def _too_large(size: int) -> str:
    return (f"file is too large ({size:,} bytes; the limit is {MAX_BYTES:,}): "
            "a scenario is a few hundred kilobytes at most")


def decode(raw: bytes, name: str) -> str:
    """Bytes to text: refuses huge, binary (NUL bytes) and non-UTF-8 input, with where."""
    if len(raw) > MAX_BYTES:
        raise _fail(name, 1, 1, _too_large(len(raw)))
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        line = raw[:at].count(b"\n") + 1
        start = max(raw.rfind(b"\n", 0, at) + 1, 3 if raw.startswith(codecs.BOM_UTF8) else 0)
        col = len(raw[start:at].decode("utf-8", "replace")) + 1
        raise _fail(name, line, col, "this is a binary file (it holds NUL bytes), not YAML text")
    # The byte order mark is removed before decoding, so that an error's offset is an
    # offset into the same bytes its line and column are counted in (with 'utf-8-sig'
    # the offset skips the mark: 3 bytes short). The mark itself takes no column.
    bom = 3 if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        text = raw[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start + bom
        line = raw[:at].count(b"\n") + 1
        start = max(raw.rfind(b"\n", 0, at) + 1, bom)
        col = len(raw[start:at].decode("utf-8", "replace")) + 1
        bad = raw[at : at + 1].hex()
        raise _fail(name, line, col, f"byte 0x{bad} is not UTF-8: save the file as UTF-8 text") from None
    return text


def _blank(text: str) -> bool:
    return all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines())


def parse(text: str, file: str, *, keep_problems: bool = False) -> Document:
    """Parse YAML text into a :class:`Document`, or raise :class:`InputError`.

    Problems that leave the data usable (duplicate keys) are raised too, unless
    ``keep_problems``: then they are left in ``Document.problems`` for the caller
    to report with its own.
    """
    if not text.strip() or _blank(text):
        raise _fail(file, 1, 1, "file is empty: expected a YAML mapping of fields (like 'id: my-scenario')")
    root = _compose(text, file)
    if root is None:
        raise _fail(file, 1, 1, "file is empty: expected a YAML mapping of fields (like 'id: my-scenario')")
    doc = Document(file, None, text=text)
    builder = _Builder(doc)
    try:
        doc.data = builder.build(root, (), 0)
    except RecursionError:
        raise _too_deep_error(text, file) from None
    if doc.problems and not keep_problems:
        raise InputError(doc.problems)
    return doc


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
_BRACKETS = re.compile(r"[\[\]{}]")
_DEEP_INDENT = re.compile(r"^ {%d}" % (4 * MAX_DEPTH), re.MULTILINE)


def _shallow(text: str) -> bool:
    """Cheap upper bound on nesting: libyaml's composer recurses in C, so keep deep input away from it."""
    if _DEEP_INDENT.search(text):
        return False
    depth = 0
    for m in _BRACKETS.finditer(text):
        depth = depth + 1 if m.group() in "[{" else max(0, depth - 1)
        if depth > MAX_DEPTH:
            return False
    return True


def _compose(text: str, file: str) -> Node | None:
    """The node graph of one YAML document, or InputError.

    libyaml composes when it is installed (several times faster); any error is
    found again by the pure-Python reader, whose messages and marks we know.
    """
    if _FAST_LOADER is not None and _shallow(text):
        fast = _FAST_LOADER(text)
        try:
            return fast.get_single_node()
        except (yaml.YAMLError, RecursionError):
            pass
        finally:
            fast.dispose()
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, file, text) from None
    try:
        return loader.get_single_node()
    except yaml.reader.ReaderError as exc:  # pragma: no cover - text input is checked up front
        raise _reader_error(exc, file, text) from None
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, file, text) from None
    except RecursionError:
        raise _too_deep_error(text, file) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error we know is marked
        raise _fail(file, 1, 1, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def _reader_error(exc: yaml.reader.ReaderError, file: str, text: str) -> InputError:
    """A character YAML does not allow (a control character, say), with where it is."""
    at = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return _fail(file, line, col, f"character U+{code:04X} is not allowed in YAML text: remove it "
                                  "(or write it as an escape inside double quotes)")


def _too_deep_error(text: str, file: str) -> InputError:
    """Find where nesting passes MAX_DEPTH (the parser itself does not recurse)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH + 1:  # the root counts as 1 here, as 0 in _Builder
                    m = event.start_mark
                    return _fail(file, m.line + 1, m.column + 1, f"nested too deeply (more than {MAX_DEPTH} levels)")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:  # pragma: no cover - it composed, so it parses
        pass
    return _fail(file, 1, 1, f"nested too deeply (more than {MAX_DEPTH} levels)")


def _yaml_error(exc: yaml.MarkedYAMLError, file: str, text: str) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "not valid YAML"
    context = exc.context or ""
    ctx_at = f"line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}" if exc.context_mark else ""
    if "'\\t'" in problem or "\t" in problem:
        # Point at the tab itself, not where the scanner gave up.
        lines = text.splitlines()
        for i in range(max(0, line - 2), min(len(lines), line + 1)):
            if "\t" in lines[i]:
                line, col = i + 1, lines[i].index("\t") + 1
                indent = not lines[i][: col - 1].strip()
                break
        else:
            indent = True
        if indent:
            return _fail(file, line, col, "tab character in the indentation: YAML indentation must use spaces")
        return _fail(file, line, col, "tab character: YAML allows only spaces here (replace the tab with a space)")
    m = re.match(r"found character '(.+)' that cannot start any token", problem)
    if "mapping values are not allowed here" in problem:
        message = ("a ': ' is not allowed here: put text that contains ': ' in quotes, "
                   "or check this line's indentation")
    elif problem.startswith("expected <block end>"):
        message = "this line's indentation does not match the lines above it"
        if ctx_at:
            message += f" (the block starts at {ctx_at})"
    elif problem.startswith("expected ',' or ']'"):
        message = f"a '[' list is not closed: expected ',' or ']'" + (f" (the list starts at {ctx_at})" if ctx_at else "")
    elif problem.startswith("expected ',' or '}'"):
        message = f"a '{{' mapping is not closed: expected ',' or '}}'" + (f" (it starts at {ctx_at})" if ctx_at else "")
    elif "quoted scalar" in context and "end of stream" in problem and exc.context_mark:
        line, col = exc.context_mark.line + 1, exc.context_mark.column + 1
        message = "this quoted text is never closed: add the closing quote"
    elif problem.startswith("found undefined alias"):
        name = problem.split("'")[1] if "'" in problem else "?"
        message = f"unknown alias '*{name}': define it first with '&{name}'"
    elif m:
        message = f"{m.group(1)!r} cannot start a value: put the value in quotes"
    elif "found another document" in problem:
        message = "only one YAML document is allowed: remove the '---' line and what follows, or split the file"
    elif problem.startswith("could not find expected ':'"):
        message = "expected ':' after a key (a line of a mapping is 'key: value')"
    elif problem.startswith("expected the node content"):
        message = "a value is missing here: " + problem
    else:
        message = problem
        if context and context not in problem:
            message = f"{problem} ({context})"
    return _fail(file, line, col, f"not valid YAML: {message}")


def shown(text: str, limit: int = 40) -> str:
    """A value quoted in a message, cut to ``limit`` characters: a 5,000-digit number is not repeated whole."""
    if len(text) <= limit:
        return repr(text)
    keep = limit // 2
    return f"{text[:keep]!r}…{text[-8:]!r} ({len(text):,} characters)"


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


class _Builder:
    """Build plain data from the node graph, counting nodes and watching depth."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.ctor = SafeConstructor()
        self.budget = MAX_NODES
        self.seen: set[int] = set()
        self.via_alias: Path_ | None = None

    def fail(self, node: Node, path: Path_, message: str) -> InputError:
        line, col = _pos(node)
        return _fail(self.doc.file, line, col, message, format_path(path))

    def build(self, node: Node, path: Path_, depth: int) -> Any:
        doc = self.doc
        self.budget -= 1
        if self.budget < 0:
            raise self._bomb(node, path)
        if depth > MAX_DEPTH:
            raise self.fail(node, path, f"nested too deeply (more than {MAX_DEPTH} levels)")
        if node.tag not in _SAFE_TAGS:
            raise self.fail(node, path, f"tag {_show_tag(node.tag)!r} is not allowed: a scenario holds only plain "
                                        "values (text, numbers, true/false, dates, lists and mappings)")
        repeated = not isinstance(node, ScalarNode) and id(node) in self.seen
        self.seen.add(id(node))
        doc.marks.setdefault(path, _pos(node))
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        outer = self.via_alias
        if repeated and outer is None:
            self.via_alias = path
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            return self.mapping(node, path, depth)
        finally:
            self.via_alias = outer

    def _bomb(self, node: Node, path: Path_) -> InputError:
        where = self.via_alias if self.via_alias is not None else path
        p = where
        while p and p not in self.doc.key_marks:
            p = p[:-1]
        line, col = self.doc.key_marks.get(p) or _pos(node)
        return _fail(self.doc.file, line, col,
                     f"too many values after expanding aliases (over {MAX_NODES:,}): "
                     "aliases (*name) repeat data that repeats data; is this an alias bomb?", format_path(where))

    def scalar(self, node: ScalarNode, path: Path_) -> Any:
        doc = self.doc
        doc.styles[path] = node.style or None
        doc.spans[path] = _Span(node.start_mark.index, node.start_mark.line + 1, node.start_mark.column + 1,
                                node.end_mark.index, node.style or None)
        try:
            value = self.ctor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise self.fail(node, path, exc.problem or "bad value") from None
        except Exception as exc:  # e.g. an impossible date like 2016-13-01, or '!!bool maybe'
            if node.tag == _CORE + "timestamp":
                why = f" ({exc})" if isinstance(exc, ValueError) else ""
                raise self.fail(node, path, f"{shown(node.value)} is not a valid date{why}: write it as YYYY-MM-DD") from None
            if isinstance(exc, ValueError) and "digits" in str(exc):  # Python's limit on int() of long text
                raise self.fail(node, path, f"{shown(node.value)} is not a usable number: it has far too "
                                            "many digits") from None
            raise self.fail(node, path, f"{shown(node.value)} is not a valid {_show_tag(node.tag)} value") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(node, path, f"{shown(node.value)} is not a usable number: give a finite number")
        return value

    def mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        doc = self.doc
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _CORE + "merge":
                raise self.fail(key_node, path, "merge keys (<<) are not supported; write the fields out")
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, path, "a key must be a plain value, not a list or mapping")
            if key_node.tag not in _SAFE_TAGS:
                raise self.fail(key_node, path, f"tag {_show_tag(key_node.tag)!r} is not allowed on a key")
            try:
                key = self.ctor.construct_object(key_node)
            except Exception:
                key = key_node.value
            if isinstance(key, bool | float | bytes | dt.date) or key is None:
                key = key_node.value  # 'yes', 'on', '1.5', '2016-01-01' as keys mean the text
            if key in out:
                line, col = _pos(key_node)
                first = doc.key_marks.get(path + (key,), (0, 0))
                doc.problems.append(Diagnostic(doc.file, line, col, format_path(path + (key,)),
                                               f"duplicate key {key!r} (first defined at line {first[0]}): "
                                               "remove one of them"))
                continue
            doc.key_marks[path + (key,)] = _pos(key_node)
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out
