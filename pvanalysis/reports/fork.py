"""Each report in a fresh process forked from a server that has already imported the libraries.

The fork server of :mod:`multiprocessing` (start method ``forkserver``) imports
:data:`PRELOAD` once; every report then runs in a new child forked from it: its own
process and state (matplotlib rc, pandas options, warning filters, working directory,
module globals die with it), no import to pay again. A child that dies without sending
its result (segmentation fault, ``os._exit``, out of memory) is recorded as exit code 138;
a child still running after its hard limit is killed and recorded as 124.

A batch goes one step further (:class:`WarmPool`): a few processes forked from the server
read one version of the data and compute what every report shares (tables, territory
layers, national flows), then fork each report from themselves. A report's process still
starts empty of any other report's state; it only inherits data that never changes.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import queue
import resource
import signal
from collections.abc import Callable, Mapping

#: Modules imported once by the fork server, before any report.
PRELOAD = [
    "pvanalysis.lean",  # first: declines a slow optional import of nbformat's
    "pandas", "numpy", "pyarrow.parquet", "geopandas", "shapely", "matplotlib.pyplot",
    "folium", "mapclassify", "scipy.stats", "jinja2", "nbformat", "nbconvert",
    "papermill", "IPython", "matplotlib_inline.backend_inline",
    "pvanalysis.indicators", "pvanalysis.charts", "pvanalysis.maps", "pvanalysis.present",
    "pvanalysis.sections", "pvanalysis.territories", "pvanalysis.schemas",
    "pvanalysis.story", "pvanalysis.history", "pvanalysis.indicators.changes",
    "pvanalysis.indicators.glossary", "babel.dates", "xlsxwriter", "openpyxl", "bs4",
    "pvanalysis.reports", "pvanalysis.reports.engine", "pvanalysis.reports.warm",
]

_CONTEXT = {}
#: Report processes forked by warm processes and still running (pid → True).
_RUNNING: dict[int, bool] = {}
#: Warm processes alive (pid → True).
_WARM: dict[int, bool] = {}


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
    """Kill the report processes still running (on SIGINT or SIGTERM of the batch).

    Warm processes are left to reap their killed report and stop when their pool closes.
    """
    for pid in list(_RUNNING):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    for child in multiprocessing.active_children():
        if child.is_alive() and child.pid not in _WARM:
            os.kill(child.pid, signal.SIGKILL)
            child.join(1)


# ---------------------------------------------------------------------------------------------
# Warm processes: data read once, a report forked from them each time
# ---------------------------------------------------------------------------------------------


def _report_process(fd: int, func: Callable, kwargs: Mapping) -> None:
    """Body of a report process forked by a warm process: run, write the result, exit."""
    code = 0
    try:
        try:
            message = ("ok", func(**kwargs), peak_rss_mb())
        except BaseException as exc:  # sent as text: the batch records a failure
            message = ("raised", f"{type(exc).__name__} : {exc}", peak_rss_mb())
        with os.fdopen(fd, "wb") as out:
            out.write(pickle.dumps(message))
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _warm_process(conn, warm: Callable | None, warm_kwargs: Mapping) -> None:
    """Body of a warm process: warm, then fork one report process per request.

    Requests are ``(func, kwargs)``; for each it answers ``("started", pid)`` then
    ``("done", pickled result or None, exit code)``. ``None`` or a closed pipe ends it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if warm is not None:
        with contextlib.suppress(Exception):
            warm(**warm_kwargs)
    gc.collect()
    gc.freeze()  # what is here now is never scanned again: reports start with a clean heap
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        func, kwargs = request
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            conn.close()
            _report_process(write_fd, func, kwargs)
        os.close(write_fd)
        conn.send(("started", pid))
        with os.fdopen(read_fd, "rb") as result:
            payload = result.read()
        _, status = os.waitpid(pid, 0)
        conn.send(("done", payload or None, os.waitstatus_to_exitcode(status)))


class WarmProcess:
    """A process forked from the fork server that runs ``warm(**warm_kwargs)`` once, then
    runs each call in a fresh fork of itself (see :func:`run_in_child`)."""

    def __init__(self, warm: Callable | None = None, warm_kwargs: Mapping | None = None):
        ctx = context()
        self._conn, theirs = ctx.Pipe()
        self._process = ctx.Process(target=_warm_process, daemon=True,
                                     args=(theirs, warm, dict(warm_kwargs or {})))
        self._process.start()
        theirs.close()
        _WARM[self._process.pid] = True

    def run(self, func: Callable, kwargs: Mapping, hard_limit_s: float | None = None) -> tuple:
        """Like :func:`run_in_child`; a warm process that is gone falls back to it."""
        try:
            self._conn.send((func, dict(kwargs)))
            _, pid = self._conn.recv()
        except (EOFError, OSError):
            return run_in_child(func, kwargs, hard_limit_s)
        _RUNNING[pid] = True
        try:
            if not self._conn.poll(hard_limit_s):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                _, _, exitcode = self._conn.recv()
                return "killed", None, None, exitcode
            _, payload, exitcode = self._conn.recv()
        except (EOFError, OSError):  # the warm process itself died
            return "died", None, None, None
        finally:
            _RUNNING.pop(pid, None)
        if payload is None:
            return "died", None, None, exitcode
        state, value, peak = pickle.loads(payload)
        return state, value, peak, exitcode

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._conn.close()
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        _WARM.pop(self._process.pid, None)

    def kill(self) -> None:
        self._conn.close()
        self._process.kill()
        self._process.join()
        _WARM.pop(self._process.pid, None)


class WarmPool:
    """``size`` warm processes shared by the threads of a batch (one report each at a time).

    Use as a context manager; :meth:`run` has the contract of :func:`run_in_child`.
    """

    def __init__(self, size: int, warm: Callable | None = None,
                 warm_kwargs: Mapping | None = None):
        self._free: queue.Queue = queue.Queue()
        self._all = [WarmProcess(warm, warm_kwargs) for _ in range(max(1, size))]
        for process in self._all:
            self._free.put(process)

    def run(self, func: Callable, kwargs: Mapping, hard_limit_s: float | None = None) -> tuple:
        process = self._free.get()
        try:
            return process.run(func, kwargs, hard_limit_s)
        finally:
            self._free.put(process)

    def close(self) -> None:
        for process in self._all:
            process.close()

    def kill(self) -> None:
        """Stop the warm processes at once (a pool that will not be used)."""
        for process in self._all:
            process.kill()

    def __enter__(self) -> WarmPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
