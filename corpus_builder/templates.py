"""Narrative templates: the file format, the placeholder syntax and their checks.

A template file is YAML::

    channel: ebanking          # any name; used for weights and reports
    language: id               # id or en: sets date words and preferred customers
    case: upper                # upper or keep, for every template in the file
    wrap: 65                   # optional: hard line width of the channel
    max_length: 140            # optional: field length; longer narratives are cut
    templates:
      - id: id-ebank-001       # unique over all files
        kind: full             # full, partial, multi, fee, interest, tax or cash
        weight: 2              # optional, default 1
        currencies: [IDR]      # optional: only transactions in these currencies
        text: "TRSF E-BANKING CR {ref} {AMOUNT:amount} {CUSTOMER:customer}"

A placeholder is ``{field}`` for plain filler text, ``{LABEL:field}`` for an entity,
and either may end in ``|option`` to fix one surface form (``{DATE:date|yymmdd}``).
``{~PEMBAYARAN|PELUNASAN|}`` picks one literal alternative per narrative; an empty
alternative leaves the words out, and where that would leave two spaces (or a space at
either end of the text) one of them goes too. ``{{`` and
``}}`` stand for literal braces. A template may set its own ``case``. Every problem is
reported with its file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from pathlib import Path

import yaml

from .config import encoding_problem, yaml_problem
from .errors import TemplateError
from .fields import FIELDS

KINDS = ("full", "partial", "multi", "fee", "interest", "tax", "cash")
KNOWN_CURRENCIES = ("IDR", "USD", "EUR", "SGD")
BUSINESS_TEMPLATE_KINDS = ("full", "partial", "multi")
LANGUAGES = ("id", "en")
CASES = ("upper", "keep")
_FILE_KEYS = {"channel", "language", "case", "templates", "wrap", "max_length"}
_TEMPLATE_KEYS = {"id", "kind", "weight", "text", "currencies", "case"}
_LABEL = re.compile(r"[A-Z][A-Z0-9_]*\Z")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]
    line: int
    column: int


@dataclass(frozen=True)
class Slot:
    field: str
    label: str | None
    option: str | None
    line: int
    column: int

    @cached_property
    def name(self) -> str:
        """How the slot is written, for messages."""
        inner = f"{self.label}:{self.field}" if self.label else self.field
        return "{" + inner + (f"|{self.option}" if self.option else "") + "}"


@dataclass(frozen=True)
class Template:
    id: str
    channel: str
    language: str
    kind: str
    weight: float
    case: str
    text: str
    parts: tuple[Literal | Choice | Slot, ...]
    path: str
    line: int
    column: int
    currencies: tuple[str, ...] = ()
    wrap: int = 0  # hard line width of the channel; 0: one line
    max_length: int = 0  # the channel's field length; longer text is cut; 0: none

    # Cached: the planner asks them for every transaction.
    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(p for p in self.parts if isinstance(p, Slot))

    @cached_property
    def labels(self) -> frozenset[str]:
        return frozenset(s.label for s in self.slots if s.label)

    @cached_property
    def needs(self) -> frozenset[str]:
        return frozenset(FIELDS[s.field].needs for s in self.slots)


def shipped_templates_dir() -> Path:
    """The templates folder shipped in the package, or the source tree's one."""
    packaged = Path(str(resources.files("corpus_builder"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def load_templates(folder: Path | None = None) -> list[Template]:
    """Parse and check every ``*.yaml`` file below ``folder``, sorted by path.

    Raises TemplateError for the first problem, naming file, line and column.
    """
    root = folder if folder is not None else shipped_templates_dir()
    if not root.exists():
        raise TemplateError(
            "the templates folder does not exist (config key `templates`, found "
            "relative to the config file)",
            path=str(root),
            line=0,
            column=0,
            code="E201",
        )
    if root.is_file():
        files = [root]
    else:
        files = sorted(
            p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml")
        )
    if not files:
        raise TemplateError(
            "no template files (*.yaml, *.yml) in this folder",
            path=str(root),
            line=0,
            column=0,
            code="E201",
        )
    templates: list[Template] = []
    seen: dict[str, Template] = {}
    for path in files:
        for template in read_template_file(path):
            if template.id in seen:
                first = seen[template.id]
                raise TemplateError(
                    f"template id {template.id!r} is used twice; the first is at "
                    f"{first.path}:{first.line}; give each template its own id",
                    path=template.path,
                    line=template.line,
                    column=template.column,
                    template_id=template.id,
                    code="E210",
                )
            seen[template.id] = template
            templates.append(template)
    return templates


def read_template_file(path: Path) -> list[Template]:
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TemplateError(
            f"cannot read the template file ({exc.strerror}); check the path and "
            "its permissions",
            path=where,
            line=0,
            column=0,
            code="E213",
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(
            f"{encoding_problem(raw, exc)}; save the file as UTF-8",
            path=where,
            line=raw[: exc.start].count(b"\n") + 1,
            column=0,
            code="E202",
        ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError) as exc:
        line, column, problem = yaml_problem(exc, text)
        raise TemplateError(
            f"not valid YAML ({problem})",
            path=where,
            line=line,
            column=column,
            code="E203",
        ) from None
    if node is None:
        raise TemplateError(
            "the file is empty; it needs channel, language and templates",
            path=where,
            line=1,
            column=1,
            code="E204",
        )
    if not isinstance(node, yaml.MappingNode):
        raise _at(
            node,
            where,
            "the file must be a mapping with channel, language, case and templates",
            code="E204",
        )
    head = _mapping(node, where, _FILE_KEYS, ("channel", "language", "templates"))
    channel = _scalar(head["channel"][1], where, "channel")
    if not _NAME.match(channel):
        raise _at(
            head["channel"][1],
            where,
            "channel is lower-case letters, digits, '_'",
            code="E205",
        )
    language = _choice(head["language"][1], where, "language", LANGUAGES)
    case = "upper"
    if "case" in head:
        case = _choice(head["case"][1], where, "case", CASES)
    layout = {}
    for key in ("wrap", "max_length"):
        if key in head:
            raw = _scalar(head[key][1], where, key)
            if not re.fullmatch(r"[0-9]+", raw) or not 20 <= int(raw) <= 10_000:
                raise _at(
                    head[key][1],
                    where,
                    f"{key} is a whole number of characters "
                    f"from 20 to 10000, got {raw!r}",
                    code="E205",
                )
            layout[key] = int(raw)
    items = head["templates"][1]
    if not isinstance(items, yaml.SequenceNode) or not items.value:
        raise _at(items, where, "templates must be a non-empty list", code="E204")
    return [
        replace(_read_template(item, where, channel, language, case), **layout)
        for item in items.value
    ]


def _read_template(
    node: yaml.Node, where: str, channel: str, language: str, case: str
) -> Template:
    if not isinstance(node, yaml.MappingNode):
        raise _at(
            node,
            where,
            "each template is a mapping with id, kind and text",
            code="E204",
        )
    entry = _mapping(node, where, _TEMPLATE_KEYS, ("id", "kind", "text"))
    template_id = _scalar(entry["id"][1], where, "id")
    kind = _choice(entry["kind"][1], where, "kind", KINDS, template_id)
    weight = 1.0
    if "weight" in entry:
        raw = _scalar(entry["weight"][1], where, "weight", template_id)
        try:
            weight = float(raw)
        except ValueError:
            weight = -1.0
        if not weight > 0 or weight == float("inf"):
            raise _at(
                entry["weight"][1],
                where,
                f"weight must be a number above 0, got {raw!r}",
                template_id,
                code="E205",
            )
    if "case" in entry:
        case = _choice(entry["case"][1], where, "case", CASES, template_id)
    currencies: tuple[str, ...] = ()
    if "currencies" in entry:
        cur = entry["currencies"][1]
        if not isinstance(cur, yaml.SequenceNode) or not all(
            isinstance(c, yaml.ScalarNode) and re.fullmatch(r"[A-Z]{3}", c.value)
            for c in cur.value
        ):
            raise _at(
                cur,
                where,
                "currencies is a list of ISO codes like [IDR, USD]",
                template_id,
                code="E205",
            )
        currencies = tuple(c.value for c in cur.value)
        unknown = [c for c in currencies if c not in KNOWN_CURRENCIES]
        if unknown:
            raise _at(
                cur,
                where,
                f"no transaction is in {unknown[0]}; currencies are "
                + ", ".join(KNOWN_CURRENCIES),
                template_id,
                code="E205",
            )
    text_node = entry["text"][1]
    text = _scalar(text_node, where, "text", template_id)
    if text_node.start_mark.line != text_node.end_mark.line and "\n" not in text:
        raise _at(
            text_node,
            where,
            "write the text on one line, in quotes",
            template_id,
            code="E206",
        )
    if not text.strip():
        raise _at(
            text_node,
            where,
            "the text is empty; write the narrative with its placeholders",
            template_id,
            code="E206",
        )
    if "\n" in text or "\r" in text:
        raise _at(
            text_node,
            where,
            "the text has a line break; narratives are one "
            "line (a channel's `wrap` breaks lines)",
            template_id,
            code="E206",
        )
    if "\t" in text:
        raise _at(
            text_node, where, "the text has a tab; use spaces", template_id, code="E206"
        )
    line = text_node.start_mark.line + 1
    column = text_node.start_mark.column + 1
    if text_node.style in ("'", '"'):
        column += 1
    parts = parse_placeholders(
        text, path=where, line=line, column=column, template_id=template_id
    )
    template = Template(
        id=template_id,
        channel=channel,
        language=language,
        kind=kind,
        weight=weight,
        case=case,
        text=text,
        parts=parts,
        path=where,
        line=line,
        column=column,
        currencies=currencies,
    )
    _check_kind(template)
    return template


def resolve_choices(
    parts: tuple[Literal | Choice | Slot, ...], pick
) -> tuple[Literal | Slot, ...]:
    """Replace each Choice by the alternative ``pick(choice)`` names; merge literals.

    An empty alternative takes one space next to it along, so no double space and no
    space at either end of the text is left behind.
    """
    out: list[Literal | Slot] = []
    omitted = False
    for part in parts:
        if isinstance(part, Choice):
            chosen = pick(part)
            if not chosen:
                omitted = True
                continue
            part = Literal(chosen)
        if isinstance(part, Literal):
            text = part.text
            if omitted and text.startswith(" ") and _space_before(out):
                text = text[1:]
            if out and isinstance(out[-1], Literal):
                out[-1] = Literal(out[-1].text + text)
            else:
                out.append(Literal(text))
        else:
            out.append(part)
        omitted = False
    if omitted and out and isinstance(out[-1], Literal) and out[-1].text.endswith(" "):
        out[-1] = Literal(out[-1].text[:-1])
    return tuple(p for p in out if not (isinstance(p, Literal) and not p.text))


def _space_before(out: list[Literal | Slot]) -> bool:
    """True at the start of the text or after a space: a second space would follow."""
    if not out:
        return True
    last = out[-1]
    return isinstance(last, Literal) and last.text.endswith(" ")


def parse_placeholders(
    text: str, *, path: str, line: int, column: int, template_id: str | None = None
) -> tuple[Literal | Choice | Slot, ...]:
    """Split template text into literals and slots; ``column`` is where text starts."""
    parts: list[Literal | Choice | Slot] = []
    literal: list[str] = []
    i = 0

    def fail(
        offset: int, message: str, code: str = "E207", slot: str | None = None
    ) -> TemplateError:
        """A syntax error by default; ``code`` names a field, label or option one."""
        return TemplateError(
            message,
            path=path,
            line=line,
            column=column + offset,
            template_id=template_id,
            slot=slot,
            code=code,
        )

    while i < len(text):
        ch = text[i]
        if ch == "{" and text.startswith("{{", i):
            literal.append("{")
            i += 2
            continue
        if ch == "}" and text.startswith("}}", i):
            literal.append("}")
            i += 2
            continue
        if ch == "}":
            raise fail(i, "a '}' with no '{' before it; write '}}' for a literal brace")
        if ch != "{":
            literal.append(ch)
            i += 1
            continue
        close = text.find("}", i + 1)
        nested = text.find("{", i + 1)
        if close == -1:
            raise fail(i, "placeholder is not closed; add '}'")
        if nested != -1 and nested < close:
            raise fail(nested, "a '{' inside a placeholder; placeholders do not nest")
        inner = text[i + 1 : close]
        if literal:
            parts.append(Literal("".join(literal)))
            literal = []
        if inner.startswith("~"):
            options = tuple(inner[1:].split("|"))
            if len(options) < 2:
                raise fail(
                    i,
                    f"{{{inner}}} needs two or more alternatives split by "
                    "'|' (an empty one leaves the words out)",
                )
            parts.append(Choice(options, line, column + i))
        else:
            parts.append(_parse_slot(inner, i, fail, line, column))
        i = close + 1
    if literal:
        parts.append(Literal("".join(literal)))
    return tuple(parts)


def _parse_slot(inner: str, offset: int, fail, line: int, column: int) -> Slot:
    if not inner.strip():
        raise fail(offset, "empty placeholder '{}'")
    if inner != inner.strip():
        raise fail(offset, f"placeholder {{{inner}}} has spaces; write it without")
    body, _, option = inner.partition("|")
    label, sep, field = body.rpartition(":")
    if not sep:
        label, field = "", body
    if field not in FIELDS:
        known = ", ".join(sorted(FIELDS))
        raise fail(
            offset,
            f"unknown field {field!r} in {{{inner}}}; known fields: {known}",
            "E208",
            "{" + inner + "}",
        )
    spec = FIELDS[field]
    if sep and not _LABEL.match(label):
        raise fail(
            offset,
            f"label {label!r} in {{{inner}}} must be upper-case "
            "letters, digits and '_'",
            "E208",
            "{" + inner + "}",
        )
    if sep and spec.label is None:
        raise fail(
            offset,
            f"field {field!r} is plain filler text and cannot carry "
            f"a label; write {{{field}}}",
            "E208",
            "{" + inner + "}",
        )
    if sep and label != spec.label:
        raise fail(
            offset,
            f"field {field!r} makes {spec.label} spans, not {label}; write "
            f"{{{spec.label}:{field}}} (rename labels with the config's "
            "`rename`)",
            "E208",
            "{" + inner + "}",
        )
    if not sep and spec.label is not None:
        raise fail(
            offset,
            f"field {field!r} is an entity; say its label, e.g. "
            f"{{{spec.label}:{field}}}",
            "E208",
            "{" + inner + "}",
        )
    if "|" in option:
        raise fail(offset, f"only one option per placeholder in {{{inner}}}")
    if option and option not in spec.options:
        allowed = ", ".join(spec.options) or "none"
        raise fail(
            offset,
            f"unknown option {option!r} for field {field!r}; options: {allowed}",
            "E208",
            "{" + inner + "}",
        )
    return Slot(
        field=field,
        label=label or None,
        option=option or None,
        line=line,
        column=column + offset,
    )


def _check_kind(template: Template) -> None:
    for slot in template.slots:
        needs = FIELDS[slot.field].needs
        bad = None
        if template.kind not in BUSINESS_TEMPLATE_KINDS and needs != "any":
            bad = (
                f"a {template.kind} transaction settles nothing and carries no "
                f"business entity, so {slot.name} cannot be filled"
            )
        elif needs in ("multi", "multi3") and template.kind != "multi":
            bad = f"{slot.name} needs more than one invoice; use kind: multi"
        if bad:
            raise TemplateError(
                bad,
                path=template.path,
                line=slot.line,
                column=slot.column,
                template_id=template.id,
                slot=slot.name,
                code="E209",
            )
    if template.kind == "multi" and not any(
        s.field == "invoice2" for s in template.slots
    ):
        raise TemplateError(
            "a multi template names at least two invoices: {INVOICE:invoice} and "
            "{INVOICE:invoice2}",
            path=template.path,
            line=template.line,
            column=template.column,
            template_id=template.id,
            code="E209",
        )


def _mapping(
    node: yaml.MappingNode, where: str, allowed: set[str], required: tuple[str, ...]
) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """The mapping's entries by key; unknown, repeated or missing keys are errors."""
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _at(key_node, where, "keys must be plain names", code="E204")
        if key_node.value in out:
            raise _at(
                key_node, where, f"key {key_node.value!r} appears twice", code="E204"
            )
        if key_node.value not in allowed:
            raise _at(
                key_node,
                where,
                f"unknown key {key_node.value!r}; allowed: "
                + ", ".join(sorted(allowed)),
                code="E204",
            )
        out[key_node.value] = (key_node, value_node)
    for key in required:
        if key not in out:
            raise _at(node, where, f"missing key {key!r}", code="E204")
    return out


def _scalar(
    node: yaml.Node, where: str, key: str, template_id: str | None = None
) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        raise _at(
            node, where, f"{key} must be a single value", template_id, code="E205"
        )
    return node.value


def _choice(node, where, key, allowed, template_id=None) -> str:
    value = _scalar(node, where, key, template_id)
    if value not in allowed:
        raise _at(
            node,
            where,
            f"{key} must be one of {', '.join(allowed)}, got {value!r}",
            template_id,
            code="E205",
        )
    return value


def _at(
    node: yaml.Node,
    where: str,
    message: str,
    template_id: str | None = None,
    *,
    code: str,
) -> TemplateError:
    mark = node.start_mark
    return TemplateError(
        message,
        path=where,
        line=mark.line + 1,
        column=mark.column + 1,
        template_id=template_id,
        code=code,
    )
