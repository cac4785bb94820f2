"""A SAS transport (XPT v5) file that was cut short is refused, never read as fewer records."""

from __future__ import annotations

from pathlib import Path

from biomarker.errors import InputError


def check_xpt(path: Path) -> None:
    """A SAS transport (v5) file is a sequence of 80-byte records: any other length was cut short."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(80)
    if not head.startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!"):
        if head.startswith(b"HEADER RECORD*******LIBV8"):
            return  # version 8 transport: no fixed record length to check
        raise InputError(path, "not a SAS transport (XPT) file: the library header record is missing")
    if size % 80:
        raise InputError(
            path,
            f"truncated SAS XPT file: {size} bytes is not a whole number of 80-byte records",
            hint="the file was cut short in transfer: deliver it again",
        )
    problem = _xpt_cut_short(path.read_bytes())
    if problem:
        raise InputError(path, f"truncated SAS XPT file: {problem}", hint="the file was cut short: deliver it again")


def _xpt_cut_short(data: bytes) -> str | None:
    """What shows a one-member XPT v5 file was cut short (``None`` when it looks whole or cannot be checked).

    The variable descriptions (NAMESTR) and the observation header must be complete; after the observations
    come only blanks up to the next 80-byte boundary, so any other bytes after the last whole observation are
    the start of one that was cut.
    """
    import struct

    if data.count(b"HEADER RECORD*******MEMBER  HEADER RECORD") != 1:
        return None
    try:
        i = data.index(b"HEADER RECORD*******NAMESTR HEADER RECORD")
        n_vars = int(data[i + 54 : i + 58])
        member = data.index(b"HEADER RECORD*******MEMBER  HEADER RECORD")
        size = int(data[member + 74 : member + 78])  # 140 (or 136 on VAX)
    except ValueError:
        return None
    first = i + 80
    obs = data.find(b"HEADER RECORD*******OBS     HEADER RECORD", first)
    if obs < 0 or obs + 80 > len(data) or first + n_vars * size > len(data):
        return "the observation header is missing"
    obs_len = sum(struct.unpack(">h", data[first + k * size + 4 : first + k * size + 6])[0] for k in range(n_vars))
    body = data[obs + 80 :]
    rest = len(body) % obs_len if obs_len > 0 else 0
    if rest and body[len(body) - rest :].strip(b" "):
        return f"the last observation is cut after {rest} of its {obs_len} bytes"
    return None
