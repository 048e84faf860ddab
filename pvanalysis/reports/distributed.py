"""Reports on a Dask cluster (``dask.distributed``): the batch submits the same per-report
function (:func:`~pvanalysis.reports.run.execute_report`) to the workers.

Workers must see the same paths as the batch (the store, the notebooks, the site: shared
storage) and run non-daemonic (``distributed.worker.daemon: false``, set here for a
``LocalCluster``) so that each report gets its own child of the worker's fork server; a
daemonic worker runs its reports through a Jupyter kernel instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..errors import PvInputError

#: Configuration of the workers this package starts (and recommends for remote ones).
WORKER_CONFIG = {"distributed.worker.daemon": False}


@contextlib.contextmanager
def dask_client(address: str, workers: int = 2) -> Iterator:
    """A ``distributed.Client`` for the batch: ``"local"`` starts a ``LocalCluster`` of
    ``workers`` single-threaded worker processes (no dashboard), closed at the end;
    otherwise the address of a running scheduler (``tcp://host:8786``).

    Raises
    ------
    PvInputError
        dask.distributed is not installed, or the scheduler cannot be reached.
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise PvInputError("dask.distributed n'est pas installé : pip install "
                           "\"distributed\"") from exc
    with dask.config.set(WORKER_CONFIG):
        if address == "local":
            with LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                yield client
            return
        try:
            client = Client(address, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise PvInputError(f"ordonnanceur Dask injoignable à « {address} » : {exc}") from exc
        with client:
            yield client
