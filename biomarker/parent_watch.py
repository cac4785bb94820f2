"""Worker processes that end when the process that started them dies, ``kill -9`` included.

A :class:`~concurrent.futures.ProcessPoolExecutor` worker waits for work on a pipe that its own siblings
keep open, so it never sees its parent die; with the ``forkserver`` start method its parent is the fork
server, which itself lives as long as any worker does. ``prctl(PR_SET_PDEATHSIG)`` watches the direct
parent only, so it cannot help here. Instead each worker starts a daemon thread that waits for the batch
process itself to exit (a Linux ``pidfd`` when there is one, else polling), then interrupts the worker
(its ``finally`` blocks remove half-written files), and after a short grace period ends it. A task that
starts after the parent died ends the worker at once (:func:`exit_if_orphaned`): the executor would
otherwise hand it the next queued task.
"""

from __future__ import annotations

import _thread
import contextlib
import logging
import os
import select
import signal
import threading
import time

log = logging.getLogger(__name__)
#: Seconds a worker gets to clean up after its parent died, before it ends without cleaning up.
GRACE_SECONDS = 2.0
POLL_SECONDS = 0.5
#: Set in a worker once the process it watches has died.
PARENT_GONE = threading.Event()


def alive(pid: int) -> bool:
    """Whether process ``pid`` is running (a zombie, dead but not yet reaped, counts as gone).

    Examples
    --------
    >>> alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def wait_for_exit(pid: int) -> None:
    """Block until process ``pid`` has exited."""
    try:
        fd = os.pidfd_open(pid)  # Linux >= 5.3: readable once the process has exited
    except ProcessLookupError:
        return
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        try:
            select.select([fd], [], [])
        finally:
            os.close(fd)
        return
    while alive(pid):
        time.sleep(POLL_SECONDS)


def _end_when_gone(pid: int, grace: float) -> None:
    wait_for_exit(pid)
    PARENT_GONE.set()
    with contextlib.suppress(OSError):  # nobody reads the dead parent's terminal: keep it quiet
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.dup2(devnull, 1)
    # A KeyboardInterrupt in the main thread: a running task's finally blocks remove its temporary files.
    # Through SIGUSR1's handler, as SIGINT may be ignored (a background job started by a shell).
    _thread.interrupt_main(signal.SIGUSR1)
    time.sleep(grace)
    os._exit(1)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def exit_if_orphaned() -> None:
    """End this process now if the process it watches has died (call at the start and end of a task)."""
    if PARENT_GONE.is_set():
        os._exit(1)


def watch_parent(pid: int, grace: float = GRACE_SECONDS) -> None:
    """Worker initializer: end this process ``grace`` seconds after process ``pid`` exits.

    Parameters
    ----------
    pid
        The process whose death ends this one (the batch process: pass ``os.getpid()`` from it).

    Examples
    --------
    >>> from concurrent.futures import ProcessPoolExecutor
    >>> pool = ProcessPoolExecutor(2, initializer=watch_parent, initargs=(os.getpid(),))  # doctest: +SKIP
    """
    if pid == os.getpid():
        return
    signal.signal(signal.SIGUSR1, _interrupt)
    threading.Thread(target=_end_when_gone, args=(pid, grace), name="biomarker-parent-watch", daemon=True).start()
