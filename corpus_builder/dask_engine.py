"""Shards on a Dask cluster: ``build --engine dask`` (needs corpus-builder[dask]).

With ``CORPUS_BUILDER_DASK_SCHEDULER`` set to a scheduler's address the shards run
on that cluster; without it a local cluster of ``--workers`` processes starts on
127.0.0.1 for the build and stops after it (no dashboard). The work (config,
templates, graph) is sent once to every worker; each task renders one shard and
returns its serialized part of every export, which the build appends in shard order.
"""

from __future__ import annotations

import os
from typing import Iterator

from .errors import ConfigError
from .shards import Shard, ShardOutput, Work, ordered, render_shard

SCHEDULER_ENV = "CORPUS_BUILDER_DASK_SCHEDULER"


def _client(workers: int):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(
            "needs Dask: pip install 'corpus-builder[dask]'",
            path="<options>",
            key="engine",
        ) from None
    address = os.environ.get(SCHEDULER_ENV)
    if address:
        return Client(address), None
    cluster = LocalCluster(
        n_workers=max(1, workers),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
        silence_logs=40,
    )
    return Client(cluster), cluster


def run_on_dask(
    work: Work, shards: list[Shard], *, workers: int
) -> Iterator[ShardOutput]:
    client, cluster = _client(workers)
    try:
        ready = client.scatter(work, broadcast=True)
        window = 2 * max(1, len(client.scheduler_info()["workers"]))
        yield from ordered(
            lambda shard: client.submit(render_shard, ready, shard, pure=False),
            lambda future: future.result(),
            shards,
            window=window,
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
