"""Load a scenario file: YAML -> pydantic models -> cross-checked :class:`LoadedScenario`.

Every problem becomes a :class:`Diagnostic` (``FILE:LINE:COL: path: message``)
pointing at the offending node; all of them are collected before raising
:class:`InputError`, so an author fixes a file in one pass.

The checks run in three stages, each reporting everything it finds: the YAML
itself (syntax, duplicate keys, tags), the shape of the data (pydantic: types,
bounds, unknown and missing fields), and the cross-references (ids, citations,
formulas, orders), which need the shape to be right first.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import math
import os
import re
import types
import typing
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from wargame.fixed import FIXED_LIMIT
from wargame.scenario.formula import Formula, FormulaError
from wargame.scenario.model import Basis, Effect, Scenario
from wargame.scenario.orders import OrderSpecError, parse_order
from wargame.scenario.seeds import Evidence, default_seeds_dir, load_evidence
from wargame.scenario.suggest import closest, did_you_mean, hint
from wargame.scenario.yamlsafe import Diagnostic, Document, InputError, Path_, decode, format_path, parse, read_text


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path | None
    sha256: str
    canonical: dict[str, Any]
    evidence: Evidence | None
    document: Document | None = None
    # The folder the scenario's relative paths (evidence, orders_file) are read from:
    # the folder of the real file, when the scenario was opened through a symbolic link.
    base: Path | None = None
    # Problems that do not stop the scenario from loading (a template placeholder left in).
    warnings: tuple[Diagnostic, ...] = ()

    @cached_property
    def canonical_text(self) -> str:
        """The canonical JSON text (what saves store), built once per load."""
        return canonical_json(self.canonical)


def canonical_json(data: Any) -> str:
    """Compact JSON that keeps key order: the order of sectors, roles and moves matters."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def load_scenario(path: str | Path) -> LoadedScenario:
    """Load, validate and cross-check a scenario file. Raises :class:`InputError`."""
    p = Path(path)
    display = str(path)
    try:
        if p.is_dir():
            raise InputError([Diagnostic(display, 1, 1, "", "is a folder, not a scenario file")])
    except (OSError, ValueError) as exc:
        raise InputError([Diagnostic(display, 1, 1, "", f"cannot read file: {exc}")]) from None
    text = read_text(p, display)
    # Relative paths inside a scenario are written by its author next to the real file;
    # a symbolic link to it (in another scenarios folder, say) must not change what they name.
    try:
        base = Path(os.path.realpath(p)).parent
    except (OSError, ValueError):
        base = p.parent
    return load_scenario_text(text, display, base=base)


def load_scenario_bytes(raw: bytes, file: str = "<input>", base: Path | None = None) -> LoadedScenario:
    return load_scenario_text(decode(raw, file), file, base)


def load_scenario_text(text: str, file: str = "<input>", base: Path | None = None) -> LoadedScenario:
    doc = parse(text, file, keep_problems=True)
    yaml_problems = list(doc.problems)
    if not isinstance(doc.data, dict):
        raise InputError(yaml_problems + [doc.diag((), f"expected a mapping of scenario fields (like 'id: my-scenario'), "
                                                       f"found {_describe(doc.data)}")])
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        shape = _map_validation(exc, doc)
        raise InputError(_sorted(yaml_problems + shape + _references_despite(exc, doc, base))) from None
    problems = yaml_problems + _non_finite(scenario, doc)
    evidence, ev_problems = _evidence_for(scenario, doc, base)
    problems += ev_problems + check(scenario, doc, evidence, base)
    if problems:
        raise InputError(_sorted(problems))
    canonical = scenario.model_dump(mode="json")
    digest = hashlib.sha256(canonical_json(canonical).encode()).hexdigest()
    return LoadedScenario(scenario, Path(file) if base else None, digest, canonical, evidence, doc, base,
                          tuple(_warnings(scenario, doc)))


def _warnings(scenario: Scenario, doc: Document) -> list[Diagnostic]:
    from wargame.scenario.template import PLACEHOLDER_SUMMARY

    out = []
    if PLACEHOLDER_SUMMARY.rstrip(".") in " ".join(scenario.summary.split()):
        d = doc.diag(("summary",), "still the template's placeholder text: say in one or two sentences what the "
                                   "scenario is about (the title screen shows it)")
        out.append(Diagnostic(d.file, d.line, d.col, d.path, d.message, "warning"))
    return out


# --- reference checks on a scenario with shape errors ---------------------------------
#
# An author with a type error, an unknown key and a misspelt id should hear of all three
# in one run. The cross-reference checks need a well-shaped scenario, so the entries with
# shape errors are set aside (a sector, role, move, event, rule or indicator is removed
# whole; a bad top-level value gets a neutral stand-in) and the rest is checked. Messages
# that name a removed entry are dropped: "unknown move 'x'" is not news when move x is
# the one with the type error.

_ENTRY_GROUPS = ("sectors", "roles", "moves", "events", "dynamics", "indicators")
_STAND_INS: dict[str, Any] = {"format": 1, "id": "x", "title": "x", "summary": "", "start": dt.date(2000, 1, 1),
                              "round_months": 6, "rounds": 200, "seed": 1}
_OPTIONAL_GROUPS = ("moves", "events", "dynamics", "expectations", "evidence")


def _references_despite(exc: ValidationError, doc: Document, base: Path | None) -> list[Diagnostic]:
    if not isinstance(doc.data, dict):
        return []
    data = copy.deepcopy(doc.data)
    removed: list[Path_] = []
    tried: set[Path_] = set()
    scenario = None
    for _ in range(8):  # each pass sets aside what pydantic reported; a few passes reach a valid shape
        progress = False
        for err in exc.errors(include_url=False):
            loc, _, _ = _split_loc(data, tuple(err["loc"]), err["type"])
            progress |= _drop_leaf(data, loc, err["type"], tried) or _set_aside(data, loc, removed)
        if not progress:
            return []
        try:
            scenario = Scenario.model_validate(data)
            break
        except ValidationError as again:
            exc = again
    if scenario is None:
        return []
    tokens = _removed_ids(doc.data, removed)
    evidence, ev_problems = (None, []) if ("evidence",) in removed else _evidence_for(scenario, doc, base)
    found = ev_problems + check(scenario, doc, evidence, base)
    # A basis with a shape error was dropped to check the rest; "missing 'basis'" there is not news.
    no_basis = {format_path(loc[:i]) for loc in tried for i in range(max(0, len(loc) - 2), len(loc))
                if loc[i] == "basis"}
    return [d for d in found if not any(t in d.message for t in tokens)
            and not (d.path in no_basis and d.message.startswith("missing 'basis'"))]


_LEAF_STAND_INS: dict[type, Any] = {int: 1, float: 1.0, str: "x", bool: False}


def _drop_leaf(data: dict[str, Any], loc: Path_, kind: str, tried: set[Path_]) -> bool:
    """Fix just the bad value when that loses nothing: remove an unknown key or a field with a
    default; give a required plain field (a number, a text) a stand-in, once."""
    if not loc or not isinstance(loc[-1], str) or loc in tried:
        return False
    if len(loc) == 1 and kind != "extra_forbidden":
        return False  # a top-level value: _set_aside gives it a stand-in that misleads no check
    parent = _value_at(data, loc[:-1])
    if not isinstance(parent, dict):
        return False
    tried.add(loc)
    if kind == "extra_forbidden":
        parent.pop(loc[-1], None)
        return True
    models = [t for t in _types_at(Scenario, loc[:-1]) if isinstance(t, type) and issubclass(t, BaseModel)]
    field = next((m.model_fields[loc[-1]] for m in models if loc[-1] in m.model_fields), None)
    if field is None:
        return False
    if not field.is_required():
        parent.pop(loc[-1], None)
        return True
    kinds = [t for t in _unwrap(field.annotation) if t in _LEAF_STAND_INS]
    if len(kinds) != 1:
        return False
    parent[loc[-1]] = _LEAF_STAND_INS[kinds[0]]
    return True


def _set_aside(data: dict[str, Any], loc: Path_, removed: list[Path_]) -> bool:
    """Remove (or stand in for) the smallest entry holding ``loc``. False if nothing changed."""
    if not loc:
        return False
    # the deepest entry of a group (sectors.x, moves.y, sectors.x.indicators.z) above the error
    for k in range(len(loc), 1, -1):
        parent = _value_at(data, loc[: k - 1])
        if loc[k - 2] in _ENTRY_GROUPS and isinstance(loc[k - 2], str) and isinstance(parent, dict) \
                and loc[k - 1] in parent:
            if not any(isinstance(x, int) for x in loc[: k - 1]):  # never inside a list: its indices are positions
                del parent[loc[k - 1]]
                removed.append(loc[:k])
                return True
    top = loc[0]
    if top in _STAND_INS and data.get(top) != _STAND_INS[top]:
        data[top] = _STAND_INS[top]
        return True
    if top in _OPTIONAL_GROUPS and top in data:
        del data[top]
        removed.append((top,))
        return True
    if top in _ENTRY_GROUPS and len(loc) == 1 and data.get(top) != {}:
        return False  # 'sectors: 5': nothing is left to check against
    return False


def _removed_ids(data: Any, removed: list[Path_]) -> list[str]:
    """The quoted ids a message would use for what was set aside: 'x', 'x.y'."""
    out: list[str] = []
    for path in removed:
        if len(path) == 1:  # a whole optional group: every id in it
            group = _value_at(data, path)
            if isinstance(group, dict):
                out += [f"'{k}'" for k in group]
            continue
        if path[-2] == "indicators" and len(path) >= 4:
            out.append(f"'{path[-3]}.{path[-1]}'")
            continue
        out.append(f"'{path[-1]}'")
        if path[0] in ("sectors", "roles"):
            out.append(f"'{path[-1]}.")  # its indicators
    return out


def scenario_from_canonical(data: dict[str, Any]) -> LoadedScenario:
    """Rebuild a scenario stored in a save. Citations are not re-checked here."""
    doc = Document("<save>", data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(_map_validation(exc, doc)) from None
    problems = check(scenario, doc, None)
    if problems:
        raise InputError(problems)
    canonical = scenario.model_dump(mode="json")
    digest = hashlib.sha256(canonical_json(canonical).encode()).hexdigest()
    return LoadedScenario(scenario, None, digest, canonical, None, None)


def _sorted(diags: list[Diagnostic]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for d in sorted(diags, key=lambda d: (d.line, d.col)):
        if d not in out:
            out.append(d)
    return out


def _describe(value: Any) -> str:
    """How a found value reads in a message: 'the number 5', 'the text 'x'', 'a list'."""
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) >= 10**40:
        return _plain(value)
    if isinstance(value, int | float):
        return f"the number {_plain(value)}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, list):
        if value and len(value) <= 4 and all(isinstance(v, int | float | str) and len(str(v)) <= 20 for v in value):
            return f"the list [{', '.join(_plain(v) for v in value)}]"
        return "an empty list" if not value else "a list"
    if isinstance(value, dict):
        return "an empty mapping" if not value else "a mapping"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, bytes):
        return "binary data"
    return type(value).__name__


# --- pydantic errors -> diagnostics ----------------------------------------------

@dataclass
class _Err:
    loc: Path_                       # the real path in the data (markers removed)
    key: bool                        # the error is about a mapping key, not its value
    sites: list[tuple[int, str]]     # union branch markers: (length of loc before it, marker)
    kind: str
    msg: str
    ctx: dict[str, Any]


def _split_loc(data: Any, raw: tuple[Any, ...], kind: str) -> tuple[Path_, bool, list[tuple[int, str]]]:
    """Separate pydantic's location into the data path, a key flag and union-branch markers."""
    real: list[str | int] = []
    key = False
    sites: list[tuple[int, str]] = []
    cur: Any = data
    alive = True
    for i, part in enumerate(raw):
        last = i == len(raw) - 1
        if part == "[key]":
            key = True
        elif alive and isinstance(cur, dict) and part in cur:
            real.append(part)
            cur = cur[part]
        elif alive and isinstance(cur, dict) and any(str(part) in (str(k), repr(k)) for k in cur):
            k = next(k for k in cur if str(part) in (str(k), repr(k)))  # a number key, shown as text
            real.append(k)
            cur = cur[k]
        elif alive and isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            real.append(part)
            cur = cur[part]
        elif isinstance(part, str) and _looks_like_marker(part) and not (last and kind == "missing"):
            sites.append((len(real), part))
        else:
            real.append(part)
            alive = False
    return tuple(real), key, sites


def _looks_like_marker(part: str) -> bool:
    return "[" in part or part in ("str", "int", "float", "bool", "none", "date", "datetime") or part.startswith("function-")


def _map_validation(exc: ValidationError, doc: Document) -> list[Diagnostic]:
    errs: list[_Err] = []
    for err in exc.errors(include_url=False):
        loc, key, sites = _split_loc(doc.data, tuple(err["loc"]), err["type"])
        msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        errs.append(_Err(loc, key, sites, err["type"], msg, dict(err.get("ctx") or {})))
    out = _resolve_unions(errs, doc)
    out = _drop_missing_explained(out)
    diags = [_diagnostic(e, doc) for e in _group_missing(out)]
    return _sorted(diags)


def _group_missing(errs: list[_Err]) -> list[_Err]:
    """Several fields missing from one mapping make one message, not one each."""
    by_parent: dict[Path_, list[str]] = {}
    for e in errs:
        if e.kind == "missing" and e.loc and isinstance(e.loc[-1], str):
            by_parent.setdefault(e.loc[:-1], []).append(e.loc[-1])
    out: list[_Err] = []
    for e in errs:
        names = by_parent.get(e.loc[:-1], []) if e.kind == "missing" and e.loc else []
        if len(names) < 2:
            out.append(e)
        elif e.loc[-1] == names[0]:
            out.append(_Err(e.loc[:-1], False, [], "missing_many", "", {"names": names}))
    return out


def _branch_fits(marker: str, value: Any) -> bool:
    if marker == "str":
        return isinstance(value, str)
    if marker.startswith("dict["):
        return isinstance(value, dict)
    if marker.startswith(("list[", "tuple[")):
        return isinstance(value, list)
    if marker == "bool":
        return isinstance(value, bool)
    if marker == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if marker == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return False


_SHAPES = {"str": "text", "bool": "true/false", "int": "a whole number", "float": "a number", "none": "nothing"}


def _shape_name(marker: str) -> str:
    if marker in _SHAPES:
        return _SHAPES[marker]
    if marker.startswith("dict["):
        return "a mapping"
    if marker.startswith("list["):
        return "a list"
    if marker.startswith("tuple["):
        return "a [low, high] range"
    return marker


def _resolve_unions(errs: list[_Err], doc: Document) -> list[_Err]:
    """One error per union value: the branch that fits the value's shape, else 'expected X or Y'."""
    plain = [e for e in errs if not e.sites]
    by_site: dict[Path_, list[_Err]] = {}
    for e in errs:
        if e.sites:
            by_site.setdefault(e.loc[: e.sites[0][0]], []).append(e)
    for site, group in by_site.items():
        value = _value_at(doc.data, site)
        branches = list(dict.fromkeys(e.sites[0][1] for e in group))
        fitting = [b for b in branches if _branch_fits(b, value)]
        if len(fitting) == 1:
            inner = [e for e in group if e.sites[0][1] == fitting[0]]
            deeper = [_Err(e.loc, e.key, e.sites[1:], e.kind, e.msg, e.ctx) for e in inner
                      if len(e.loc) > len(site) or e.sites[1:]]
            if deeper:
                plain.extend(_resolve_unions(deeper, doc))
                continue
            plain.extend(_Err(e.loc, e.key, [], e.kind, e.msg, e.ctx) for e in inner)
            continue
        shapes = list(dict.fromkeys(_shape_name(b) for b in branches))
        what = " or ".join([", ".join(shapes[:-1]), shapes[-1]] if len(shapes) > 1 else shapes)
        about = _description_at(site)
        if about:
            what += f" ({about[0].lower()}{about[1:].rstrip('.')})"
        msg = f"expected {what}, found {_describe(value)}"
        plain.append(_Err(site, False, [], "union", msg, {}))
    return plain


def _drop_missing_explained(errs: list[_Err]) -> list[_Err]:
    """A missing field whose misspelling is reported as an unknown field needs no second message."""
    suggested = set()
    for e in errs:
        if e.kind == "extra_forbidden" and e.loc:
            allowed = _fields_at(Scenario, e.loc[:-1])
            best = closest(str(e.loc[-1]), allowed)
            if best:
                suggested.add(e.loc[:-1] + (best,))
    return [e for e in errs if not (e.kind == "missing" and e.loc in suggested)]


def _value_at(data: Any, loc: Path_) -> Any:
    value = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
_SCENARIO_ID_PATTERN = r"^[a-z][a-z0-9-]*$"
_RANGE_FIELDS = ("value", "change", "pct_change", "diff")


def _diagnostic(e: _Err, doc: Document) -> Diagnostic:
    loc, kind, ctx = e.loc, e.kind, e.ctx
    value = loc[-1] if (e.key and loc) else _value_at(doc.data, loc)
    found = _describe(value)
    msg = e.msg
    at_key = e.key
    types_here = _types_at(Scenario, loc)
    parent_types = _types_at(Scenario, loc[:-1]) if loc else []
    is_range = any(typing.get_origin(t) is tuple for t in types_here)
    in_range = any(typing.get_origin(t) is tuple for t in parent_types)
    if kind == "extra_forbidden":
        allowed = _fields_at(Scenario, loc[:-1])
        msg = f"unknown field {loc[-1]!r}{did_you_mean(str(loc[-1]), allowed)}"
        if allowed:
            msg += f"; allowed here: {', '.join(allowed)}"
        return doc.diag(loc, msg, key=True)
    if kind == "missing" and in_range:
        loc = loc[:-1]
        msg = f"expected a range [low, high] of two numbers, found {_describe(_value_at(doc.data, loc))}"
    elif kind == "missing":
        parent = loc[:-1]
        msg = f"missing required field {loc[-1]!r}"
        if not parent:
            msg += f" (required at the top level: {', '.join(_required(Scenario))})"
        else:
            required = [n for t in _types_at(Scenario, parent) if isinstance(t, type) and issubclass(t, BaseModel)
                        for n in _required(t)]
            if len(required) > 1:
                msg += f" (required here: {', '.join(required)})"
        d = doc.diag(parent, msg, key=True)
        return Diagnostic(d.file, d.line, d.col, format_path(loc), d.message)
    elif kind == "missing_many":
        names = ctx["names"]
        msg = f"missing required fields {', '.join(map(repr, names))}"
        if not loc and set(names) != set(_required(Scenario)):
            msg += f" (a scenario needs {', '.join(_required(Scenario))})"
        return doc.diag(loc, msg, key=True)
    elif is_range and kind in ("tuple_type", "too_long", "too_short", "list_type"):
        msg = f"expected a range [low, high] of two numbers, found {found}"
    elif kind == "string_type" and at_key:
        msg = f"{_plain(value)} is not a valid id: use lowercase letters, digits and _, starting with a letter"
    elif kind in ("string_type", "string_unicode"):
        msg = f"expected text, found {found}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            msg += f" (put it in quotes if you mean text: '{value}')"
    elif kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        if at_key:
            msg = f"expected a round number (a whole number from 1), found {found}"
        else:
            msg = f"expected a whole number, found {found}"
    elif kind in ("float_type", "float_parsing", "finite_number"):
        msg = f"expected a number, found {found}"
    elif kind in ("bool_type", "bool_parsing"):
        msg = f"expected true or false, found {found}"
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", "on", "off"):
            msg += " (a quoted value is text: write true or false without quotes)"
    elif kind == "list_type":
        msg = f"expected a list, found {found}"
        if isinstance(value, str):
            msg += f" (for a list of one, write [{value}])"
        elif isinstance(value, dict):
            msg += " (write the items as '- item' lines, or [a, b])"
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        fields = _fields_at(Scenario, loc)
        if fields:
            msg = f"expected a mapping with the fields {', '.join(fields)}; found {found}"
        else:
            msg = f"expected a mapping ('key: value' lines), found {found}"
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            msg += " (remove the '- ' in front of the entries)"
    elif kind == "too_short":
        noun = "entry" if ctx.get("field_type") == "Dictionary" else "item"
        n = ctx.get("min_length", 1)
        msg = f"needs at least {n} {noun}{'' if n == 1 else ('ies' if noun == 'entry' else 's')}"
        if loc and loc[-1] == "cites":
            msg += " (a fact id from the evidence, like [csis.ch8.cobalt_price])"
        elif ctx.get("actual_length") == 0:
            msg += ", found none"
    elif kind == "too_long":
        msg = f"has too many items ({ctx.get('actual_length')}; at most {ctx.get('max_length')})"
    elif kind == "string_too_short":
        msg = "must not be empty" if ctx.get("min_length") == 1 else f"needs at least {ctx.get('min_length')} characters"
    elif kind == "string_too_long" and at_key:
        msg = f"this id is too long ({len(str(value))} characters; at most {ctx.get('max_length')})"
    elif kind == "string_too_long":
        msg = f"is too long ({len(value) if isinstance(value, str) else '?'} characters; at most {ctx.get('max_length')})"
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ("more than", "gt"), "greater_than_equal": ("at least", "ge"),
              "less_than": ("less than", "lt"), "less_than_equal": ("at most", "le")}[kind]
        msg = f"must be {op[0]} {_plain(ctx.get(op[1]))}, found {_plain(value)}"
    elif kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", ""))) or [str(ctx.get("expected", ""))]
        shown = ", ".join(repr(c) if not c.isdigit() else c for c in choices)
        msg = (f"must be {shown}" if len(choices) == 1 else f"must be one of {shown}") + f", found {_plain(value)}"
        msg += did_you_mean(str(value), choices) if isinstance(value, str) else ""
    elif kind == "string_pattern_mismatch":
        msg = _pattern_message(str(value), str(ctx.get("pattern", "")), doc)
    elif kind.startswith("date") or kind.startswith("datetime"):
        msg = f"expected a date like 2016-07-01 (year-month-day), found {found}"
    elif kind in ("value_error", "assertion_error"):
        loc, msg = _refine_model_error(loc, msg, doc)
    return doc.diag(loc, msg, key=at_key)


def _required(model: type[BaseModel]) -> list[str]:
    return [n for n, f in model.model_fields.items() if f.is_required()]


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        # A huge whole number is shown by its size (str() refuses over 4,300 digits anyway).
        return str(value) if abs(value) < 10**40 else f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    return _describe(value)


def _pattern_message(value: str, pattern: str, doc: Document) -> str:
    if pattern == _ID_PATTERN:
        fixed = re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_")
        tip = f" (try {fixed!r})" if fixed and re.match(_ID_PATTERN, fixed) and fixed != value else ""
        return f"{value!r} is not a valid id: use lowercase letters, digits and _, starting with a letter{tip}"
    if pattern == _SCENARIO_ID_PATTERN:
        fixed = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
        tip = f" (try {fixed!r})" if fixed and re.match(_SCENARIO_ID_PATTERN, fixed) and fixed != value else ""
        return f"{value!r} is not a valid scenario id: use lowercase letters, digits and -, starting with a letter{tip}"
    if "\\$target" in pattern:
        known = _raw_indicator_ids(doc.data)
        return (f"{value!r} is not an indicator id: write <sector-or-role>.<name>, like 'metal.price'"
                f"{did_you_mean(value, known)}")
    if pattern.startswith("^[a-z0-9]+(\\."):
        return f"{value!r} is not a fact id: fact ids are dotted lowercase names, like 'csis.ch8.cobalt_price'"
    return f"{value!r} does not have the expected form ({pattern})"


def _raw_indicator_ids(data: Any) -> list[str]:
    out: list[str] = []
    if not isinstance(data, dict):
        return out
    for group in ("sectors", "roles"):
        items = data.get(group)
        if isinstance(items, dict):
            for gid, body in items.items():
                if isinstance(body, dict) and isinstance(body.get("indicators"), dict):
                    out += [f"{gid}.{n}" for n in body["indicators"]]
    return out


def _refine_model_error(loc: Path_, msg: str, doc: Document) -> tuple[Path_, str]:
    """Point a whole-model complaint at the field it is about, and word it for action."""
    here = _value_at(doc.data, loc)
    if not isinstance(here, dict):
        return loc, msg
    if msg.startswith("min (") and "must be below max" in msg:
        return loc + (("min",) if "min" in here else ("max",)), msg
    if msg.startswith("goal 'target' needs"):
        return loc + ("goal",), "goal 'target' needs a target value: add 'target: <number>'"
    if msg.startswith("target is only used"):
        return loc + ("target",), msg + ": remove the target or set goal: target"
    if msg.startswith("range [") and msg.endswith("is empty"):
        field = next((f for f in _RANGE_FIELDS if f in here), None)
        if field:
            return loc + (field,), msg + ": write the range as [low, high]"
    if msg.startswith("give exactly one of value"):
        given = [f for f in _RANGE_FIELDS if here.get(f) is not None]
        if not given:
            return loc, ("a check needs a range to test: give one of value, change, pct_change or diff, "
                         "as [low, high] (like 'change: [-5, 5]')")
        return loc + (given[1],), f"give only one range per check (this one has {' and '.join(given)})"
    if msg.startswith("give exactly one of 'delta'"):
        if "delta" in here and "set" in here:
            return loc + ("set",), "give exactly one of 'delta' or 'set', not both"
        return loc, "give exactly one of 'delta' (a change each round) or 'set' (a new value each round)"
    return loc, msg


def _unwrap(tp: Any) -> list[Any]:
    """The concrete types inside Annotated / Optional / Union."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(tp) for t in _unwrap(a)]
    return [tp]


def _types_at(model: Any, loc: Path_, keep_annotated: bool = False) -> list[Any]:
    """The declared types that may sit at a location in the data."""
    current: list[Any] = [model]
    for part in loc:
        nxt: list[Any] = []
        for tp in current:
            for t in _unwrap(tp):
                if isinstance(t, type) and issubclass(t, BaseModel):
                    if isinstance(part, str) and part in t.model_fields:
                        f = t.model_fields[part]
                        nxt.append(typing.Annotated[f.annotation, f] if keep_annotated else f.annotation)
                elif typing.get_origin(t) is dict:
                    nxt.append(typing.get_args(t)[1])
                elif typing.get_origin(t) in (list, tuple) and isinstance(part, int):
                    args = typing.get_args(t)
                    if args:
                        nxt.append(args[min(part, len(args) - 1)] if typing.get_origin(t) is tuple else args[0])
        current = nxt
    if keep_annotated:
        return current
    return [t for tp in current for t in _unwrap(tp)]


def _description_at(loc: Path_) -> str | None:
    """The Field description of the value at a location, if it has one."""
    for tp in _types_at(Scenario, loc, keep_annotated=True):
        stack = [tp]
        while stack:
            t = stack.pop()
            if typing.get_origin(t) is typing.Annotated:
                for meta in t.__metadata__:
                    if isinstance(meta, FieldInfo) and meta.description:
                        return meta.description
                stack.append(typing.get_args(t)[0])
    return None


def _fields_at(model: Any, loc: Path_) -> list[str]:
    """Field names allowed at a location, for did-you-mean on unknown keys."""
    names: list[str] = []
    for t in _types_at(model, loc):
        if isinstance(t, type) and issubclass(t, BaseModel):
            names.extend(n for n in t.model_fields if n not in names)
    return names


def _non_finite(scenario: Scenario, doc: Document) -> list[Diagnostic]:
    """Numbers like 'inf' or '1e999' pass pydantic; they are no use in a game."""
    out: list[Diagnostic] = []

    def walk(value: Any, path: Path_) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            out.append(doc.diag(path, f"{_plain(_value_at(doc.data, path))} is not a usable number: give a finite number"))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + (k,))
        elif isinstance(value, list | tuple):
            for i, v in enumerate(value):
                walk(v, path + (i,))

    walk(scenario.model_dump(), ())
    return out


# --- evidence ---------------------------------------------------------------------

def _evidence_for(scenario: Scenario, doc: Document, base: Path | None) -> tuple[Evidence | None, list[Diagnostic]]:
    try:
        if scenario.evidence is not None:
            folder = (base or Path.cwd()) / scenario.evidence
        else:
            folder = _nearest_seeds(base) or default_seeds_dir()
        return load_evidence(folder.resolve()), []
    except InputError as exc:
        first = exc.diagnostics[0]
        if scenario.evidence is None:
            return None, list(exc.diagnostics)
        shown = _shown_path(folder, base)
        if first.message == "evidence file not found":
            return None, [doc.diag(("evidence",), f"cannot load evidence from {shown!r}: there is no "
                                                  f"{Path(first.file).name} there ('evidence' names the folder that "
                                                  "holds sources.yaml and facts.yaml, relative to this file)")]
        return None, [doc.diag(("evidence",), f"cannot load evidence from {shown!r}: {first}")]
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return None, [doc.diag(("evidence",), f"cannot load evidence: {why}")]


def _nearest_seeds(base: Path | None) -> Path | None:
    if base is None:
        return None
    for d in [base.resolve(), *base.resolve().parents]:
        if (d / "seeds" / "facts.yaml").is_file():
            return d / "seeds"
    return None


def _shown_path(path: Path, base: Path | None) -> str:
    """A path as an author reads it: relative to the scenario's folder when that is short."""
    try:
        rel = os.path.relpath(Path(path).resolve(), (base or Path.cwd()).resolve())
    except ValueError:  # another drive
        return str(path)
    return rel if rel.count("..") <= 1 else str(path.resolve())


# --- cross-references ----------------------------------------------------------------

def _all_effects(s: Scenario) -> list[Effect]:
    out: list[Effect] = []
    for m in s.moves.values():
        out += m.effects
        if m.policy:
            out += m.policy.ongoing
        if m.deal and m.deal.renegotiated:
            out += m.deal.renegotiated
    for ev in s.events.values():
        out += ev.effects
    return out


def indicator_ids(s: Scenario) -> list[str]:
    ids = [f"{sid}.{name}" for sid, sec in s.sectors.items() for name in sec.indicators]
    ids += [f"{rid}.{name}" for rid, role in s.roles.items() for name in role.indicators]
    return ids


def check(s: Scenario, doc: Document, evidence: Evidence | None, base: Path | None = None) -> list[Diagnostic]:
    """Every cross-reference and range the models alone cannot check."""
    c = _Checker(s, doc, evidence, base)
    c.run()
    return _sorted(c.out)


class _Checker:
    def __init__(self, s: Scenario, doc: Document, evidence: Evidence | None, base: Path | None = None) -> None:
        self.s, self.doc, self.evidence = s, doc, evidence
        self.out: list[Diagnostic] = []
        self.indicators = set(indicator_ids(s))
        self.tags = {t for m in s.moves.values() for t in m.tags}
        self.bounds = {f"{gid}.{n}": (ind.min, ind.max)
                       for group in (s.sectors, s.roles) for gid, g in group.items() for n, ind in g.indicators.items()}
        self.facts_shown = _shown_path(evidence.folder / "facts.yaml", base) if evidence else ""
        # A scenario that names what one magnitude stands on is held to naming it for all
        # of them: a missing basis is then an oversight, not a scenario written before the field.
        self.grounded = any(e.basis is not None for e in _all_effects(s)) or any(
            r.basis is not None for r in s.dynamics.values())
        self.expectation_ids = {ex.id: ex for ex in s.expectations if ex.id}

    def err(self, path: Path_, message: str, **kw: Any) -> None:
        self.out.append(self.doc.diag(path, message, **kw))

    def run(self) -> None:
        s = self.s
        for rid in s.roles:
            if rid in s.sectors:
                self.err(("roles", rid), f"role id {rid!r} is also a sector id; indicator ids would clash", key=True)
        for sid, sec in s.sectors.items():
            base = ("sectors", sid)
            for axis in ("innovation", "global_effect"):
                self.fixed_range(base + ("axes", axis, "threshold"), getattr(sec.axes, axis).threshold, "threshold")
                name = getattr(sec.axes, axis).indicator
                if name not in sec.indicators:
                    self.err(base + ("axes", axis, "indicator"),
                             f"unknown indicator {name!r} in sector {sid!r}{hint(name, sec.indicators, 'its indicators')}")
            if sec.documented:
                self.cites(base + ("documented", "cites"), sec.documented.cites)
            for name, ind in sec.indicators.items():
                self.indicator(base + ("indicators", name), ind)
        for rid, role in s.roles.items():
            base = ("roles", rid)
            for name, ind in role.indicators.items():
                self.indicator(base + ("indicators", name), ind)
            for i, obj in enumerate(role.objectives):
                self.ref(base + ("objectives", i, "indicator"), obj.indicator)
        for mid, move in s.moves.items():
            self.move(mid, move)
        for eid, ev in s.events.items():
            base = ("events", eid)
            for i, r in enumerate(ev.at):
                if r > s.rounds:
                    self.err(base + ("at", i), f"round {r} is after the last round ({s.rounds})")
            if ev.trigger:
                self.formula(base + ("trigger",), ev.trigger)
            self.cites(base + ("cites",), ev.cites)
            for i, e in enumerate(ev.effects):
                self.effect(base + ("effects", i), e, None)
        for rid_, rule in s.dynamics.items():
            base = ("dynamics", rid_)
            self.ref(base + ("indicator",), rule.indicator)
            for f in ("delta", "set", "when"):
                if getattr(rule, f):
                    self.formula(base + (f,), getattr(rule, f))
            self.cites(base + ("cites",), rule.cites)
            self.basis(base, rule.basis, rule.indicator, None)
        seen: dict[str, int] = {}
        for i, ex in enumerate(s.expectations):
            if ex.id is not None:
                if ex.id in seen:
                    self.err(("expectations", i, "id"), f"duplicate expectation id {ex.id!r} (also expectations[{seen[ex.id]}])")
                seen.setdefault(ex.id, i)
            self.expectation(("expectations", i), ex)

    def fixed_range(self, path: Path_, value: float, what: str) -> bool:
        """Values are fixed-point integers in the engine: a bound past FIXED_LIMIT is an error here,
        with its position, rather than an overflow when the rules are compiled."""
        if math.isfinite(value) and abs(value) <= FIXED_LIMIT:
            return True
        shown = f"{value:,.15g}" if abs(value) < 1e15 else f"{value:g}"
        self.err(path, f"{what} {shown} is out of range: indicator values, bounds and thresholds must lie "
                       f"within ±{FIXED_LIMIT:,.0f} (they are kept to 4 decimal places)")
        return False

    def indicator(self, path: Path_, ind: Any) -> None:
        ok = all([self.fixed_range(path + (f,), getattr(ind, f), f) for f in ("min", "max", "start")])
        if ok and not ind.min <= ind.start <= ind.max:
            self.err(path + ("start",), f"start value {ind.start:g} is outside the bounds [{ind.min:g}, {ind.max:g}] "
                                        f"(set by min and max)")
        self.cites(path + ("cites",), ind.cites)

    def ref(self, path: Path_, ref: str, targets: list[str] | None = None) -> None:
        if ref.startswith("$target."):
            if not targets:
                self.err(path, f"{ref!r} needs a move with targets: '$target' is only allowed in a move "
                               "that lists them (targets: [role or sector ids])")
                return
            for t in targets:
                full = f"{t}.{ref.split('.', 1)[1]}"
                if full not in self.indicators:
                    self.err(path, f"{ref!r} means {full!r} for target {t!r}, which is not an indicator")
            return
        if ref not in self.indicators:
            self.err(path, f"unknown indicator {ref!r}{did_you_mean(ref, self.indicators)}")

    def cites(self, path: Path_, cites: list[str]) -> None:
        if self.evidence is None:
            return
        for i, fid in enumerate(cites):
            if fid not in self.evidence.facts:
                self.err(path + (i,), f"citation {fid!r} is not a fact in {self.facts_shown}"
                         f"{did_you_mean(fid, self.evidence.facts)}")

    def formula(self, path: Path_, text: str) -> None:
        try:
            f = Formula.parse(text)
        except FormulaError as exc:
            self.err(path, f"bad formula: {exc.message}", offset=exc.offset)
            return
        for r in f.unknown_refs(self.indicators):
            self.err(path, f"unknown indicator {r.name!r} in formula{did_you_mean(r.name, self.indicators)}", offset=r.offset)
        for sref in f.ids:
            tag = self._is_tag_call(f, sref)
            pool = self.tags if tag else set(self.s.moves)
            if sref.value not in pool:
                what = "tag" if tag else "move"
                self.err(path, f"unknown {what} {sref.value!r} in formula{hint(sref.value, pool, what + 's')}",
                         offset=sref.offset + 1)

    @staticmethod
    def _is_tag_call(f: Formula, sref: Any) -> bool:
        # acting("tag") is the only call that names a tag; find which call holds this string.
        text = f.text[: sref.offset].rstrip()
        return text.endswith("acting(")

    def effect(self, path: Path_, e: Effect, targets: list[str] | None) -> None:
        self.ref(path + ("indicator",), e.indicator, targets)
        for f in ("when", "scale"):
            if getattr(e, f):
                self.formula(path + (f,), getattr(e, f))
        self.cites(path + ("cites",), e.cites)
        self.basis(path, e.basis, e.indicator, targets)

    def basis(self, path: Path_, b: Basis | None, indicator: str, targets: list[str] | None) -> None:
        """A magnitude's ground: the facts it is derived from carry figures; the expectations
        it was calibrated to exist and check this indicator (or its sector's quadrant)."""
        if b is None:
            if self.grounded:
                self.err(path, "missing 'basis': say what this magnitude stands on: {figure: FACT_ID, how: "
                               "arithmetic}, {outcome: EXPECTATION_ID, how: what the model gives}, or "
                               "{assumption: why this size, against comparable effects} (other effects here have one)")
            return
        key = "figure" if b.figure is not None else "outcome"
        many = not isinstance(getattr(b, key, None), str)
        for j, ref in enumerate(b.refs):
            at = path + ("basis", key) + ((j,) if many else ())
            if b.kind == "figure":
                if self.evidence is None:
                    continue
                fact = self.evidence.facts.get(ref)
                if fact is None:
                    self.err(at, f"basis figure {ref!r} is not a fact in {self.facts_shown}"
                                 f"{did_you_mean(ref, self.evidence.facts)}")
                elif not fact.figures:
                    self.err(at, f"basis figure {ref!r} is a fact without figures: name a fact that gives "
                                 "the number, or call this an outcome or an assumption")
                continue
            ex = self.expectation_ids.get(ref)
            if ex is None:
                self.err(at, f"basis outcome {ref!r} is not the id of an expectation"
                             f"{hint(ref, self.expectation_ids, 'expectation')}")
                continue
            groups = self._groups(indicator, targets)
            if not any((c.indicator or "").split(".", 1)[0] in groups or c.sector in groups for c in ex.check):
                self.err(at, f"basis outcome {ref!r} checks nothing of {' or '.join(sorted(groups))!r} (no indicator "
                             "of it, nor its quadrant): name the expectation this number was calibrated to")

    @staticmethod
    def _groups(indicator: str, targets: list[str] | None) -> set[str]:
        # An outcome may be checked on a neighbouring indicator of the same sector or role
        # (demand sets the price the expectation checks), but not on an unrelated one.
        group = indicator.split(".", 1)[0]
        return set(targets or []) if group == "$target" else {group}

    def move(self, mid: str, move: Any) -> None:
        s, base = self.s, ("moves", mid)
        if move.role not in s.roles:
            self.err(base + ("role",), f"unknown role {move.role!r}{hint(move.role, s.roles, 'roles')}")
        if move.targets is not None:
            for i, t in enumerate(move.targets):
                if t not in s.roles and t not in s.sectors:
                    self.err(base + ("targets", i), f"unknown target {t!r}: targets are role or sector ids"
                             f"{hint(t, [*s.roles, *s.sectors], 'roles and sectors')}")
        targets = [t for t in (move.targets or []) if t in s.roles or t in s.sectors] or None
        if move.requires:
            self.formula(base + ("requires",), move.requires)
        if move.policy and move.deal:
            self.err(base + ("deal",), "a move is either a policy or a deal, not both", key=True)
        self.cites(base + ("cites",), move.cites)
        if move.deal:
            cp = move.deal.counterparty
            if cp not in s.roles:
                self.err(base + ("deal", "counterparty"), f"unknown role {cp!r}{hint(cp, s.roles, 'roles')}")
            elif cp == move.role:
                others = [r for r in s.roles if r != move.role]
                self.err(base + ("deal", "counterparty"),
                         f"a role cannot make a deal with itself: {move.role!r} proposes this move, so the "
                         f"counterparty must be another role ({', '.join(others) or 'there is none'})")
            for i, e in enumerate(move.deal.renegotiated or []):
                self.effect(base + ("deal", "renegotiated", i), e, targets)
        for i, e in enumerate(move.effects):
            self.effect(base + ("effects", i), e, targets)
        if move.policy:
            for i, e in enumerate(move.policy.ongoing):
                path = base + ("policy", "ongoing", i)
                self.effect(path, e, targets)
                for f, default in (("delay", 0), ("duration", 1)):
                    if getattr(e, f) != default:
                        self.err(path + (f,), f"'{f}' does nothing in a policy's ongoing effect, which applies every "
                                              "round the policy is in force: remove it, or put this effect under "
                                              "the move's 'effects'", key=True)

    def expectation(self, base: Path_, ex: Any) -> None:
        s = self.s
        self.cites(base + ("cites",), ex.cites)
        for ind, value in ex.setup.items():
            self.ref(base + ("setup", ind), ind)
            bounds = self.bounds.get(ind)
            if bounds and not bounds[0] <= value <= bounds[1]:
                self.err(base + ("setup", ind), f"setup value {value:g} is outside the bounds of {ind!r} "
                                                f"[{bounds[0]:g}, {bounds[1]:g}]")
        for key in ("orders", "versus"):
            rounds = getattr(ex, key) or {}
            for rnd, by_role in rounds.items():
                if rnd > ex.rounds:
                    self.err(base + (key, rnd), f"orders for round {rnd}, but the expectation runs only "
                                                f"{ex.rounds} {'round' if ex.rounds == 1 else 'rounds'}: raise 'rounds' or remove these orders", key=True)
                for rid, orders in by_role.items():
                    if rid not in s.roles:
                        self.err(base + (key, rnd, rid), f"unknown role {rid!r}{hint(rid, s.roles, 'roles')}", key=True)
                        continue
                    for i, o in enumerate(orders):
                        self.order(base + (key, rnd, rid, i), rid, o)
        if ex.orders and ex.orders_file:
            self.err(base + ("orders_file",), "give inline orders or an orders_file, not both")
        for i, chk in enumerate(ex.check):
            p = base + ("check", i)
            if chk.indicator:
                self.ref(p + ("indicator",), chk.indicator)
            if chk.sector and chk.sector not in s.sectors:
                self.err(p + ("sector",), f"unknown sector {chk.sector!r}{hint(chk.sector, s.sectors, 'sectors')}")
            if chk.diff is not None and ex.versus is None:
                self.err(p + ("diff",), "a 'diff' check needs a 'versus' set of orders to compare with: add "
                                        "'versus: {round: {role: [move, ...]}}' to this expectation", key=True)

    def order(self, path: Path_, rid: str, spec: Any) -> None:
        try:
            parse_order(self.s, rid, spec)
        except OrderSpecError as exc:
            self.err(path, exc.message)
