"""Small file helpers shared by every layer: atomic writes, hashing, opening text that may be gzipped,
names that are safe as file names, output folders, and tables safe to open in a spreadsheet."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def _sibling_tmp(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return target, Path(tmp)


def _commit(tmp: Path, target: Path) -> None:
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, target)


def atomic_replace(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it onto ``path``.

    For writers that want a path (``DataFrame.to_csv``, ``Figure.savefig``). A reader never sees a
    half-written file, and an existing ``path`` survives an error untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_replace(d / "x.txt", lambda p: p.write_text("hi")).read_text()
    'hi'
    """
    target, tmp = _sibling_tmp(path)
    try:
        write(tmp)
        _commit(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", **kwargs: object) -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it onto ``path`` only if the block succeeds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_write(d / "x.txt") as fh:
    ...     _ = fh.write("hello")
    >>> (d / "x.txt").read_text()
    'hello'
    """
    target, tmp = _sibling_tmp(path)
    try:
        with open(tmp, mode, **kwargs) as fh:  # type: ignore[call-overload]
            yield fh
        _commit(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: SHA-256 already computed in this process, keyed by (device, inode, size, mtime in ns): a step that hashes its
#: inputs to decide whether to run, then again for its provenance, reads each file once.
_SHA256_SEEN: dict[tuple[int, int, int, int], str] = {}


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read into one reused 1 MiB buffer (no per-chunk allocations,
    which otherwise grow a worker thread's malloc arena on large files). A file unchanged since this process
    last hashed it (same device, inode, size and modification time) is not read again.

    Examples
    --------
    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile(delete=False); _ = f.write(b"abc"); f.close()
    >>> sha256_file(f.name)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        st = os.fstat(fh.fileno())
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if key in _SHA256_SEEN:
            return _SHA256_SEEN[key]
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    _SHA256_SEEN[key] = digest.hexdigest()
    return _SHA256_SEEN[key]


def open_text(path: str | os.PathLike[str]) -> IO[str]:
    """Open a text file for reading, transparently decompressing gzip/BGZF by its magic bytes."""
    import io

    return io.TextIOWrapper(open_binary(path), encoding="utf-8", newline="")


def open_binary(path: str | os.PathLike[str]) -> IO[bytes]:
    """Open a file for reading bytes, decompressing gzip/BGZF (with ISA-L when installed) by its magic bytes."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic != b"\x1f\x8b":
        return open(path, "rb")
    try:
        from isal import igzip
    except ImportError:  # pragma: no cover - isal is a dependency
        return gzip.open(path, "rb")
    return igzip.open(path, "rb")


# -- names that become file names -------------------------------------------------------------
#: Longest sample name accepted (file systems allow 255 bytes; suffixes such as ``.variants.tsv`` need room).
MAX_NAME_LENGTH = 128
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]*")
NAME_RULE = (
    "a sample name is an identifier used in file names: letters, digits, '.', '_', '+', '-', "
    f"at most {MAX_NAME_LENGTH} characters, starting with a letter, digit or '_'"
)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a sample name (see :func:`safe_name`), or ``None`` when it can.

    Examples
    --------
    >>> name_problem("TAX-201-04-001-T") is None
    True
    >>> name_problem("../../x")
    "contains '/'"
    """
    if not name:
        return "is empty"
    for char, what in (("/", "'/'"), ("\\", "'\\\\'"), ("\x00", "a NUL byte")):
        if char in name:
            return f"contains {what}"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "contains a control character"
    if ".." in name:
        return "contains '..'"
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long (at most {MAX_NAME_LENGTH})"
    if name[0] in "-.+":
        return f"starts with {name[0]!r}"
    bad = sorted({c for c in name if not _SAFE_NAME.fullmatch("a" + c)})
    if bad:
        return f"contains {', '.join(repr(c) for c in bad)}"
    return None


def safe_name(
    name: str,
    *,
    source: str | os.PathLike[str] | None = None,
    where: str | None = None,
    what: str = "sample name",
) -> str:
    """``name`` unchanged when it is a safe identifier for file names; else an :class:`InputError`.

    Refused: ``/``, ``\\``, ``..``, control characters, a leading ``-``, ``.`` or ``+``, anything outside
    letters, digits and ``._+-``, and more than :data:`MAX_NAME_LENGTH` characters. A name is never
    rewritten: two different names could otherwise become one file.

    Parameters
    ----------
    source, where
        The file and line the name came from, for the message (``None`` for a command-line option).
    what
        What the name is, for the message (``"--sample-id"``).

    Raises
    ------
    InputError
        Naming the problem and the rule.

    Examples
    --------
    >>> safe_name("TAX-201-04-001-T")
    'TAX-201-04-001-T'
    >>> safe_name("/etc/passwd", what="--sample-id")
    Traceback (most recent call last):
    ...
    biomarker.errors.InputError: --sample-id '/etc/passwd' contains '/'; a sample name is an identifier ...
    """
    from biomarker.errors import InputError

    problem = name_problem(name)
    if problem is not None:
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise InputError(source, f"{what} {shown!r} {problem}", where=where, hint=NAME_RULE)
    return name


def output_path(out_dir: str | os.PathLike[str], name: str, suffix: str = "") -> Path:
    """``out_dir / (name + suffix)``, refusing any ``name`` that would land outside ``out_dir``.

    Looser than :func:`safe_name` (a name taken from a file name may hold spaces), but never a separator,
    ``.``/``..``, a control character or a leading ``-``; and the joined path must sit directly in ``out_dir``.

    Raises
    ------
    InputError
        When ``name`` is not a plain file name.

    Examples
    --------
    >>> output_path("out", "S1", ".tmb.json")
    PosixPath('out/S1.tmb.json')
    >>> output_path("out", "../S1", ".tmb.json")
    Traceback (most recent call last):
    ...
    biomarker.errors.InputError: output name '../S1' contains '/'; ...
    """
    from biomarker.errors import InputError

    problem = None
    if name in ("", ".", ".."):
        problem = "is not a file name"
    elif "/" in name or "\\" in name or os.sep in name or (os.altsep and os.altsep in name):
        problem = "contains '/'" if "/" in name else "contains a path separator"
    elif any(ord(c) < 32 or ord(c) == 127 for c in name):
        problem = "contains a control character"
    elif name.startswith("-"):
        problem = "starts with '-'"
    path = Path(out_dir) / f"{name}{suffix}"
    if problem is None and os.path.dirname(os.path.normpath(path)) != os.path.normpath(out_dir):
        problem = "does not stay inside the output folder"
    if problem is not None:
        raise InputError(None, f"output name {name!r} {problem}", hint=NAME_RULE)
    return path


def ensure_dir(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Create folder ``path`` (and its parents) or raise an :class:`InputError` saying why it cannot be.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> ensure_dir(d / "a" / "b").is_dir()
    True
    >>> _ = (d / "f").write_text("x")
    >>> ensure_dir(d / "f" / "sub")
    Traceback (most recent call last):
    ...
    biomarker.errors.InputError: ...: --out: cannot create the folder (.../f is a file); ...
    """
    from biomarker.errors import InputError

    folder = Path(path)
    hint = f"give {option} a folder you can write to"
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise InputError(folder, f"cannot create the folder ({parent} is a file)", where=option, hint=hint)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(folder, f"cannot create the folder ({exc.strerror or exc})", where=option, hint=hint) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(folder, "the folder is not writable", where=option, hint=hint)
    return folder


# -- tables meant for spreadsheets --------------------------------------------------------------
#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?|[+-]", re.ASCII)


def spreadsheet_safe(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'``; anything else unchanged.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is neutralised as OWASP recommends,
    except text that is just a number (``-1.5``, ``+3e-2``) or a lone ``-``/``+`` (a MAF deletion allele),
    which no spreadsheet evaluates. Numbers, booleans and missing values are returned as they are.

    Examples
    --------
    >>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> spreadsheet_safe("-2+3"), spreadsheet_safe("-1.5"), spreadsheet_safe(-1.5), spreadsheet_safe("S1")
    ("'-2+3", '-1.5', -1.5, 'S1')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell passed through :func:`spreadsheet_safe` (numbers untouched)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            out[col] = out[col].map(spreadsheet_safe, na_action="ignore")
    return out


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, for_spreadsheets: bool = True, **to_csv: object
) -> Path:
    """Write ``frame`` atomically as TSV (or CSV when ``path`` ends in ``.csv``), without the index.

    With ``for_spreadsheets`` (the default), text cells that a spreadsheet would run as formulas are
    neutralised (:func:`spreadsheet_safe`); use ``False`` only for files read back by programs. Further
    keywords (``float_format``, ``date_format``, ``na_rep``) go to :meth:`pandas.DataFrame.to_csv`.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.tsv"
    >>> write_table(pd.DataFrame({"usubjid": ["=1+1", "S2"], "tmb_per_mb": [-1.5, 2.0]}), p).read_text().split()
    ['usubjid', 'tmb_per_mb', "'=1+1", '-1.5', 'S2', '2.0']
    """
    sep = "," if str(path).lower().endswith((".csv", ".csv.gz")) else "\t"
    data = spreadsheet_safe_frame(frame) if for_spreadsheets else frame
    return atomic_replace(path, lambda tmp: data.to_csv(tmp, sep=sep, index=False, lineterminator="\n", **to_csv))
