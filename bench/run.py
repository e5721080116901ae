"""Benchmark: narratives per second and peak memory, printed as one Markdown table.

    python bench/run.py                 # 20,000 narratives (and 2,000 for scaling)
    python bench/run.py --size 100000   # a bigger run

Rows: spaCy's tokenizer alone on the rendered narratives (what every other row
pays); rendering with validation alone; rendering plus the Doccano, spaCy and Hugging
Face exporters' serialization, one at a time; the full build (those three exports,
manifest, dataset card, atomic publish) at a tenth of the size and at the size with
1 and 2 workers, and with every export with 1 worker; and
presidio-evaluator's PresidioSentenceFaker on templates with the same number of
slots, run in its own virtual environment (made by this script under
``bench/.venv-presidio`` on first use with ``pip install presidio-evaluator``).
Each full build and the presidio run is a fresh process; its peak RSS is the largest
of the process and its workers.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

EXPORTS = "doccano,spacy,hf"

STAGES = """
import json, sys, time
from corpus_builder import build as B
from corpus_builder.config import load_config
from corpus_builder.shards import examples
n = int(sys.argv[1])
config = load_config(None, overrides={"narratives": n, "exports": sys.argv[2]})
templates, nlp = B.prepare(config)
graph = B.build_graph(config, B.derive_rng(config.seed, "graph"))
work, shards, _ = B.plan_and_cut(config, templates, nlp, graph)
writers = work.local()["writers"]
def run(writer):
    start = time.perf_counter()
    for shard in shards:
        for example, doc in examples(work, shard):
            if writer is not None:
                writer.write(example, doc)
        if writer is not None:
            writer.take()
    return n / (time.perf_counter() - start)
# make_writers orders the writers as config.exports, the counts last.
chosen = dict(zip(config.exports, writers))
stage = sys.argv[3]
if stage == "tokenizer":
    # The floor under every row: spaCy's tokenizer alone on the same narratives,
    # in a pipeline that has not seen them.
    from corpus_builder.tokens import render_pipeline
    texts = [e.text for shard in shards for e, _ in examples(work, shard)]
    fresh = render_pipeline(config.spacy_lang)
    start = time.perf_counter()
    for text in texts:
        fresh.make_doc(text)
    rate = n / (time.perf_counter() - start)
    lang = config.spacy_lang
    print(json.dumps({f"spaCy tokenizer alone, spacy.blank({lang!r})": rate}))
    raise SystemExit
name = "generation + validation" + (f" + {stage}" if stage else "")
print(json.dumps({name: run(chosen.get(stage))}))
"""

BUILD = """
import json, resource, sys, time
from pathlib import Path
from corpus_builder.build import build_corpus
from corpus_builder.config import load_config
n, out, workers = int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
exports = sys.argv[4]
config = load_config(None, overrides={"narratives": n, "exports": exports or None})
start = time.perf_counter()
build_corpus(config=config, output=out, workers=workers)
seconds = time.perf_counter() - start
who = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
peak = max(resource.getrusage(r).ru_maxrss for r in who)
print(json.dumps({"seconds": seconds, "peak_kb": peak}))
"""

PRESIDIO = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from presidio_evaluator.data_generator import PresidioSentenceFaker
n = int(sys.argv[1])
# Four slots each, like a bank narrative with customer, invoice, amount and date.
templates = [
    "TRF FROM {{name}} INV {{iban}} AMT {{credit_card_number}} DT {{date_of_birth}}",
    "Payment {{name}} ref {{iban}} {{credit_card_number}} value date {{date_of_birth}}",
    "{{company}} PAID {{iban}} FOR {{credit_card_number}} ON {{date_of_birth}}",
]
faker = PresidioSentenceFaker(
    "en_US", lower_case_ratio=0.0, sentence_templates=templates, random_seed=1
)
start = time.perf_counter()
samples = faker.generate_new_fake_sentences(n)
seconds = time.perf_counter() - start
assert len(samples) == n
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kb": peak}))
"""


def presidio_python() -> Path:
    venv = HERE / ".venv-presidio"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "presidio-evaluator"],
            check=True,
        )
    return python


def child(python, code: str, *args) -> dict:
    run = subprocess.run(
        [str(python), "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
    )
    if run.returncode:
        raise SystemExit(f"benchmark step failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument(
        "--no-all", action="store_true", help="leave out the all-exports build"
    )
    args = parser.parse_args()
    n = args.size
    small = max(1, n // 10)
    rows = []
    # Each row in a fresh process, so none finds the tokenizer warmed by another.
    for stage in ("tokenizer", "", *EXPORTS.split(",")):
        for name, rate in child(sys.executable, STAGES, n, EXPORTS, stage).items():
            rows.append((f"{name} ({n:,})", rate, None))
    timings = {}
    runs = [(small, 1, EXPORTS), (n, 1, EXPORTS), (n, 2, EXPORTS)]
    if not args.no_all:
        runs.append((n, 1, ""))
    with tempfile.TemporaryDirectory() as tmp:
        for size, workers, exports in runs:
            out = Path(tmp) / f"out-{size}-{workers}-{exports or 'all'}"
            got = child(sys.executable, BUILD, size, out, workers, exports)
            timings[(size, workers, exports)] = got["seconds"]
            what = exports if exports else "every export"
            rows.append(
                (
                    f"full build, {what}, --workers {workers} ({size:,})",
                    size / got["seconds"],
                    got["peak_kb"],
                )
            )
        same = (
            subprocess.run(
                [
                    "diff",
                    "-r",
                    str(Path(tmp) / f"out-{n}-1-{EXPORTS}"),
                    str(Path(tmp) / f"out-{n}-2-{EXPORTS}"),
                ],
                capture_output=True,
            ).returncode
            == 0
        )
    presidio = None
    if not args.no_presidio:
        got = child(presidio_python(), PRESIDIO, n)
        presidio = n / got["seconds"]
        rows.append(
            (f"presidio PresidioSentenceFaker ({n:,})", presidio, got["peak_kb"])
        )
    print("| run | narratives/s | peak RSS (MiB) |")
    print("| --- | ---: | ---: |")
    for name, rate, peak in rows:
        shown = f"{peak / 1024:.0f}" if peak else ""
        print(f"| {name} | {rate:,.0f} | {shown} |")
    ratio = timings[(n, 1, EXPORTS)] / timings[(small, 1, EXPORTS)]
    speedup = timings[(n, 1, EXPORTS)] / timings[(n, 2, EXPORTS)]
    print()
    print(f"full build ({EXPORTS}): time for {n:,} / time for {small:,}: {ratio:.2f}")
    print(f"--workers 2 speed-up over --workers 1: {speedup:.2f}x")
    print(f"--workers 2 output identical to --workers 1: {same}")
    if presidio:
        ours = dict((name, rate) for name, rate, _ in rows)
        doccano = ours[f"generation + validation + doccano ({n:,})"]
        print(
            f"generation + validation + doccano / presidio: {doccano / presidio:.2f}x"
        )
    print(f"finished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


if __name__ == "__main__":
    main()
