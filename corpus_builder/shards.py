"""Rendering cut into shards: the unit of work for ``--workers`` and ``--engine``.

The planner decides every transaction's split and template first, in one pass. The
corpus is then cut into shards of ``shard_size`` narratives in corpus order. A shard
renders, validates and tokenizes its narratives in any process, from seeds fixed by
the build seed and the narrative's index, with its own record of noisy spellings
and of surface-form counts. What a shard hands back is its part of every export,
already serialized (text lines, DocBin bytes, Arrow IPC bytes, counts). The build
appends the parts in shard order as they arrive, so the files are the same bytes
whichever process rendered which shard, and no stage holds more than a few shards.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import random
import signal
from array import array
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator

from .config import Config
from .exporters.transformer import LoadedTokenizer
from .fields import build_surface_index, context_of
from .graph import Graph
from .render import RenderSettings, render
from .templates import Template
from .tokens import render_pipeline, set_entities
from .validate import check_example
from .variants import ALIAS_FORMS
from .writers import make_writers

ENGINES = ("local", "dask")
# A worker process is replaced after this many shards, so what spaCy's vocabulary
# and tokenizer cache learn from the texts never piles up.
SHARDS_PER_PROCESS = 8


@dataclass(frozen=True)
class Shard:
    """Narratives ``start + 1`` to ``start + len(splits)`` with their plan."""

    index: int
    start: int
    splits: tuple[str, ...]
    templates: array  # positions in Work.templates (array('H') or array('L'))


@dataclass
class Work:
    """What every shard needs; the same in every process that renders one."""

    config: Config
    templates: list[Template]
    graph: Graph
    tag_names: list[str]
    render_seed: int
    tokenizer: LoadedTokenizer | None = None
    # Built where the shards run, once per process (never pickled).
    _local: dict[str, Any] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_local"] = {}
        return state

    def adopt(self, nlp) -> None:
        """Use ``nlp`` (the build's blank pipeline) in this process."""
        self._local["nlp"] = nlp

    def local(self) -> dict[str, Any]:
        """The spaCy pipeline, render settings and shard writers of this process."""
        if "writers" not in self._local:
            config = self.config
            if "nlp" not in self._local:
                # A process of its own (a Dask worker) renders many shards: its
                # pipeline is made afresh every few, with an empty vocabulary.
                self._local["nlp"] = render_pipeline(config.spacy_lang)
                self._local["renew"] = True
            self._local.update(
                surface_index=build_surface_index(self.graph),
                labels={label: config.export_label(label) for label in config.labels},
                writers=self._writers(),
            )
            # Index the graph once, before any worker is forked from this process.
            for writer in self._local["writers"]:
                if hasattr(writer, "prepare"):
                    writer.prepare()
        return self._local

    def _writers(self) -> list:
        """Writers that gather one shard's part of every export in memory."""
        return make_writers(self.config, self.graph, self.tag_names, self.tokenizer)


def cut(plan_splits: list[str], plan_templates: list[Template], work: Work):
    """The shards of a plan, in corpus order."""
    size = work.config.shard_size
    position = {id(t): i for i, t in enumerate(work.templates)}.__getitem__
    typecode = "H" if len(work.templates) <= 0xFFFF else "L"
    for index, start in enumerate(range(0, len(plan_splits), size)):
        templates = plan_templates[start : start + size]
        yield Shard(
            index=index,
            start=start,
            splits=tuple(plan_splits[start : start + size]),
            templates=array(typecode, map(position, map(id, templates))),
        )


def split_settings(
    config: Config, settings: RenderSettings
) -> dict[str, RenderSettings]:
    """Render settings per split: a held-out alias form only in its own test set."""
    form = config.heldout.alias_form
    if form is None:
        return {split: settings for split in config.split_names}
    elsewhere = replace(settings, alias_weights={**settings.alias_weights, form: 0.0})
    only = {name: 0.0 for name in ALIAS_FORMS}
    only[form] = 1.0
    out = {split: elsewhere for split in config.split_names}
    out["test_unseen_alias"] = replace(settings, alias_weights=only)
    return out


def examples(work: Work, shard: Shard):
    """``(example, doc)`` for every narrative of ``shard``: rendered, validated,
    tokenized, with ``doc.ents`` set."""
    config = work.config
    local = work.local()
    tokenize = _LastDoc(local["nlp"].make_doc)
    # Noisy spellings and form counts start afresh in every shard.
    settings = RenderSettings(
        typo_rate=config.typo_rate,
        ocr_rate=config.ocr_rate,
        extra_spaces_rate=config.extra_spaces_rate,
        confuser_rate=config.confuser_rate,
        alias_weights=config.alias_weights,
        surface_index=local["surface_index"],
        tokenizer=tokenize,
        max_form_share=config.diversity.max_form_share,
    )
    per_split = split_settings(config, settings)
    labels = local["labels"]
    for offset, (split, position) in enumerate(zip(shard.splits, shard.templates)):
        index = shard.start + offset + 1
        template = work.templates[position]
        ctx = context_of(work.graph, work.graph.transactions[index - 1])
        if template.language != ctx.language:
            ctx = replace(ctx, language=template.language)
        # Each narrative draws from its own generator, so a knob that changes one
        # narrative's draws leaves the others as they were.
        rng = random.Random(work.render_seed + index)
        example = render(
            template,
            ctx,
            rng,
            record=f"ex-{index:07d}",
            labels=labels,
            settings=per_split[split],
            split=split,
        )
        settings.count_forms(example)
        doc = tokenize(example.text)
        check_example(example, doc)
        set_entities(doc, example)
        yield example, doc


class _LastDoc:
    """A tokenizer that hands back its last Doc when asked for the same text again:
    the renderer tokenizes a noisy narrative to check it, and the same text is then
    tokenized for export."""

    def __init__(self, make_doc) -> None:
        self._make_doc = make_doc
        self._text: str | None = None
        self._doc = None

    def __call__(self, text: str):
        if text != self._text:
            self._text, self._doc = text, self._make_doc(text)
        return self._doc


@dataclass
class ShardOutput:
    index: int
    count: int
    parts: list  # one per writer of Work.writers, in that order


def render_shard(work: Work, shard: Shard) -> ShardOutput:
    """Render ``shard`` and return its part of every export."""
    local = work.local()
    writers = local["writers"]
    count = 0
    for example, doc in examples(work, shard):
        for writer in writers:
            writer.write(example, doc)
        count += 1
    local["shards"] = local.get("shards", 0) + 1
    if local.get("renew") and local["shards"] % SHARDS_PER_PROCESS == 0:
        local["nlp"] = render_pipeline(work.config.spacy_lang)
    return ShardOutput(shard.index, count, [writer.take() for writer in writers])


# ---------------------------------------------------------------------------
# Where shards run


def run_shards(
    work: Work, shards: list[Shard], *, workers: int = 1, engine: str = "local"
) -> Iterator[ShardOutput]:
    """The outputs of ``shards`` in order, rendered by ``workers`` processes.

    At most two shards per worker are in flight, so memory does not grow with the
    corpus however fast the shards come back.
    """
    if engine == "dask":
        from .dask_engine import run_on_dask

        yield from run_on_dask(work, shards, workers=workers)
    elif "fork" not in multiprocessing.get_all_start_methods():
        # TODO(#6): without fork (Windows, macOS defaults aside) shards render in
        # this process, one after another.
        for shard in shards:
            yield render_shard(work, shard)
    else:
        # Even one worker is a process of its own: this one only writes, and the
        # worker's spaCy vocabulary is dropped with it every few shards.
        yield from _run_forked(work, shards, max(1, workers))


# What forked workers inherit: the work and every shard (only positions travel).
_WORK: Work | None = None
_SHARDS: list[Shard] = []


def _start_worker(parent: int) -> None:
    """In each worker: die with the parent, leave SIGINT and SIGTERM to it."""
    _die_with_parent()
    if os.getppid() != parent:
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent ends, however it ends."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _serve(conn, parent: int) -> None:
    """A worker: render the shards that come down ``conn`` until told to stop."""
    _start_worker(parent)
    assert _WORK is not None
    while True:
        try:
            position = conn.recv()
        except EOFError:
            return
        if position is None:
            return
        try:
            reply = ("ok", render_shard(_WORK, _SHARDS[position]))
        except BaseException as exc:  # handed to the parent, which raises it
            reply = ("error", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # an error that does not pickle
            conn.send(("error", RuntimeError(f"{reply[1]!r} ({exc})")))


class _Worker:
    """One forked process with its own pipe; it renders at most
    SHARDS_PER_PROCESS shards, then ends and another takes its place."""

    def __init__(self, context) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, os.getpid()), daemon=True
        )
        self.process.start()
        child.close()
        self.sent = 0
        self.received = 0

    def result(self) -> ShardOutput:
        try:
            status, value = self.conn.recv()
        except EOFError:
            code = self.process.exitcode
            raise RuntimeError(
                f"a worker process ended while rendering a shard (exit code {code})"
            ) from None
        self.received += 1
        if self.received == SHARDS_PER_PROCESS:
            self.stop()
        if status == "error":
            raise value
        return value

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=5)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _run_forked(work: Work, shards: list[Shard], workers: int) -> Iterator[ShardOutput]:
    global _WORK, _SHARDS
    # Workers are forked: they share the graph and the loaded pipeline with this
    # process instead of receiving copies. Every worker is forked from this
    # (main) thread, at a point where it holds no lock.
    work.local()
    _WORK, _SHARDS = work, shards
    position = {id(shard): i for i, shard in enumerate(shards)}
    context = multiprocessing.get_context("fork")
    slots: list[_Worker | None] = [None] * workers
    started: list[_Worker] = []
    count = 0

    def submit(shard: Shard) -> _Worker:
        nonlocal count
        slot = count % workers
        count += 1
        worker = slots[slot]
        if worker is None or worker.sent == SHARDS_PER_PROCESS:
            worker = slots[slot] = _Worker(context)
            started.append(worker)
        worker.conn.send(position[id(shard)])
        worker.sent += 1
        return worker

    try:
        yield from ordered(
            submit, lambda worker: worker.result(), shards, window=2 * workers
        )
        for worker in started:
            if worker.process.is_alive():
                worker.stop()
    finally:
        for worker in started:
            worker.kill()
        _WORK, _SHARDS = None, []


def ordered(
    submit: Callable[[Shard], Any],
    result: Callable[[Any], ShardOutput],
    shards: list[Shard],
    *,
    window: int,
) -> Iterator[ShardOutput]:
    """Submit shards keeping ``window`` in flight; yield their outputs in order."""
    pending: deque = deque()
    queue = iter(shards)
    for shard in queue:
        pending.append(submit(shard))
        if len(pending) >= window:
            break
    while pending:
        output = result(pending.popleft())
        for shard in queue:
            pending.append(submit(shard))
            break
        yield output
