"""Notebook execution: papermill in this process, a kernel of this interpreter, exit codes.

Notebooks run in the Python environment of the caller (a kernel spec pointing to
``sys.executable`` is written to a temporary folder, nothing is installed), over IPC sockets
so that parallel kernels cannot race for TCP ports. A failure becomes a status, an exit code
and a French one-line message; nothing is raised.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .. import fmt

#: Default per-cell time limit (seconds).
DEFAULT_TIMEOUT_S = 600

#: Exit codes recorded for a report.
EXIT_OK = 0
EXIT_CELL_ERROR = 1
EXIT_PARAMETERS = 2
EXIT_TIMEOUT = 124
EXIT_DEAD_KERNEL = 138

#: The kernel's own output (warnings, crash messages) goes there; removed when empty.
KERNEL_LOG = "kernel.log"

_KERNEL_NAME = "python3"
_HERE = {}  # per-process cache: kernel spec folder, kernel manager class



def _kernel_manager_class():
    """Kernel manager for this interpreter, on IPC sockets (created once per process).

    The kernel spec is written to a temporary folder with ipykernel's ``write_kernel_spec``
    (argv = ``sys.executable -m ipykernel_launcher``): nothing is installed, and the kernel
    runs in the caller's environment. IPC sockets live in a private temporary folder with
    a unique name per kernel, so parallel kernels never race for TCP ports.
    """
    if "km" in _HERE:
        return _HERE["km"]
    import uuid

    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    root = Path(tempfile.mkdtemp(prefix="pvk-"))
    write_kernel_spec(root / "kernels" / _KERNEL_NAME,
                      overrides={"display_name": f"pvanalysis ({sys.executable})"})
    import atexit

    atexit.register(shutil.rmtree, root, ignore_errors=True)

    class PvKernelManager(AsyncKernelManager):
        """Kernel of this interpreter, IPC transport, socket files in a private folder."""

        @default("transport")
        def _default_transport(self):
            return "ipc"

        @default("ip")
        def _default_ip(self):
            return str(root / f"k{uuid.uuid4().hex[:12]}")

        @default("kernel_spec_manager")
        def _default_ksm(self):
            return KernelSpecManager(kernel_dirs=[str(root / "kernels")])

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            """Send the kernel's own output to the report's ``kernel.log``."""
            log_path = _HERE.get("log") or Path(kw.get("cwd") or os.getcwd()) / KERNEL_LOG
            with Path(log_path).open("ab") as log:
                kw.setdefault("stdout", log)
                kw.setdefault("stderr", log)
                await super()._async_launch_kernel(kernel_cmd, **kw)

    _HERE["km"], _HERE["root"] = PvKernelManager, root
    return PvKernelManager


def forget_kernel_spec() -> None:
    """Remove the kernel spec folder written by this process (a report's child ends with
    ``os._exit``, which skips ``atexit``)."""
    root = _HERE.pop("root", None)
    _HERE.pop("km", None)
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)


_FRENCH_ERRORS = {"ParameterError", "UnknownTerritoryError", "InputFileError", "PvInputError"}


def _cell_message(exc) -> str:
    """French one-line message for a cell that raised."""
    if exc.ename in _FRENCH_ERRORS:
        return str(exc.evalue)
    return f"erreur dans la cellule [{exc.exec_count}] : {exc.ename} : {exc.evalue}"


def execute_notebook(notebook: str | Path, output: str | Path, parameters: Mapping, cwd: Path,
                     timeout_s: float = DEFAULT_TIMEOUT_S,
                     kernel_log: Path | None = None,
                     engine: str = "kernel") -> tuple[str, int, str | None]:
    """Run a notebook with papermill in this process, through a kernel or in this process.

    Parameters
    ----------
    notebook, output : path
        Notebook to run and where to write the executed copy (written even on failure).
    parameters : mapping
        Injected after the ``parameters`` cell.
    cwd : Path
        Working directory of the kernel.
    timeout_s : float
        Time limit of each cell (seconds).
    kernel_log : Path, optional
        File receiving the kernel process's own output (default ``cwd/kernel.log``).
    engine : {"kernel", "fork"}
        ``"kernel"``: a Jupyter kernel of this interpreter; ``"fork"``: the cells run in this
        process (papermill engine ``pvanalysis``, :mod:`~pvanalysis.reports.engine`) — for a
        process of its own, such as a child of the fork server.

    Returns
    -------
    tuple
        ``(status, exit_code, error)``: status ``"ok"``, ``"error"``, ``"timeout"`` or
        ``"dead_kernel"``; error is a French message or None.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    _HERE["log"] = kernel_log
    if engine == "fork":
        from .engine import ENGINE_NAME, TIMEOUT_ENAME

        options = {"engine_name": ENGINE_NAME, "request_save_on_cell_execute": False}
    else:
        TIMEOUT_ENAME = None
        options = {"kernel_manager_class": _kernel_manager_class(),
                   "request_save_on_cell_execute": True}
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=dict(parameters), kernel_name=_KERNEL_NAME,
            language="python", progress_bar=False, cwd=str(cwd), execution_timeout=timeout_s,
            **options)
    except papermill.PapermillExecutionError as exc:
        if TIMEOUT_ENAME and exc.ename == TIMEOUT_ENAME:
            return "timeout", EXIT_TIMEOUT, (f"délai dépassé : une cellule a duré plus de "
                                             f"{fmt.number(timeout_s)} s")
        return "error", EXIT_CELL_ERROR, _cell_message(exc)
    except CellTimeoutError:
        return "timeout", EXIT_TIMEOUT, (f"délai dépassé : une cellule a duré plus de "
                                         f"{fmt.number(timeout_s)} s")
    except DeadKernelError:
        return "dead_kernel", EXIT_DEAD_KERNEL, ("le noyau Python s'est arrêté pendant "
                                                 "l'exécution (mémoire insuffisante ?)")
    return "ok", EXIT_OK, None
