"""The errors and warnings a user can cause, each with a stable code.

Codes are never renumbered or reused; ``CATALOGUE`` and ``WARNINGS`` list every one.
An error's class fixes its exit code (E1xx config 2, E2xx template 3, E3xx graph 4,
E4xx span invariant 5, E5xx plan 6, E6xx output 7, E7xx baseline 8, E8xx
interrupted 130, E9xx tokenizer 9, E10xx evaluate input 10, E11xx export read 11,
E12xx import or validate input 12, E13xx imported spans broken 13);
its code says which problem of that class it is. A message says what was found,
where, and what to do, and every fact in it is also an attribute of the error.
The CLI prints ``str(error)`` and exits with ``exit_code``.
"""

from __future__ import annotations

from typing import Any

CATALOGUE: dict[str, str] = {
    "E100": "config: any other config problem",
    "E101": "config file missing or unreadable",
    "E102": "config file not UTF-8",
    "E103": "config file not valid YAML",
    "E104": "config key written twice",
    "E105": "config file not a mapping of keys",
    "E106": "unknown config key or mapping name",
    "E107": "config value of the wrong type or out of range",
    "E108": "config values that contradict each other",
    "E109": "Faker locale unknown or unsupported",
    "E110": "spaCy language unknown or not installed",
    "E111": "command-line option value refused",
    "E200": "template: any other template problem",
    "E201": "templates folder missing or holds no template files",
    "E202": "template file not UTF-8",
    "E203": "template file not valid YAML",
    "E204": "template file structure: empty, unknown, missing or repeated key",
    "E205": "template setting of the wrong value (channel, language, case, ...)",
    "E206": "template text empty, multi-line or with a tab",
    "E207": "placeholder syntax: unclosed, nested, stray or empty braces",
    "E208": "placeholder names an unknown field, label or option",
    "E209": "template kind does not fit its slots",
    "E210": "template id used twice",
    "E211": "slot cannot sit on token boundaries",
    "E212": "every form of a slot repeats the word before it",
    "E213": "template file cannot be read",
    "E300": "graph: any other graph problem",
    "E301": "entity counts cannot hold the narratives asked for",
    "E302": "a unique-value pool is exhausted",
    "E310": "a built graph breaks a business rule",
    "E400": "span invariant: any other",
    "E401": "rule 1: text not NFC",
    "E402": "rule 2: slice differs from the rendered value",
    "E403": "rule 3: span empty, outside the text or with whitespace at an edge",
    "E404": "rule 4: spans overlap",
    "E405": "rule 5: span off the tokenizer's boundaries",
    "E406": "span names no graph entity (kb_id)",
    "E500": "plan: any other plan problem",
    "E501": "a configured label no template produces",
    "E502": "no template of a transaction kind",
    "E503": "a split lacks templates for a kind",
    "E504": "channel weight names no template channel",
    "E505": "no template can tell a transaction",
    "E506": "nothing matches the sample filters",
    "E507": "label shares miss their balance targets",
    "E508": "a minimum label count above what a split can carry",
    "E509": "a diversity limit that cannot be kept",
    "E510": "a held-out test set that cannot be made",
    "E600": "output: any other output problem",
    "E601": "output path is a file",
    "E602": "output folder not empty",
    "E603": "--force on a folder that is not an export",
    "E604": "earlier export holds files it did not write",
    "E605": "output's parent folder missing",
    "E606": "output folder not writable",
    "E607": "writing the export failed (disk full, quota, I/O error)",
    "E608": "not a corpus-builder export",
    "E609": "--out holds another command's output or an input of this run",
    "E700": "baseline: a spaCy step failed",
    "E800": "interrupted (Ctrl-C or SIGTERM)",
    "E900": "transformer tokenizer missing, unreadable or without word ids",
    "E1000": "a file given to evaluate is missing or malformed",
    "E1100": "a folder to read is not a corpus export",
    "E1200": "a file to import or validate cannot be read as its format",
    "E1300": "records of a file to import or validate break span invariants",
}

WARNINGS: dict[str, str] = {
    "W101": "a span the field-length cut crosses was kept, shortened (+cut)",
    "W102": "a span the field-length cut removed was dropped from the narrative",
    "W103": "a slot value was normalised (whitespace folded, leading marks dropped)",
    "W104": "a noisy spelling off token boundaries was written clean",
    "W105": "a narrative longer than transformer.max_length was truncated",
    "W106": "a span got no piece from the transformer tokenizer",
    "W107": "a split has no mention of a label (the corpus is too small)",
    "W108": "a narrative outside the BMP under code-point Doccano offsets",
}


class CorpusBuilderError(Exception):
    """Base of every error the tool reports to a user."""

    code = "E000"
    exit_code = 1

    def __init__(self, message: str, *, code: str | None = None, **fields: Any) -> None:
        if code is not None:
            if code not in CATALOGUE or code[:-2] != type(self).code[:-2]:
                raise ValueError(f"{code} is not a {type(self).__name__} code")
            self.code = code
        self.message = message
        self.fields = fields
        for name, value in fields.items():
            setattr(self, name, value)
        super().__init__(f"[{self.code}] {message}")

    def __reduce__(self):
        # Errors raised in a worker process travel back to the parent by pickle.
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(cls: type, args: tuple, state: dict) -> CorpusBuilderError:
    error = Exception.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigError(CorpusBuilderError):
    """A config key is unknown, missing, of the wrong type or out of range."""

    code = "E100"
    exit_code = 2

    def __init__(
        self, message: str, *, path: str, key: str, code: str | None = None
    ) -> None:
        super().__init__(f"{path}: {key}: {message}", code=code, path=path, key=key)


class TemplateError(CorpusBuilderError):
    """A narrative template cannot be parsed or cannot be rendered soundly."""

    code = "E200"
    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int,
        column: int,
        template_id: str | None = None,
        slot: str | None = None,
        code: str | None = None,
    ) -> None:
        # Line and column 0 mean the whole file (or folder): they are left out.
        where = path + (f":{line}" if line else "") + (f":{column}" if column else "")
        if template_id:
            where += f" (template {template_id})"
        super().__init__(
            f"{where}: {message}",
            code=code,
            path=path,
            line=line,
            column=column,
            template_id=template_id,
            slot=slot,
        )


class GraphError(CorpusBuilderError):
    """The entity graph cannot be built as asked, or breaks a business rule."""

    code = "E300"
    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        record: str | None = None,
        code: str | None = None,
        **facts: Any,
    ) -> None:
        text = f"{record}: {message}" if record else message
        super().__init__(text, code=code, record=record, **facts)


# The digit that opens a rule name ("2 (slice equals ...)") picks the code.
_RULE_CODES = {"1": "E401", "2": "E402", "3": "E403", "4": "E404", "5": "E405"}


class SpanInvariantError(CorpusBuilderError):
    """A rendered or imported example breaks a span invariant."""

    code = "E400"
    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        record: str,
        rule: str,
        template_id: str | None = None,
        slot: str | None = None,
        value: str | None = None,
    ) -> None:
        self.detail = message
        parts = [f"record {record}"]
        if template_id:
            parts.append(f"template {template_id}")
        if slot:
            parts.append(f"slot {slot}")
        if value is not None:
            parts.append(f"value {value!r}")
        code = "E406" if rule == "kb_id" else _RULE_CODES.get(rule[:1], "E400")
        super().__init__(
            f"{', '.join(parts)}: rule {rule}: {message}",
            code=code,
            record=record,
            rule=rule,
            template_id=template_id,
            slot=slot,
            value=value,
        )


class PlanError(CorpusBuilderError):
    """The templates at hand cannot produce what the config asks for."""

    code = "E500"
    exit_code = 6


class OutputError(CorpusBuilderError):
    """The output folder cannot be written as asked."""

    code = "E600"
    exit_code = 7

    def __init__(
        self, message: str, *, path: str, code: str | None = None, **facts: Any
    ) -> None:
        super().__init__(f"{path}: {message}", code=code, path=path, **facts)


class BaselineError(CorpusBuilderError):
    """A step of the spaCy baseline (init config, train, evaluate) failed."""

    code = "E700"
    exit_code = 8

    def __init__(self, message: str, *, step: str) -> None:
        super().__init__(f"spacy {step}: {message}", step=step)


class Interrupted(CorpusBuilderError):
    """Ctrl-C or SIGTERM stopped a command; nothing was written."""

    code = "E800"
    exit_code = 130

    def __init__(self, *, signal: str, output: str | None = None) -> None:
        where = f"the output folder {output} is" if output else "the output folder is"
        super().__init__(
            f"interrupted by {signal}: nothing was written; {where} as it was and "
            "no temporary folder is left; run the command again",
            signal=signal,
            output=output,
        )


class TokenizerError(CorpusBuilderError):
    """A transformer tokenizer cannot be read, or cannot tie its pieces to words."""

    code = "E900"
    exit_code = 9

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}", path=path)


class EvaluationError(CorpusBuilderError):
    """A file given to ``corpus-builder evaluate`` is missing or malformed."""

    code = "E1000"
    exit_code = 10

    def __init__(self, message: str, *, path: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", path=path, line=line)


class ExportReadError(CorpusBuilderError):
    """An export folder to read (for a report) is missing or not a corpus export."""

    code = "E1100"
    exit_code = 11

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}", path=path)


class InputFileError(CorpusBuilderError):
    """A file to import or validate cannot be read as its format."""

    code = "E1200"
    exit_code = 12

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        where = f"{path}:{line}" if line else path
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {message}", path=path, line=line, key=key)


class InvalidSpansError(CorpusBuilderError):
    """Records of a file to import or validate break span invariants.

    ``problems`` holds one line per broken span, naming file, line and record.
    """

    code = "E1300"
    exit_code = 13

    def __init__(self, message: str, *, path: str, problems: list[str]) -> None:
        super().__init__(f"{path}: {message}", path=path, problems=problems)
