"""Import JSONL files with Doccano's own import code and report what it stored.

Run with the Python of a virtual environment that has the ``doccano`` package
(1.8.4) installed, never with the project's own::

    python doccano_import_driver.py WORKDIR sequence=FILE relation=FILE ...

It sets Django up with Doccano's development settings on an SQLite database in
WORKDIR and, for each argument, creates a sequence-labeling project (with relations
for ``relation=``) and runs the same steps as Doccano's upload task
(``data_import.celery_tasks``): ``create_file_format("JSONL")``,
``load_dataset(...)`` (its JSONL parser, readers, ``ExampleMaker``, ``LabelMaker``,
``Spans.clean``) and ``dataset.save``. It prints one
JSON list with one object per argument: the errors Doccano reported and, per
imported example (by its ``example_id`` metadata, else its text), the spans and
relations stored in the database.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(workdir: Path, jobs: list[tuple[str, Path]]) -> list[dict]:
    import backend

    sys.path.insert(0, str(Path(backend.__file__).parent))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.development"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'doccano.sqlite3'}"
    os.environ.setdefault("MEDIA_ROOT", str(workdir / "media"))

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    user = get_user_model().objects.create(username="driver")
    return [import_file(user, task, path) for task, path in jobs]


def import_file(user, task: str, path: Path) -> dict:
    from data_import.datasets import load_dataset
    from data_import.pipeline.catalog import RELATION_EXTRACTION, create_file_format
    from data_import.pipeline.readers import FileName
    from examples.models import Example
    from labels.models import Relation, Span
    from projects.models import ProjectType, SequenceLabelingProject

    project = SequenceLabelingProject.objects.create(
        name="check",
        project_type=ProjectType.SEQUENCE_LABELING,
        created_by=user,
        use_relation=task == "relation",
    )
    dataset = load_dataset(
        RELATION_EXTRACTION if task == "relation" else ProjectType.SEQUENCE_LABELING,
        create_file_format("JSONL"),
        [FileName(str(path), path.name, path.name)],
        project,
    )
    dataset.save(user, batch_size=1000)

    stored = {}
    for example in Example.objects.filter(project=project):
        key = example.meta.get("example_id", example.text)
        spans = Span.objects.filter(example=example).select_related("label")
        by_id = {s.id: s for s in spans}
        ordered = sorted(by_id.values(), key=lambda s: (s.start_offset, s.end_offset))
        relations = Relation.objects.filter(example=example).select_related("type")
        stored[key] = {
            "text": example.text,
            "spans": [[s.start_offset, s.end_offset, s.label.text] for s in ordered],
            "relations": sorted(
                [
                    [
                        [
                            by_id[r.from_id_id].start_offset,
                            by_id[r.from_id_id].end_offset,
                        ],
                        [by_id[r.to_id_id].start_offset, by_id[r.to_id_id].end_offset],
                        r.type.text,
                    ]
                    for r in relations
                ]
            ),
        }
    return {"errors": [e.dict() for e in dataset.errors], "examples": stored}


if __name__ == "__main__":
    work, *args = sys.argv[1:]
    jobs = [tuple(arg.split("=", 1)) for arg in args]
    if not jobs or any(
        len(j) != 2 or j[0] not in ("sequence", "relation") for j in jobs
    ):
        sys.exit(__doc__)
    print(json.dumps(main(Path(work), [(task, Path(p)) for task, p in jobs])))
