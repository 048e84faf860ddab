"""A papermill engine running the cells in this process, in an IPython shell of its own.

Registered with papermill as ``pvanalysis`` (also through the ``papermill.engine`` entry
point, so ``papermill --engine pvanalysis`` works). It is meant to run in a process of its
own that has already imported the libraries (:mod:`~pvanalysis.reports.fork`): the cells
then cost their own work only, with no kernel to start and nothing to import again.

Outputs are recorded as a kernel would send them: ``display_data`` from the display
publisher, ``execute_result`` from the display hook (the same IPython formatters, so the
same MIME bundles), ``stream`` for stdout and stderr, ``error`` with the traceback. Figures
go through the same ``matplotlib_inline`` backend as in a Jupyter kernel. Each cell has a
time limit (``SIGALRM``); a cell that passes it stops the run with an error named
:data:`TIMEOUT_ENAME`.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sys

from papermill.engines import Engine, papermill_engines

#: Name of the engine for papermill.
ENGINE_NAME = "pvanalysis"
#: ``ename`` of the error output written when a cell passes its time limit.
TIMEOUT_ENAME = "CellTimeoutError"


class _CellTimeout(BaseException):
    """Raised in the running cell by the alarm (a BaseException: ``except Exception``
    in a cell cannot swallow it)."""


class _Outputs:
    """The outputs of the running cell, as nbformat nodes."""

    def __init__(self):
        self.items: list = []
        self.clear_pending = False

    def add(self, output) -> None:
        if self.clear_pending:
            self.items.clear()
            self.clear_pending = False
        self.items.append(output)

    def stream(self, name: str, text: str) -> None:
        import nbformat

        if self.items and self.items[-1].get("output_type") == "stream" and (
                self.items[-1].name == name) and not self.clear_pending:
            self.items[-1].text += text
            return
        self.add(nbformat.v4.new_output("stream", name=name, text=text))


class _Stream:
    """A text stream writing into the cell's outputs (stdout or stderr)."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, outputs: _Outputs, name: str):
        self.outputs, self.name = outputs, name

    def write(self, text: str) -> int:
        if text:
            self.outputs.stream(self.name, str(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@functools.cache
def _shell_classes():
    """Shell, display publisher and display hook recording outputs (built on first use)."""
    import nbformat
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class Publisher(DisplayPublisher):
        """``display()`` → a ``display_data`` output of the running cell."""

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                    **kwargs):
            self.shell.pv_outputs.add(nbformat.v4.new_output(
                "display_data", data=data, metadata=metadata or {}))

        def clear_output(self, wait=False):
            if wait:
                self.shell.pv_outputs.clear_pending = True
            else:
                self.shell.pv_outputs.items.clear()

    class Hook(DisplayHook):
        """The value of a cell's last expression → an ``execute_result`` output."""

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self.shell.pv_outputs.add(nbformat.v4.new_output(
                "execute_result", data=format_dict, metadata=md_dict or {},
                execution_count=self.prompt_count))

        def finish_displayhook(self):
            pass

    class Shell(InteractiveShell):
        """IPython shell whose outputs are those of the running cell."""

        pv_outputs = _Outputs()

        def enable_gui(self, gui=None):
            """No event loop: figures are shown inline."""

        def _showtraceback(self, etype, evalue, stb):
            self.pv_outputs.add(nbformat.v4.new_output(
                "error", ename=str(etype.__name__), evalue=str(evalue), traceback=stb))

    return Shell, Publisher, Hook


def new_shell():
    """The IPython shell of this process (created once; figures through the inline backend;
    made by the fork server before any report, so a report forked from it finds it ready).

    History is kept in memory only (no SQLite file, no saving thread).
    """
    from traitlets.config import Config

    Shell, Publisher, Hook = _shell_classes()
    if Shell.initialized():
        shell = Shell.instance()
        if shell.execution_count > 1:  # a notebook already ran in this process: start afresh
            shell.reset(new_session=True)
        return shell
    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    shell = Shell.instance(config=config, display_pub_class=Publisher, displayhook_class=Hook)
    shell.enable_matplotlib("inline")
    return shell


def _on_alarm(signum, frame):
    raise _CellTimeout()


@contextlib.contextmanager
def _captured(outputs: _Outputs):
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def run_cell(shell, source: str, timeout_s: float | None) -> tuple[list, bool, bool]:
    """Run one cell's source in ``shell``.

    Returns
    -------
    tuple
        ``(outputs, failed, timed_out)``: nbformat output nodes, whether the cell raised, and
        whether it passed ``timeout_s`` (then its last output is an error named
        :data:`TIMEOUT_ENAME`).
    """
    import nbformat

    outputs = _Outputs()
    type(shell).pv_outputs = outputs
    previous = signal.signal(signal.SIGALRM, _on_alarm) if timeout_s else None
    timed_out = False
    try:
        if timeout_s:
            signal.setitimer(signal.ITIMER_REAL, float(timeout_s))
        with _captured(outputs):
            result = shell.run_cell(source, store_history=True)
    except _CellTimeout:  # raised outside the cell's own code (display, formatters)
        result, timed_out = None, True
    finally:
        if timeout_s:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    error = None if result is None else result.error_in_exec or result.error_before_exec
    if timed_out or isinstance(error, _CellTimeout):
        outputs.items = [o for o in outputs.items if o.get("output_type") != "error"]
        outputs.add(nbformat.v4.new_output(
            "error", ename=TIMEOUT_ENAME, evalue=f"cell ran past {timeout_s} s", traceback=[]))
        return outputs.items, True, True
    return outputs.items, error is not None, False


class InProcessEngine(Engine):
    """papermill engine: cells run in this process's IPython shell, one after another.

    The run stops at the first cell that raises; papermill then raises
    ``PapermillExecutionError`` as with a kernel. ``execution_timeout`` is the per-cell
    time limit (seconds).
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, execution_timeout=None, **kwargs):
        shell = new_shell()
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)
            if cell.cell_type == "code":
                outputs, failed, _ = run_cell(shell, cell.source, execution_timeout)
                cell.outputs = outputs
                cell.execution_count = shell.execution_count - 1
                if failed:
                    nb_man.cell_exception(cell, index)
                    nb_man.cell_complete(cell, index)
                    break
            nb_man.cell_complete(cell, index)
        return nb_man.nb

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        return name or "python3"

    @classmethod
    def nb_language(cls, nb, language=None):
        return language or "python"


papermill_engines.register(ENGINE_NAME, InProcessEngine)
