"""Each report in a fresh process forked from a server that has already imported the libraries.

The fork server of :mod:`multiprocessing` (start method ``forkserver``) imports
:data:`PRELOAD` once; every report then runs in a new child forked from it: its own
process and state (matplotlib rc, pandas options, warning filters, working directory,
module globals die with it), no import to pay again. A child that dies without sending
its result (segmentation fault, ``os._exit``, out of memory) is recorded as exit code 138;
a child still running after its hard limit is killed and recorded as 124.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from collections.abc import Callable, Mapping

#: Modules imported once by the fork server, before any report.
PRELOAD = [
    "pandas", "numpy", "pyarrow.parquet", "geopandas", "shapely", "matplotlib.pyplot",
    "seaborn", "folium", "mapclassify", "scipy.stats", "jinja2", "nbformat", "nbconvert",
    "papermill", "IPython", "matplotlib_inline.backend_inline",
    "pvanalysis.indicators", "pvanalysis.charts", "pvanalysis.maps", "pvanalysis.present",
    "pvanalysis.sections", "pvanalysis.territories", "pvanalysis.schemas",
    "pvanalysis.reports", "pvanalysis.reports.engine", "pvanalysis.reports.warm",
]

_CONTEXT = {}


def context():
    """The ``forkserver`` context of this process, its preload list set (created once)."""
    if "ctx" not in _CONTEXT:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        _CONTEXT["ctx"] = ctx
    return _CONTEXT["ctx"]


def can_fork_children() -> bool:
    """False in a daemonic process (a Dask worker by default), which may not have children."""
    return not multiprocessing.current_process().daemon


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its waited-for children (MiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def _child(conn, func: Callable, kwargs: Mapping) -> None:
    """Body of the child: run ``func(**kwargs)``, send its result, exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch decides; it kills us if needed
    try:
        result = func(**kwargs)
        conn.send(("ok", result, peak_rss_mb()))
    except BaseException as exc:  # sent as text: the parent records a failure
        conn.send(("raised", f"{type(exc).__name__} : {exc}", peak_rss_mb()))
    finally:
        conn.close()


def run_in_child(func: Callable, kwargs: Mapping, hard_limit_s: float | None = None) -> tuple:
    """Run ``func(**kwargs)`` in a new child of the fork server and wait for it.

    Parameters
    ----------
    func : callable
        A module-level function (pickled by reference); its result must be picklable.
    kwargs : mapping
        Its keyword arguments.
    hard_limit_s : float, optional
        Kill the child after this many seconds.

    Returns
    -------
    tuple
        ``(state, value, peak_rss_mb, exitcode)``: state ``"ok"`` (value = the result),
        ``"raised"`` (value = the exception as text), ``"died"`` (value None; exitcode
        the process's, negative for a signal) or ``"killed"`` (past ``hard_limit_s``).
    """
    ctx = context()
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(writer, func, dict(kwargs)), daemon=True)
    child.start()
    writer.close()
    message = None
    try:
        if reader.poll(hard_limit_s):
            message = reader.recv()
    except (EOFError, OSError):
        message = None
    finally:
        reader.close()
    if message is None and child.is_alive():
        child.join(1.0 if hard_limit_s is not None else None)
        if child.is_alive():
            child.kill()
            child.join()
            return "killed", None, None, child.exitcode
    child.join()
    if message is None:
        return "died", None, None, child.exitcode
    state, value, peak = message
    return state, value, peak, child.exitcode


def kill_children() -> None:
    """Kill the report children still running (on SIGINT or SIGTERM of the batch)."""
    for child in multiprocessing.active_children():
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
            child.join(1)
