"""What every ``biomarker`` command module shares: the one-line error handler, ``--set`` parsing, comma lists,
and writing a table for people (atomic, formula-like text neutralised)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from biomarker.errors import EXIT_INPUT, EXIT_INTERRUPTED, BiomarkerError

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn a :class:`BiomarkerError` into one line on stderr and exit code 2 (Ctrl-C: 130).

    The one line stays one line whatever the message holds (a file name with a newline, say).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BiomarkerError as exc:
            typer.echo(f"biomarker: error: {' '.join(str(exc).splitlines())}", err=True)
            raise typer.Exit(EXIT_INPUT) from None
        except OSError as exc:
            if exc.filename is None or isinstance(exc, BrokenPipeError):
                raise  # not about a file the user named: a bug keeps its traceback
            # a file or folder the system refused (missing input, --out under a file, no permission, disk full)
            where = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else str(exc.filename)
            problem = {
                FileExistsError: "a file is in the way where a folder is needed",
                NotADirectoryError: "part of this path is a file, not a folder",
            }.get(type(exc), exc.strerror)
            typer.echo(f"biomarker: error: {where}: {problem or exc}; check the path and its permissions", err=True)
            raise typer.Exit(EXIT_INPUT) from None
        except KeyboardInterrupt:
            typer.echo("biomarker: interrupted; nothing half-written was kept", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


def parse_sets(values: list[str]) -> dict[str, Any]:
    """``--set NAME=VALUE`` options as a dict, each value read as YAML (``0.1`` a number, ``true`` a boolean)."""
    import yaml

    from biomarker.errors import ConfigError

    out: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: write it as NAME=VALUE, e.g. --set min_vaf=0.1")
        out[key.strip()] = yaml.safe_load(raw)
    return out


def split_values(values: list[str] | None) -> list[str]:
    """Repeated and comma-separated option values as one list (blanks dropped)."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def write_table_echo(frame: Any, out: Path) -> None:
    """Write ``frame`` for people (:func:`biomarker.files.write_table`) and say how many rows went where."""
    from biomarker.files import write_table

    write_table(frame, out)  # atomic, formula-like text neutralised: these tables are opened in spreadsheets
    typer.echo(f"{len(frame)} rows: {out}")
