"""Run the ``biomarker`` command inside the test process, as a shell would run it in a process of its own.

Starting ``python -m biomarker.cli`` for every CLI test costs seconds of imports (numpy, pandas, sklearn,
lifelines, matplotlib, DuckDB) and fresh worker pools each time; :func:`run_cli` calls the real Typer app instead
and hands back a :class:`subprocess.CompletedProcess` with what a process would have given:

- ``returncode``: the exit code (0, 2 for bad input, 3 for failed samples, 130 interrupted; 1 and a traceback
  on stderr for a bug, as Python prints it);
- ``stdout`` and ``stderr``: file descriptors 1 and 2 are pointed at temporary files for the call and
  ``sys.stdout``/``sys.stderr`` write straight through to them, so the rich tables, the one-line errors, the
  log lines of the command's own handler and anything C code (htslib) writes arrive in the order a process
  would write them;
- ``sys.argv``, the working folder, the environment and stdin (empty, as ``/dev/null``) are the command's for
  the call and restored afterwards; Python warnings follow the interpreter's default filters (not pytest's).

After the call the runner checks that the command left no log handler and no root level behind. What it cannot
give: the stderr of worker processes (a fork server or loky pool outlives the call, its stderr is whatever it
was when it started), signals and process trees, stdin and TTY behaviour, and the console-script entry point:
tests about those start a real process.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

#: What ``click`` names the program when it is started as ``python -m biomarker.cli`` (usage lines, help).
PROG_NAME = "python -m biomarker.cli"


def run_cli(
    *args: object, cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``biomarker ARGS`` in this process and return what a subprocess would have returned.

    Parameters
    ----------
    *args
        The command line after ``biomarker`` (paths and numbers are turned into text).
    cwd
        The working folder of the command (default: the current one).
    env
        Environment variables set for the call (``None`` unsets one); the rest of ``os.environ`` is inherited.

    Returns
    -------
    subprocess.CompletedProcess
        ``args`` (the whole command line), ``returncode``, ``stdout`` and ``stderr`` (text).
    """
    import typer.main

    from biomarker import cli

    argv = [str(a) for a in args]
    command = typer.main.get_command(cli.app)
    with _process_like(argv, cwd, env, cli.__file__) as (out, err):
        try:
            command.main(args=argv, prog_name=PROG_NAME, standalone_mode=True)
            code: int = 0
        except SystemExit as exc:
            code = _exit_code(exc)
        except Exception:  # a bug: Python prints the traceback and exits 1
            traceback.print_exc(file=sys.stderr)
            code = 1
    return subprocess.CompletedProcess([PROG_NAME, *argv], code, out.text, err.text)


def _exit_code(exc: SystemExit) -> int:
    """The exit status ``sys.exit(code)`` gives a process (a message is printed to stderr and gives 1)."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


class _Captured:
    """What was written to one file descriptor during the call: ``.stream`` writes to it, ``.text`` is the text."""

    def __init__(self, stream: io.TextIOWrapper) -> None:
        self.stream = stream
        self.text = ""


@contextmanager
def _redirected(fd: int) -> Iterator[_Captured]:
    """File descriptor ``fd`` pointed at a temporary file for the call, then put back."""
    with tempfile.TemporaryFile() as file:
        saved = os.dup(fd)
        os.dup2(file.fileno(), fd)
        captured = _Captured(io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), "utf-8", "backslashreplace"))
        captured.stream.reconfigure(write_through=True)
        try:
            yield captured
        finally:
            captured.stream.flush()
            os.dup2(saved, fd)
            os.close(saved)
            file.seek(0)
            captured.text = file.read().decode("utf-8", errors="replace")


@contextmanager
def _process_like(
    argv: list[str], cwd: str | os.PathLike[str] | None, env: Mapping[str, str | None] | None, script: str
) -> Iterator[tuple[_Captured, _Captured]]:
    """The parts of a fresh process the command sees, set up for the call and put back afterwards."""
    root = logging.getLogger()
    handlers = {name: list(logging.getLogger(name).handlers) for name in ("", "biomarker")}
    level = root.level
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_argv = sys.argv
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    for stream in saved_streams[1:]:
        stream.flush()
    try:
        with (
            _redirected(1) as out,
            _redirected(2) as err,
            open(os.devnull, encoding="utf-8") as stdin,
            warnings.catch_warnings(),
        ):
            _default_warning_filters()
            sys.stdin, sys.stdout, sys.stderr = stdin, out.stream, err.stream
            sys.argv = [script, *argv]
            for key, value in (env or {}).items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            try:
                if cwd is not None:
                    os.chdir(Path(cwd))
                yield out, err
            finally:
                sys.stdin, sys.stdout, sys.stderr = saved_streams
    finally:
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        if dict(os.environ) != saved_env:
            os.environ.clear()
            os.environ.update(saved_env)
    left = {name: list(logging.getLogger(name).handlers) for name in handlers}
    assert left == handlers, f"the command left log handlers behind: {left} (before: {handlers})"
    assert root.level == level, f"the command left the root log level at {root.level} (before: {level})"


def _default_warning_filters() -> None:
    """The warning filters of a plain ``python`` process (no -W, no PYTHONWARNINGS), printed to stderr."""
    warnings.resetwarnings()
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.filterwarnings("ignore", category=category, append=True)

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    warnings.showwarning = show
