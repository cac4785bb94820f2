"""Where a batch's TMB tasks run: inline, a local process pool, or a Dask cluster's executor.

One ``concurrent.futures`` interface for every scale (:func:`make_executor`); local workers are forked from a
server that has already imported the TMB engine and end themselves when the batch process dies
(:func:`~biomarker.parent_watch.watch_parent`).
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext

from biomarker.errors import ConfigError
from biomarker.parent_watch import watch_parent


def _worker_context() -> BaseContext:
    """Fork workers from a server that has already imported the TMB engine (fast start, and no fork of this
    process with its DuckDB threads); plain spawn where forkserver does not exist."""
    if "forkserver" in get_all_start_methods():
        context = get_context("forkserver")
        context.set_forkserver_preload(["biomarker.batch", "biomarker.tmb.pipeline"])
        return context
    return get_context("spawn")


def make_executor(jobs: int, scheduler: str | None, stack: ExitStack) -> Executor | None:
    """The executor for ``jobs`` workers: ``None`` (run inline) for one local job, a process pool,
    or a Dask cluster's executor (``scheduler`` = ``tcp://host:8786``, or ``local`` for a LocalCluster).

    Raises
    ------
    ConfigError
        If a scheduler is asked for and ``distributed`` is not installed or cannot connect.
    """
    if scheduler is None:
        if jobs <= 1:
            return None
        return stack.enter_context(
            ProcessPoolExecutor(
                max_workers=jobs, mp_context=_worker_context(), initializer=watch_parent, initargs=(os.getpid(),)
            )
        )
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--scheduler needs Dask: pip install 'nsclc-biomarker[dask]'") from None
    try:
        if scheduler == "local":
            cluster = stack.enter_context(
                LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True, dashboard_address=None)
            )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler, timeout="20s"))
    except OSError as exc:
        raise ConfigError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    return client.get_executor()
