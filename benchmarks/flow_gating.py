"""Benchmark: TBNK FCS gating with biomarker.flow.gate_fcs against FlowKit gating the same template directly.

Usage::

    .venv/bin/python benchmarks/flow_gating.py [--patients 20] [--repeat 3] [--big 200000] [--out results.json]

Writes a simulated study with raw FCS tubes (about 20,000 events each), then times, per file and in events/s:

- ``flowkit``: ``flowkit.Sample(path)`` + ``GatingStrategy.gate_sample`` + one ``get_gate_count`` per gate (the
  anchor: FlowKit alone, the template parsed once);
- ``flowkit_cache_events``: the same with ``gate_sample(..., cache_events=True)``, as gate_fcs calls it;
- ``gate_fcs``: :func:`biomarker.flow.gate_fcs` on the same files with its default gates fitted to each tube
  (panel and compensation checks, compensation and logicle by FlowKit, density valleys, counting with FlowKit's
  gate objects, bead QC, the table, SHA-256 of every input);
- ``gate_fcs_fixed``: the same with ``adaptive=False`` (the template's fixed positions, gated by FlowKit's
  ``gate_sample``; the fit still runs, as QC): its lymphocyte counts must equal FlowKit's own.

``--big N`` also times one tube of N events (the 20,000-event tube tiled), to see how gating scales.
Medians over ``--repeat`` runs; the first FlowKit import (about 1.3 s here) is reported on its own.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
import warnings
from array import array
from pathlib import Path

import flowio
import numpy as np


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _tile(src: Path, dst: Path, n_events: int) -> Path:
    fd = flowio.FlowData(str(src))
    events = fd.as_array(preprocess=False)
    reps = int(np.ceil(n_events / len(events)))
    big = np.tile(events, (reps, 1))[:n_events]
    meta = {
        ("$" + k.upper() if k in ("spillover", "cyt", "date", "fil", "src") else k.upper()): v
        for k, v in fd.text.items()
        if not (k.startswith("p") and k[1:2].isdigit())
        and k
        not in {
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
    }
    data = array("f")
    data.frombytes(big.astype("<f4").tobytes())
    buf = io.BytesIO()
    flowio.create_fcs(buf, data, list(fd.pnn_labels), opt_channel_names=list(fd.pns_labels), metadata_dict=meta)
    dst.write_bytes(buf.getvalue())
    return dst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big", type=int, default=200_000)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    t0 = time.perf_counter()
    import flowkit as fk

    import_s = time.perf_counter() - t0

    from biomarker.flow import DEFAULT_TEMPLATE, gate_fcs
    from biomarker.simulate import simulate_study

    with tempfile.TemporaryDirectory() as tmp:
        files = list(simulate_study(Path(tmp) / "s", n_patients=args.patients, seed=7, fcs=True, exome_mb=0.2).fcs)
        n_events = sum(int(flowio.FlowData(str(f), only_text=True).text["tot"]) for f in files)
        gs = fk.parse_gating_xml(str(DEFAULT_TEMPLATE))
        gate_ids = gs.get_gate_ids()

        def flowkit_direct(paths: list[Path], cache_events: bool = False) -> list[dict[str, int]]:
            out = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for p in paths:
                    s = fk.Sample(str(p), sample_id=str(p))
                    r = gs.gate_sample(s, cache_events=cache_events)
                    out.append({g: int(r.get_gate_count(g, path)) for g, path in gate_ids})
                    gs.clear_cache()
            return out

        def ours(paths: list[Path]) -> object:
            return gate_fcs(paths)

        def ours_fixed(paths: list[Path]) -> object:
            return gate_fcs(paths, adaptive=False)

        ours(files[:1])
        flowkit_direct(files[:1])  # warm caches and lazy imports
        rows = {}

        def flowkit_cached(paths: list[Path]) -> list[dict[str, int]]:
            return flowkit_direct(paths, cache_events=True)

        variants = (
            ("flowkit", flowkit_direct),
            ("flowkit_cache_events", flowkit_cached),
            ("gate_fcs", ours),
            ("gate_fcs_fixed", ours_fixed),
        )
        for name, fn in variants:
            secs = _median_time(lambda fn=fn: fn(files), args.repeat)
            rows[name] = {
                "files": len(files),
                "events": n_events,
                "seconds": round(secs, 3),
                "ms_per_file": round(1000 * secs / len(files), 1),
                "events_per_s": round(n_events / secs),
            }
        a, b, fitted = flowkit_direct(files), ours_fixed(files), ours(files)
        assert [r["lymphocytes"] for r in a] == b["lymph_events"].tolist(), "gate_fcs and FlowKit disagree"
        anchor = rows["flowkit_cache_events"]["ms_per_file"]
        rows["gate_fcs"]["ratio_to_flowkit_cache_events"] = round(rows["gate_fcs"]["ms_per_file"] / anchor, 2)
        rows["gate_fcs"]["flagged_tubes"] = int((fitted["qc_flags"] != "").sum())
        if args.big:
            big = _tile(files[0], Path(tmp) / "BIG_C1D1_TBNK.fcs", args.big)
            for name, fn in variants:
                secs = _median_time(lambda fn=fn: fn([big]), args.repeat)
                rows[f"{name}_{args.big}_events"] = {
                    "files": 1,
                    "events": args.big,
                    "seconds": round(secs, 3),
                    "ms_per_file": round(1000 * secs, 1),
                    "events_per_s": round(args.big / secs),
                }
    result = {"flowkit_version": fk.__version__, "flowkit_import_s": round(import_s, 2), "runs": rows}
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
