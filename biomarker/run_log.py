"""A plain-text log of each run in its output folder (``OUT/batch.log``), appended and flushed line by line.

Each line is ``UTC time  event  text``; a run starts with ``start`` (version, command line, inputs) and ends
with ``end`` (the summary). Warnings and errors the package logs during the run are copied in, so the file
tells what happened even after a ``kill -9`` (the last line then is not ``end``).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from types import TracebackType

from biomarker import __version__


class RunLog:
    """Append-only log of one run; use as a context manager.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "batch.log"
    >>> with RunLog(path, "batch") as run:
    ...     run.event("sample", "S1 ok")
    >>> [line.split("  ")[1] for line in path.read_text().splitlines()]
    ['start', 'sample', 'end']
    """

    def __init__(self, path: str | os.PathLike[str], command: str, level: int = logging.WARNING) -> None:
        self.path = Path(path)
        self.command = command
        self.level = level
        self._handler: logging.Handler | None = None
        self._fh = None
        self.outcome = "finished"

    def __enter__(self) -> RunLog:
        self._fh = open(self.path, "a", encoding="utf-8")
        self.event("start", f"biomarker {__version__} pid {os.getpid()}: {' '.join(sys.argv)}")
        handler = logging.StreamHandler(self._fh)
        handler.setLevel(self.level)
        handler.setFormatter(
            logging.Formatter("%(asctime)s  log  %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ")
        )
        handler.formatter.converter = time.gmtime  # type: ignore[union-attr]
        logging.getLogger("biomarker").addHandler(handler)
        self._handler = handler
        return self

    def event(self, kind: str, text: str) -> None:
        """Append one line (flushed at once, so it survives the process being killed)."""
        if self._fh is None:
            return
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._fh.write(f"{stamp}  {kind}  {' '.join(text.splitlines())}\n")
        self._fh.flush()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._handler is not None:
            logging.getLogger("biomarker").removeHandler(self._handler)
        if kind is not None:
            self.outcome = "interrupted" if issubclass(kind, KeyboardInterrupt) else f"stopped: {exc}"
        self.event("end", f"{self.command} {self.outcome}")
        if self._fh is not None:
            self._fh.close()
            self._fh = None
