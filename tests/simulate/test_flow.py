"""TBNK lab export plausibility and raw FCS tubes that gate back to the export (flowio + numpy)."""

from __future__ import annotations

import flowio
import numpy as np
import pandas as pd

from biomarker.simulate import StudyFiles

COLUMNS = ["Sample ID", "Patient ID", "Visit", "Collection Date", "CD3+ %Lymphs", "CD3+ Abs Cnt",
           "CD3+CD4+ %Lymphs", "CD3+CD4+ Abs Cnt", "CD3+CD8+ %Lymphs", "CD3+CD8+ Abs Cnt", "CD16+CD56+ %Lymphs",
           "CD16+CD56+ Abs Cnt", "CD19+ %Lymphs", "CD19+ Abs Cnt", "CD45+ Abs Cnt", "4/8 Ratio"]


def test_tbnk_export_is_plausible(small_study: StudyFiles) -> None:
    t = pd.read_csv(small_study.tbnk)
    assert list(t.columns) == COLUMNS
    assert set(t["Visit"]) <= {"C1D1", "C2D1", "C4D1"}
    assert t[["Patient ID", "Visit"]].drop_duplicates().shape[0] == len(t)
    assert t["CD3+ %Lymphs"].between(50, 90).all()
    assert t["CD3+CD4+ %Lymphs"].between(15, 65).all() and t["CD3+CD8+ %Lymphs"].between(5, 50).all()
    assert t["CD16+CD56+ %Lymphs"].between(1, 36).all() and t["CD19+ %Lymphs"].between(1, 26).all()
    tbnk = t["CD3+ %Lymphs"] + t["CD16+CD56+ %Lymphs"] + t["CD19+ %Lymphs"]
    assert tbnk.between(96, 103).all()
    assert (t["CD3+CD4+ %Lymphs"] + t["CD3+CD8+ %Lymphs"] <= t["CD3+ %Lymphs"]).all()
    rel = (t["CD3+ Abs Cnt"] - t["CD3+ %Lymphs"] / 100 * t["CD45+ Abs Cnt"]).abs() / t["CD3+ Abs Cnt"]
    assert (rel < 0.01).all()
    assert np.allclose(t["4/8 Ratio"], t["CD3+CD4+ Abs Cnt"] / t["CD3+CD8+ Abs Cnt"], atol=0.006)


def gate(path) -> tuple[dict[str, float], float]:
    """Plain TBNK gating of one tube: % of lymphocytes and lymphocytes/uL."""
    fd = flowio.FlowData(str(path))
    ev = np.reshape(np.asarray(fd.events, dtype=float), (-1, fd.channel_count))
    chans = [fd.channels[k] for k in sorted(fd.channels, key=int)]
    names = [c["pnn"] for c in chans]
    spill = fd.text["spill"].split(",")
    n = int(spill[0])
    det = spill[1 : n + 1]
    matrix = np.asarray(spill[n + 1 :], dtype=float).reshape(n, n)
    cols = [names.index(d) for d in det]
    comp = ev.copy()
    comp[:, cols] = ev[:, cols] @ np.linalg.inv(matrix)
    ch = {(c.get("pns") or c["pnn"]).split()[0]: i for i, c in enumerate(chans)}
    x = {m: comp[:, i] for m, i in ch.items()}
    beads = (x["CD3"] > 50000) & (x["CD16+56"] > 50000)
    lymph = ~beads & (x["CD45"] > 10000) & (x["SSC-A"] < 30000)
    cd3 = lymph & (x["CD3"] > 1500)
    pct = {
        "CD3": cd3.sum(), "CD4": (cd3 & (x["CD4"] > 1500) & (x["CD8"] < 1500)).sum(),
        "CD8": (cd3 & (x["CD8"] > 1500) & (x["CD4"] < 1500)).sum(),
        "NK": (lymph & ~cd3 & (x["CD16+56"] > 1500)).sum(), "B": (lymph & ~cd3 & (x["CD19"] > 1500)).sum(),
    }
    n_lymph = lymph.sum()
    out = {k: 100 * v / n_lymph for k, v in pct.items()}
    abs_lymph = n_lymph / beads.sum() * float(fd.text["beads count"]) / float(fd.text["sample volume"])
    return out, abs_lymph, int(n_lymph), int(beads.sum())


def test_fcs_tubes_gate_back_to_the_export(small_study: StudyFiles) -> None:
    t = pd.read_csv(small_study.tbnk)
    assert len(small_study.fcs) == len(t)
    key = {"CD3": "CD3+ %Lymphs", "CD4": "CD3+CD4+ %Lymphs", "CD8": "CD3+CD8+ %Lymphs",
           "NK": "CD16+CD56+ %Lymphs", "B": "CD19+ %Lymphs"}
    for row in t.itertuples(index=False):
        path = small_study.outdir / "flow" / "fcs" / f"{row[1]}_{row[2]}_TBNK.fcs"
        fd = flowio.FlowData(str(path))
        assert fd.event_count <= 25000
        assert "spill" in fd.text and "spillover" in fd.text
        pct, abs_lymph, n_lymph, n_beads = gate(path)
        exported = dict(zip(COLUMNS, row, strict=True))
        for k, col in key.items():
            p = exported[col] / 100
            tol = 100 * 4 * np.sqrt(p * (1 - p) / n_lymph) + 1.5  # 4 SD of sampling + rounding + lymphosum
            assert abs(pct[k] - exported[col]) < tol, (path.name, k, pct[k], exported[col])
        rel_sd = np.sqrt(1 / n_lymph + 1 / n_beads)  # Poisson counts of lymphocytes and beads
        assert abs(abs_lymph / exported["CD45+ Abs Cnt"] - 1) < 4 * rel_sd + 0.005, path.name


def test_spillover_is_applied(small_study: StudyFiles) -> None:
    fd = flowio.FlowData(str(small_study.fcs[0]))
    ev = np.reshape(np.asarray(fd.events, dtype=float), (-1, fd.channel_count))
    # CD3 FITC-bright T cells spill into the PE detector; uncompensated PE of CD3+ exceeds that of CD3-
    fitc, pe, cd45, ssc = ev[:, 2], ev[:, 3], ev[:, 4], ev[:, 1]
    lymph = (cd45 > 10000) & (ssc < 30000) & (fitc < 50000)
    t_cells, others = lymph & (fitc > 3000) & (pe < 3000), lymph & (fitc < 600) & (pe < 3000)
    assert np.median(pe[t_cells]) > np.median(pe[others]) + 1000
