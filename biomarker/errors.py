"""Errors a user can act on.

The CLI turns every :class:`BiomarkerError` into one line on stderr and exit code 2;
anything else is a bug and keeps its traceback (exit code 1).
"""

from __future__ import annotations

from os import PathLike

#: Exit codes of the ``biomarker`` command (documented in the README, batch section).
EXIT_OK = 0
#: An unexpected error (a bug): Python's traceback and its exit code.
EXIT_BUG = 1
#: Bad input or settings: one line on stderr, nothing half-written.
EXIT_INPUT = 2
#: ``batch``: the run finished but at least one sample failed (each named on stderr with its reason).
EXIT_SAMPLES_FAILED = 3
#: Interrupted (Ctrl-C, SIGINT): what had finished is kept.
EXIT_INTERRUPTED = 130


class BiomarkerError(Exception):
    """Base class of every error caused by the user's input or settings."""


class InputError(BiomarkerError):
    """A problem with an input file, pointing at where it is and what to do.

    Parameters
    ----------
    path
        The file at fault (``None`` when the problem is a setting, not a file).
    problem
        What is wrong, in a few words.
    where
        The record, line or field, e.g. ``"line 12"`` or ``"chr1:1000 C>T"``.
    hint
        What the user can do about it.

    Examples
    --------
    >>> str(InputError("t.vcf", "no FORMAT/AD field", where="header", hint="use --no-alt-depth"))
    't.vcf: header: no FORMAT/AD field; use --no-alt-depth'
    """

    def __init__(
        self,
        path: str | PathLike[str] | None,
        problem: str,
        *,
        where: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.problem = problem
        self.where = where
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [p for p in (self.path, self.where) if p]
        head = ": ".join([*parts, self.problem])
        return f"{head}; {self.hint}" if self.hint else head


class ConfigError(BiomarkerError):
    """An impossible or contradictory setting (preset, option, YAML file)."""
