"""Read, merge and check the build configuration.

A user's YAML file is laid over the shipped ``defaults.yaml``; every key is checked and
a bad one is reported with its dotted path and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .variants import ALIAS_FORMS

DEFAULT_LABELS = (
    "CUSTOMER",
    "INVOICE",
    "CONTRACT",
    "PURCHASE_ORDER",
    "AMOUNT",
    "CURRENCY",
    "DATE",
    "ACCOUNT",
)
SUPPORTED_LOCALES = ("id_ID", "en_US")
SPLIT_NAMES = ("train", "validation", "test")
SPLIT_BY = ("both", "template", "customer", "random")
# The exports a build can write, each a folder of its own (relations go under
# doccano/); the ``exports`` key picks some of them.
EXPORTS = (
    "doccano",
    "relations",
    "spacy",
    "hf",
    "conll",
    "labelstudio",
    "prodigy",
    "graph",
    "tasks",
)
# Largest shard: a spaCy DocBin of one shard stays a file of bounded size.
MAX_SHARD_SIZE = 50_000
# Extra test sets: config key under `heldout` -> split name.
HELDOUT_SPLITS = {
    "channel": "test_unseen_channel",
    "language": "test_unseen_language",
    "alias_form": "test_unseen_alias",
}
BALANCE_MODES = ("none", "uniform", "weights")
# Mappings whose keys the user chooses; a user's mapping replaces the default one.
FREE_MAPPINGS = (
    "locales",
    "rename",
    "splits",
    "aliases",
    "channels",
    "weights",
    "min_count",
)


@dataclass(frozen=True)
class GraphConfig:
    customers: int | None
    contracts: int | None
    purchase_orders: int | None
    invoices: int | None
    locales: dict[str, float]
    start_date: dt.date
    end_date: dt.date


@dataclass(frozen=True)
class TransactionMix:
    no_entity: float
    partial: float
    multi: float
    overpaid: float


@dataclass(frozen=True)
class Heldout:
    channel: str | None
    language: str | None
    alias_form: str | None
    share: float

    def chosen(self) -> dict[str, str]:
        """Split name -> held-out value, for each held-out set asked for."""
        return {
            split: getattr(self, key)
            for key, split in HELDOUT_SPLITS.items()
            if getattr(self, key) is not None
        }


@dataclass(frozen=True)
class Balance:
    mode: str
    weights: dict[str, float]
    min_count: dict[str, int]
    tolerance: float

    def targets(self, labels: tuple[str, ...]) -> dict[str, float] | None:
        """Target share of mentions per label, or None when shares are free."""
        if self.mode == "uniform":
            return {label: 1 / len(labels) for label in labels}
        if self.mode == "weights":
            # A label the weights do not name weighs 1, as in `aliases`.
            total = sum(self.weights.get(label, 1.0) for label in labels)
            return {label: self.weights.get(label, 1.0) / total for label in labels}
        return None


@dataclass(frozen=True)
class Diversity:
    max_template_share: float | None
    max_form_share: float | None
    min_surfaces: int
    min_templates: int


NO_HELDOUT = Heldout(None, None, None, 0.05)
NO_BALANCE = Balance("none", {}, {}, 0.05)
NO_DIVERSITY = Diversity(None, None, 0, 1)


@dataclass(frozen=True)
class TransformerConfig:
    """The ``transformer`` section: which tokenizer, and how pieces are labelled."""

    tokenizer: Path | None = None
    label_all_pieces: bool = False
    max_length: int = 128
    overflow: str = "truncate"  # or "stride"
    stride: int = 32


@dataclass(frozen=True)
class Config:
    seed: int
    narratives: int
    graph: GraphConfig
    transactions: TransactionMix
    labels: tuple[str, ...]
    rename: dict[str, str]
    splits: dict[str, float]
    typo_rate: float
    ocr_rate: float
    extra_spaces_rate: float
    confuser_rate: float
    alias_weights: dict[str, float]
    channel_weights: dict[str, float]
    spacy_lang: str
    doccano_utf16: bool
    templates: Path | None
    output: Path
    split_by: str = "both"
    heldout: Heldout = NO_HELDOUT
    balance: Balance = NO_BALANCE
    diversity: Diversity = NO_DIVERSITY
    transformer: TransformerConfig = TransformerConfig()
    source: str = "<defaults>"
    shard_size: int = 5000
    exports: tuple[str, ...] = EXPORTS
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def split_names(self) -> tuple[str, ...]:
        """train, validation, test, then any held-out test sets."""
        return SPLIT_NAMES + tuple(self.heldout.chosen())

    @property
    def groups_templates(self) -> bool:
        return self.split_by in ("both", "template")

    @property
    def groups_customers(self) -> bool:
        return self.split_by in ("both", "customer")

    def export_label(self, label: str) -> str:
        """The name a template label carries in the exports."""
        return self.rename.get(label, label)

    @property
    def export_labels(self) -> tuple[str, ...]:
        return tuple(self.export_label(label) for label in self.labels)


def read_defaults() -> dict[str, Any]:
    text = (
        resources.files("corpus_builder").joinpath("defaults.yaml").read_text("utf-8")
    )
    return yaml.safe_load(text)


def load_config(
    path: Path | None = None, *, overrides: dict[str, Any] | None = None
) -> Config:
    """Load defaults, lay the file at ``path`` and then ``overrides`` over them, check.

    ``overrides`` use dotted keys (``{"narratives": 500, "graph.customers": 40}``).
    Raises ConfigError naming the file and key of the first problem found; a value
    from ``overrides`` (the command line's options) is named as ``<options>``.
    """
    data = read_defaults()
    source = "<defaults>"
    lines: dict[str, int] = {}
    if path is not None:
        source = str(path)
        user, lines = _read_yaml(path)
        _check_known_keys(user, data, source, prefix="", lines=lines)
        _merge(data, user)
        templates = user.get("templates")
        if isinstance(templates, str) and not Path(templates).is_absolute():
            # A templates folder is found relative to the config file that names it.
            data["templates"] = str(path.parent / templates)
        tokenizer = user.get("transformer", {}).get("tokenizer")
        if isinstance(tokenizer, str) and not Path(tokenizer).is_absolute():
            data["transformer"]["tokenizer"] = str(path.parent / tokenizer)
    overridden = set()
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        overridden.add(dotted)
        node = data
        *parents, last = dotted.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    return _to_config(data, source, lines, overridden)


class _ConfigLoader(yaml.SafeLoader):
    """Safe YAML with dates left as text, so the checks can name a bad one's key."""


_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _key_lines(node: yaml.Node, where: str, prefix: str = "") -> dict[str, int]:
    """The line of every key path in a composed YAML document; repeated keys fail."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}{key_node.value}"
            if path in lines:
                raise ConfigError(
                    f"line {key_node.start_mark.line + 1}: the key appears twice; keep "
                    "one",
                    path=where,
                    key=path,
                    code="E104",
                )
            lines[path] = key_node.start_mark.line + 1
            lines.update(_key_lines(value_node, where, f"{path}."))
    elif isinstance(node, yaml.SequenceNode):
        base = prefix[:-1]
        for index, item in enumerate(node.value):
            lines[f"{base}[{index}]"] = item.start_mark.line + 1
            lines.update(_key_lines(item, where, f"{base}[{index}]."))
    return lines


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "the config file does not exist; check the path",
            path=where,
            key="<file>",
            code="E101",
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read the config file ({exc.strerror})",
            path=where,
            key="<file>",
            code="E101",
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{encoding_problem(raw, exc)}; save the file as UTF-8",
            path=where,
            key="<file>",
            code="E102",
        ) from None
    try:
        lines = _key_lines(yaml.compose(text, Loader=_ConfigLoader), where)
        loaded = yaml.load(text, Loader=_ConfigLoader)
    except (yaml.YAMLError, RecursionError) as exc:
        line, column, problem = yaml_problem(exc, text)
        at = f"line {line}, column {column}: " if line else ""
        raise ConfigError(
            f"{at}not valid YAML ({problem})", path=where, key="<file>", code="E103"
        ) from None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ConfigError(
            "the file must hold a mapping of keys to values",
            path=where,
            key="<root>",
            code="E105",
        )
    return loaded, lines


def yaml_problem(exc: BaseException, text: str) -> tuple[int, int, str]:
    """Line and column (1-based; 0 when unknown) and what is wrong, for YAML that
    cannot be read."""
    if isinstance(exc, RecursionError):
        return 0, 0, "it nests too deeply, or an alias refers to itself; flatten it"
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if isinstance(exc, yaml.reader.ReaderError):
        position = exc.position
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        what = chr(exc.character) if isinstance(exc.character, int) else exc.character
        return line, column, f"{exc.reason}: {what!r}; remove it"
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return 0, 0, problem
    return mark.line + 1, mark.column + 1, problem


def encoding_problem(raw: bytes, exc: UnicodeDecodeError) -> str:
    """What is wrong with bytes that are not UTF-8, in a user's words."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8"
    line = raw[: exc.start].count(b"\n") + 1
    return f"not UTF-8 text (line {line}: byte {exc.start} is {raw[exc.start]:#04x})"


def _check_known_keys(
    user: dict[str, Any],
    defaults: dict[str, Any],
    source: str,
    prefix: str,
    lines: dict[str, int],
) -> None:
    for key, value in user.items():
        dotted = f"{prefix}{key}"
        at = f"line {lines[dotted]}: " if dotted in lines else ""
        if key not in defaults:
            allowed = ", ".join(sorted(map(str, defaults)))
            raise ConfigError(
                f"{at}unknown key; allowed here: {allowed}",
                path=source,
                key=dotted,
                code="E106",
            )
        default = defaults[key]
        if isinstance(default, dict) and key not in FREE_MAPPINGS:
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{at}expected a mapping, got {value!r}",
                    path=source,
                    key=dotted,
                    code="E107",
                )
            _check_known_keys(value, default, source, prefix=f"{dotted}.", lines=lines)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> None:
    for key, value in over.items():
        nested = key not in FREE_MAPPINGS
        if nested and isinstance(base.get(key), dict) and isinstance(value, dict):
            _merge(base[key], value)
        else:
            base[key] = value


class _Checker:
    def __init__(
        self, source: str, lines: dict[str, int], overridden: set[str] = frozenset()
    ) -> None:
        self.source = source
        self.lines = lines
        self.overridden = overridden

    def fail(self, key: str, message: str, code: str = "E107") -> ConfigError:
        """A wrong type or range by default; ``code`` names other problems."""
        if key in self.overridden:
            return ConfigError(message, path="<options>", key=key, code=code)
        if key in self.lines:
            message = f"line {self.lines[key]}: {message}"
        return ConfigError(message, path=self.source, key=key, code=code)

    def whole(self, key: str, value: Any, *, minimum: int, auto: bool = False) -> Any:
        if auto and value == "auto":
            return None
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok or value < minimum:
            extra = " or 'auto'" if auto else ""
            raise self.fail(
                key, f"expected a whole number >= {minimum}{extra}, got {value!r}"
            )
        return value

    def share(self, key: str, value: Any) -> float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or not 0 <= value <= 1:
            raise self.fail(key, f"expected a number from 0 to 1, got {value!r}")
        return float(value)

    def date(self, key: str, value: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(
                key, f"expected a date as YYYY-MM-DD, got {value!r}"
            ) from None

    def weights(self, key: str, value: Any, *, allowed) -> dict[str, float]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping of name to weight, got {value!r}")
        out = {}
        for name, weight in value.items():
            if allowed is not None and name not in allowed:
                raise self.fail(
                    f"{key}.{name}",
                    "unknown name; use one of " + ", ".join(allowed),
                    "E106",
                )
            ok = isinstance(weight, (int, float)) and not isinstance(weight, bool)
            if not ok or not math.isfinite(weight) or weight < 0:
                raise self.fail(
                    f"{key}.{name}", f"expected a weight >= 0, got {weight!r}"
                )
            out[str(name)] = float(weight)
        if out and allowed is not None and sum(out.values()) <= 0:
            raise self.fail(key, "at least one weight must be above 0", "E108")
        return out

    def label(self, key: str, value: Any) -> str:
        if (
            not isinstance(value, str)
            or not value
            or not value.replace("_", "A").isalnum()
        ):
            raise self.fail(key, f"a label is letters, digits and '_', got {value!r}")
        return value


def _to_config(
    data: dict[str, Any],
    source: str,
    lines: dict[str, int],
    overridden: set[str] = frozenset(),
) -> Config:
    c = _Checker(source, lines, overridden)
    seed = c.whole("seed", data.get("seed"), minimum=0)
    narratives = c.whole("narratives", data.get("narratives"), minimum=1)
    shard_size = c.whole("shard_size", data.get("shard_size"), minimum=1)
    if shard_size > MAX_SHARD_SIZE:
        raise c.fail(
            "shard_size", f"must be at most {MAX_SHARD_SIZE}, got {shard_size}"
        )

    g = data["graph"]
    locales = g.get("locales")
    if not isinstance(locales, dict) or not locales:
        raise c.fail("graph.locales", "expected a mapping of locale to weight")
    for name, weight in locales.items():
        if name not in SUPPORTED_LOCALES:
            raise c.fail(f"graph.locales.{name}", _locale_problem(name), "E109")
        ok = isinstance(weight, (int, float)) and not isinstance(weight, bool)
        if not ok or not math.isfinite(weight) or weight < 0:
            raise c.fail(
                f"graph.locales.{name}", f"expected a weight >= 0, got {weight!r}"
            )
    if sum(locales.values()) <= 0:
        raise c.fail(
            "graph.locales", "at least one locale needs a weight above 0", "E108"
        )
    start = c.date("graph.start_date", g.get("start_date"))
    end = c.date("graph.end_date", g.get("end_date"))
    if (end - start).days < 120:
        raise c.fail(
            "graph.end_date",
            "must lie at least 120 days after graph.start_date",
            "E108",
        )
    graph = GraphConfig(
        customers=c.whole("graph.customers", g.get("customers"), minimum=2, auto=True),
        contracts=c.whole("graph.contracts", g.get("contracts"), minimum=1, auto=True),
        purchase_orders=c.whole(
            "graph.purchase_orders", g.get("purchase_orders"), minimum=0, auto=True
        ),
        invoices=c.whole("graph.invoices", g.get("invoices"), minimum=1, auto=True),
        locales={k: float(v) for k, v in locales.items()},
        start_date=start,
        end_date=end,
    )

    t = data["transactions"]
    mix = TransactionMix(
        **{
            k: c.share(f"transactions.{k}", t.get(k))
            for k in TransactionMix.__annotations__
        }
    )
    if mix.no_entity + mix.partial + mix.multi + mix.overpaid > 1:
        raise c.fail("transactions", "the shares add up to more than 1", "E108")

    raw_labels = data.get("labels")
    if not isinstance(raw_labels, list) or not raw_labels:
        raise c.fail("labels", "expected a non-empty list of label names")
    labels = tuple(c.label(f"labels[{i}]", v) for i, v in enumerate(raw_labels))
    if len(set(labels)) != len(labels):
        raise c.fail("labels", "a label is listed twice", "E108")
    rename = data.get("rename") or {}
    if not isinstance(rename, dict):
        raise c.fail("rename", "expected a mapping of label to new name")
    for old, new in rename.items():
        if old not in labels:
            raise c.fail(
                f"rename.{old}", "renames a label that is not in `labels`", "E108"
            )
        c.label(f"rename.{old}", new)
    renamed = [rename.get(label, label) for label in labels]
    if len(set(renamed)) != len(renamed):
        raise c.fail("rename", "two labels get the same name", "E108")

    splits = data.get("splits")
    if not isinstance(splits, dict) or set(splits) != set(SPLIT_NAMES):
        raise c.fail("splits", f"expected exactly the keys {', '.join(SPLIT_NAMES)}")
    shares = {name: c.share(f"splits.{name}", splits[name]) for name in SPLIT_NAMES}
    if abs(sum(shares.values()) - 1) > 1e-9:
        raise c.fail(
            "splits",
            f"the shares must add up to 1, got {sum(shares.values())}",
            "E108",
        )
    if shares["train"] <= 0:
        raise c.fail("splits.train", "the training split cannot be empty", "E108")

    noise = data["noise"]
    typo_rate = c.share("noise.typo", noise.get("typo"))
    ocr_rate = c.share("noise.ocr", noise.get("ocr"))
    if typo_rate + ocr_rate > 1:
        raise c.fail("noise", "typo and ocr add up to more than 1", "E108")
    extra_spaces_rate = c.share("noise.extra_spaces", noise.get("extra_spaces"))
    confuser_rate = c.share("noise.confusers", noise.get("confusers"))
    alias_weights = c.weights("aliases", data.get("aliases"), allowed=ALIAS_FORMS)
    channel_weights = c.weights("channels", data.get("channels"), allowed=None)

    lang = data.get("spacy_lang")
    problem = spacy_language_problem(lang)
    if problem:
        raise c.fail("spacy_lang", problem, "E110")
    offsets = data.get("doccano_offsets")
    if offsets not in ("code_points", "utf16"):
        raise c.fail(
            "doccano_offsets", f"expected code_points or utf16, got {offsets!r}"
        )
    templates = data.get("templates")
    if templates is not None and not isinstance(templates, str):
        raise c.fail("templates", f"expected a folder path or null, got {templates!r}")
    output = data.get("output")
    if not isinstance(output, str) or not output:
        raise c.fail("output", f"expected a folder path, got {output!r}")
    split_by = data.get("split_by")
    if split_by not in SPLIT_BY:
        raise c.fail(
            "split_by", f"expected one of {', '.join(SPLIT_BY)}, got {split_by!r}"
        )

    transformer = _transformer_config(c, data["transformer"])
    exports = _exports(c, data.get("exports"))

    return Config(
        seed=seed,
        narratives=narratives,
        graph=graph,
        transactions=mix,
        labels=labels,
        rename=dict(rename),
        splits=shares,
        typo_rate=typo_rate,
        ocr_rate=ocr_rate,
        extra_spaces_rate=extra_spaces_rate,
        confuser_rate=confuser_rate,
        alias_weights=alias_weights,
        channel_weights=channel_weights,
        spacy_lang=lang,
        doccano_utf16=offsets == "utf16",
        templates=Path(templates) if templates else None,
        output=Path(output),
        split_by=split_by,
        heldout=_heldout(c, data.get("heldout"), alias_weights),
        balance=_balance(c, data["balance"], labels),
        diversity=_diversity(c, data["diversity"]),
        transformer=transformer,
        source=source,
        shard_size=shard_size,
        exports=exports,
        raw=data,
    )


def _exports(c: _Checker, value: Any) -> tuple[str, ...]:
    """The exports to write, in the order of EXPORTS."""
    allowed = ", ".join(EXPORTS)
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value:
        raise c.fail(
            "exports", f"expected a list of exports ({allowed}), got {value!r}"
        )
    for name in value:
        if name not in EXPORTS:
            raise c.fail("exports", f"unknown export {name!r}; choose from {allowed}")
        if value.count(name) > 1:
            raise c.fail("exports", f"{name!r} is listed twice")
    return tuple(name for name in EXPORTS if name in value)


def _heldout(c: _Checker, h: dict[str, Any], alias_weights) -> Heldout:
    for key in ("channel", "language"):
        value = h.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise c.fail(f"heldout.{key}", f"expected a name or null, got {value!r}")
    form = h.get("alias_form")
    if form is not None and form not in ALIAS_FORMS:
        raise c.fail(
            "heldout.alias_form",
            f"expected null or one of {', '.join(ALIAS_FORMS)}, got {form!r}",
        )
    if form == "legal_name":
        raise c.fail(
            "heldout.alias_form",
            "legal_name cannot be held out: it is the one form every customer has",
        )
    if form is not None and alias_weights.get(form, 1.0) == 0:
        raise c.fail(
            "heldout.alias_form",
            f"aliases.{form} is 0, so no narrative could use it; give it a weight",
        )
    share = c.share("heldout.share", h.get("share"))
    if share <= 0 or share >= 0.5:
        raise c.fail(
            "heldout.share", f"expected a share above 0 and below 0.5, got {share}"
        )
    return Heldout(h.get("channel"), h.get("language"), form, share)


def _balance(c: _Checker, b: dict[str, Any], labels: tuple[str, ...]) -> Balance:
    mode = b.get("mode")
    if mode not in BALANCE_MODES:
        raise c.fail(
            "balance.mode", f"expected one of {', '.join(BALANCE_MODES)}, got {mode!r}"
        )
    weights = c.weights("balance.weights", b.get("weights"), allowed=labels)
    if mode == "weights" and not weights:
        raise c.fail(
            "balance.weights",
            "mode is weights but no label has a weight; give the labels to raise or "
            "lower a weight (the others weigh 1), e.g. {CUSTOMER: 2}, or use "
            "mode: uniform",
        )
    if mode != "weights" and weights:
        raise c.fail(
            "balance.weights", f"weights are used only with mode: weights, not {mode}"
        )
    raw_min = b.get("min_count") or {}
    if not isinstance(raw_min, dict):
        raise c.fail(
            "balance.min_count",
            f"expected a mapping of label to count, got {raw_min!r}",
        )
    min_count = {}
    for label, count in raw_min.items():
        if label not in labels:
            raise c.fail(
                f"balance.min_count.{label}",
                "not a label in `labels`; use one of " + ", ".join(labels),
            )
        min_count[label] = c.whole(f"balance.min_count.{label}", count, minimum=0)
    tolerance = c.share("balance.tolerance", b.get("tolerance"))
    return Balance(mode, weights, min_count, tolerance)


def _diversity(c: _Checker, d: dict[str, Any]) -> Diversity:
    shares = {}
    for key in ("max_template_share", "max_form_share"):
        value = d.get(key)
        shares[key] = None
        if value is not None:
            shares[key] = c.share(f"diversity.{key}", value)
            if shares[key] == 0:
                raise c.fail(f"diversity.{key}", "expected a share above 0, or null")
    return Diversity(
        shares["max_template_share"],
        shares["max_form_share"],
        c.whole("diversity.min_surfaces", d.get("min_surfaces"), minimum=0),
        c.whole("diversity.min_templates", d.get("min_templates"), minimum=1),
    )


def _transformer_config(c: _Checker, t: dict[str, Any]) -> TransformerConfig:
    tokenizer = t.get("tokenizer")
    if tokenizer is not None and (not isinstance(tokenizer, str) or not tokenizer):
        raise c.fail(
            "transformer.tokenizer",
            f"expected a tokenizer folder or file, or null, got {tokenizer!r}",
        )
    label_all = t.get("label_all_pieces")
    if not isinstance(label_all, bool):
        raise c.fail(
            "transformer.label_all_pieces", f"expected true or false, got {label_all!r}"
        )
    overflow = t.get("overflow")
    if overflow not in ("truncate", "stride"):
        raise c.fail(
            "transformer.overflow", f"expected truncate or stride, got {overflow!r}"
        )
    max_length = c.whole("transformer.max_length", t.get("max_length"), minimum=3)
    stride = c.whole("transformer.stride", t.get("stride"), minimum=0)
    if overflow == "stride" and stride >= max_length:
        raise c.fail(
            "transformer.stride",
            f"must be below transformer.max_length ({max_length}), got {stride}",
        )
    return TransformerConfig(
        tokenizer=Path(tokenizer) if tokenizer else None,
        label_all_pieces=label_all,
        max_length=max_length,
        overflow=overflow,
        stride=stride,
    )


def _locale_problem(name: Any) -> str:
    """Why a locale cannot be used: Faker lacks it, or this tool has no data for it."""
    from faker.config import AVAILABLE_LOCALES

    allowed = ", ".join(SUPPORTED_LOCALES)
    if name not in AVAILABLE_LOCALES:
        return (
            f"Faker has no locale {name!r} (locales look like id_ID or en_US); "
            f"use {allowed}"
        )
    return (
        f"unsupported locale: Faker knows {name!r}, but corpus-builder has company "
        f"words, legal forms and banks only for {allowed}; use one of those"
    )


@functools.lru_cache(maxsize=None)
def spacy_language_problem(lang: Any) -> str | None:
    """Why ``spacy.blank(lang)`` cannot make a tokenizer here, or None if it can."""

    if not isinstance(lang, str) or not lang.replace("_", "").isalnum():
        return f"expected a spaCy language code such as 'id' or 'en', got {lang!r}"
    if importlib.util.find_spec(f"spacy.lang.{lang}") is None:
        return f"not a language spaCy knows, got {lang!r}; try 'id' or 'en'"
    from .tokens import try_language

    try:
        try_language(lang)
    except ImportError as exc:
        return (
            f"spaCy's {lang!r} tokenizer needs a package that is not installed "
            f"({str(exc).splitlines()[0]}); install it or use 'id' or 'en'"
        )
    return None


def config_to_dict(config: Config) -> dict[str, Any]:
    """The resolved config as plain, JSON-ready values (for the manifest)."""
    data = dict(config.raw)
    graph = dict(data["graph"])
    graph["start_date"] = config.graph.start_date.isoformat()
    graph["end_date"] = config.graph.end_date.isoformat()
    data["graph"] = graph
    data["seed"] = config.seed
    data["narratives"] = config.narratives
    data["output"] = str(config.output)
    data["exports"] = list(config.exports)
    return data
