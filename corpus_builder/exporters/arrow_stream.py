"""A ``DatasetDict`` written shard by shard, in the layout ``save_to_disk`` makes.

Each split is one Arrow stream file, ``<split>/data-00000-of-00001.arrow``, written
by ``datasets``' own ``ArrowWriter``, with ``state.json`` and ``dataset_info.json``
beside it and ``dataset_dict.json`` above, so ``datasets.load_from_disk`` reads it.
A shard's rows arrive as Arrow IPC bytes (made where the shard was rendered, see
``table_bytes``) and are appended as they come: the writer never holds a split.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
from datasets import DatasetInfo, Features
from datasets.arrow_writer import ArrowWriter
from datasets.utils.py_utils import asdict

DATA_FILE = "data-00000-of-00001.arrow"


def table_bytes(columns: dict[str, list], features: Features) -> bytes:
    """``columns`` as one Arrow IPC stream of the dataset's schema."""
    table = pa.Table.from_pydict(columns, schema=features.arrow_schema)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


class DatasetDictWriter:
    def __init__(
        self, folder: Path, features: Features, splits: tuple[str, ...], salt: str
    ) -> None:
        self._folder = folder
        self._features = features
        self._splits = splits
        self._writers = {}
        # The fingerprint hashes the digests of the shards in order, so it is fixed
        # by the content, as ``save_to_disk`` of the same rows would need.
        self._digests = {split: hashlib.sha256(salt.encode()) for split in splits}
        for split in splits:
            (folder / split).mkdir(parents=True, exist_ok=True)
            self._writers[split] = ArrowWriter(
                features=features, path=str(folder / split / DATA_FILE)
            )

    def add(self, split: str, data: bytes, digest: str) -> None:
        table = pa.ipc.open_stream(data).read_all()
        if table.num_rows:
            self._writers[split].write_table(table)
        self._digests[split].update(digest.encode())

    def close(self) -> None:
        info = asdict(DatasetInfo(features=self._features))
        info = {key: info[key] for key in sorted(info)}
        for split, writer in self._writers.items():
            writer.finalize()
            writer.close()
            state = {
                "_data_files": [{"filename": DATA_FILE}],
                "_fingerprint": self._digests[split].hexdigest()[:16],
                "_format_columns": None,
                "_format_kwargs": {},
                "_format_type": None,
                "_output_all_columns": False,
                "_split": split,
            }
            with open(self._folder / split / "state.json", "w", encoding="utf-8") as f:
                json.dump(state, f, indent=2, sort_keys=True)
            with open(
                self._folder / split / "dataset_info.json", "w", encoding="utf-8"
            ) as f:
                json.dump(info, f, indent=2)
        (self._folder / "dataset_dict.json").write_text(
            json.dumps({"splits": list(self._splits)}), encoding="utf-8"
        )
