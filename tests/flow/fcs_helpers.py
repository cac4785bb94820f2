"""Write variants of a simulated TBNK tube (fewer events, a channel dropped, keywords changed) with flowio."""

from __future__ import annotations

import io
from array import array
from collections.abc import Iterable, Mapping
from pathlib import Path

import flowio
import numpy as np

_STANDARD = {"cyt", "cytsn", "date", "fil", "src", "spillover"}
_STRUCTURAL = {
    "beginanalysis",
    "begindata",
    "beginstext",
    "byteord",
    "datatype",
    "endanalysis",
    "enddata",
    "endstext",
    "mode",
    "nextdata",
    "tot",
    "par",
}


def read_events(path: Path) -> tuple[np.ndarray, list[str], list[str], dict[str, str]]:
    fd = flowio.FlowData(str(path))
    events = fd.as_array(preprocess=False)
    meta = {k: v for k, v in fd.text.items() if k not in _STRUCTURAL and not (k.startswith("p") and k[1:2].isdigit())}
    return events, list(fd.pnn_labels), list(fd.pns_labels), meta


def write_variant(
    src: Path,
    dst: Path,
    *,
    keep: np.ndarray | None = None,
    drop_channels: Iterable[str] = (),
    set_keywords: Mapping[str, str] | None = None,
    drop_keywords: Iterable[str] = (),
    markers: list[str] | None = None,
) -> Path:
    """Copy ``src`` to ``dst`` keeping rows ``keep`` (bool mask), without some channels and keywords."""
    events, pnn, pns, meta = read_events(src)
    drop = set(drop_channels)
    cols = [i for i, n in enumerate(pnn) if n not in drop]
    if keep is not None:
        events = events[keep]
    events = events[:, cols]
    pnn, pns = [pnn[i] for i in cols], [pns[i] for i in cols]
    if markers is not None:
        pns = markers
    if drop and "spillover" in meta:
        parts = meta["spillover"].split(",")
        n = int(parts[0])
        names = parts[1 : 1 + n]
        matrix = np.array([float(x) for x in parts[1 + n :]]).reshape(n, n)
        idx = [i for i, name in enumerate(names) if name not in drop]
        spill = ",".join(
            [str(len(idx)), *[names[i] for i in idx], *(f"{v:.4f}" for v in matrix[np.ix_(idx, idx)].ravel())]
        )
        meta["spillover"] = meta["spill"] = spill
    for k in drop_keywords:
        meta.pop(k.lower(), None)
    meta.update({k.lower(): v for k, v in (set_keywords or {}).items()})
    out = {("$" + k.upper() if k in _STANDARD else k.upper()): v for k, v in meta.items()}
    data = array("f")
    data.frombytes(events.astype("<f4").tobytes())
    buf = io.BytesIO()
    flowio.create_fcs(buf, data, pnn, opt_channel_names=pns, metadata_dict=out)
    dst.write_bytes(buf.getvalue())
    return dst
