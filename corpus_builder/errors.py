"""The errors a user can cause, each with a stable code and its facts as attributes.

Codes are never renumbered. A message says what was found, where, and what to do.
The CLI prints ``str(error)`` and exits with the class's ``exit_code``.
"""

from __future__ import annotations

from typing import Any


class CorpusBuilderError(Exception):
    """Base of every error the tool reports to a user."""

    code = "E000"
    exit_code = 1

    def __init__(self, message: str, **fields: Any) -> None:
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

    def __init__(self, message: str, *, path: str, key: str) -> None:
        super().__init__(f"{path}: {key}: {message}", path=path, key=key)


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
    ) -> None:
        where = f"{path}:{line}:{column}"
        if template_id:
            where += f" (template {template_id})"
        super().__init__(
            f"{where}: {message}",
            path=path,
            line=line,
            column=column,
            template_id=template_id,
        )


class GraphError(CorpusBuilderError):
    """The entity graph cannot be built as asked, or breaks a business rule."""

    code = "E300"
    exit_code = 4

    def __init__(self, message: str, *, record: str | None = None) -> None:
        text = f"{record}: {message}" if record else message
        super().__init__(text, record=record)


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
        super().__init__(
            f"{', '.join(parts)}: rule {rule}: {message}",
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

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}", path=path)


class BaselineError(CorpusBuilderError):
    """A step of the spaCy baseline (init config, train, evaluate) failed."""

    code = "E700"
    exit_code = 8

    def __init__(self, message: str, *, step: str) -> None:
        super().__init__(f"spacy {step}: {message}", step=step)


class TokenizerError(CorpusBuilderError):
    """A transformer tokenizer cannot be read, or cannot tie its pieces to words."""

    code = "E800"
    exit_code = 9

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}", path=path)


class EvaluationError(CorpusBuilderError):
    """A file given to ``corpus-builder evaluate`` is missing or malformed."""

    code = "E900"
    exit_code = 10

    def __init__(self, message: str, *, path: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", path=path, line=line)


class ExportReadError(CorpusBuilderError):
    """An export folder to read (for a report) is missing or not a corpus export."""

    code = "E950"
    exit_code = 11

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}", path=path)
