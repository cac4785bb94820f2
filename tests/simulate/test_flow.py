"""TBNK lab export plausibility and raw FCS tubes that gate back to the export (flowio + numpy)."""

from __future__ import annotations

import flowio
import numpy as np
import pandas as pd

from biomarker.simulate import StudyFiles

COLUMNS = [
    "Sample ID",
    "Patient ID",
    "Visit",
    "Collection Date",
    "CD3+ %Lymphs",
    "CD3+ Abs Cnt",
    "CD3+CD4+ %Lymphs",
    "CD3+CD4+ Abs Cnt",
    "CD3+CD8+ %Lymphs",
    "CD3+CD8+ Abs Cnt",
    "CD16+CD56+ %Lymphs",
    "CD16+CD56+ Abs Cnt",
    "CD19+ %Lymphs",
    "CD19+ Abs Cnt",
    "CD45+ Abs Cnt",
    "4/8 Ratio",
]


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


def _planted(study) -> dict[tuple[str, str], dict[str, str]]:
    rows = pd.read_csv(study.outdir / "truth" / "fcs_events.csv", dtype=str)
    return {(r["usubjid"], r["visit"]): r for r in rows.to_dict("records")}


def test_fcs_tubes_plant_the_exported_subsets(small_study: StudyFiles) -> None:
    """Each tube's planted singlet lymphocytes are drawn (multinomially) from the exported %: within 4 binomial SDs;
    the bead count gives the exported lymphocyte count within Poisson error."""
    t = pd.read_csv(small_study.tbnk)
    planted = _planted(small_study)
    assert len(small_study.fcs) == len(t) == len(planted)
    key = {
        "CD3": ("cd4_t", "cd8_t", "dp_t", "dn_t"),
        "CD3+CD4+": ("cd4_t",),
        "CD3+CD8+": ("cd8_t",),
        "CD16+CD56+": ("nk",),
        "CD19+": ("b",),
    }
    for row in t.to_dict("records"):
        truth = {
            k: int(v)
            for k, v in planted[(row["Patient ID"], row["Visit"])].items()
            if k not in ("usubjid", "visit", "file") and "." not in v
        }
        lymph = sum(truth[k] for k in ("cd4_t", "cd8_t", "dp_t", "dn_t", "nk", "b", "lymph_other"))
        for marker, pops in key.items():
            col = "CD3+ %Lymphs" if marker == "CD3" else f"{marker} %Lymphs"
            p = row[col] / 100
            got = 100 * sum(truth[k] for k in pops) / lymph
            assert abs(got - row[col]) < 100 * 4 * np.sqrt(p * (1 - p) / lymph) + 1.5 + (
                2.0 if marker == "CD3+CD4+" else 0
            ), (marker, got)
        abs_lymph = lymph / truth["beads"] * truth["beads_per_test"] / truth["sample_volume_ul"]
        assert abs(abs_lymph / row["CD45+ Abs Cnt"] - 1) < 4 * np.sqrt(1 / lymph + 1 / truth["beads"]) + 0.005
        assert truth["doublets"] > 0 and truth["debris"] > 0 and truth["mono"] > 0 and truth["gran"] > 0


def test_fcs_tubes_are_raw_detector_data_with_doublets(small_study: StudyFiles) -> None:
    fd = flowio.FlowData(str(small_study.fcs[0]))
    ev = np.reshape(np.asarray(fd.events, dtype=float), (-1, fd.channel_count))
    names = [fd.channels[k]["pnn"] for k in sorted(fd.channels, key=int)]
    assert names[:3] == ["FSC-A", "FSC-H", "SSC-A"] and "spill" in fd.text and "spillover" in fd.text
    assert fd.text["tube name"] == "TBNK 6-COLOR TRUCOUNT" and fd.event_count <= 25000
    ratio = ev[:, 1] / np.maximum(ev[:, 0], 1)
    truth = next(iter(_planted(small_study).values()))
    doublets = int(((ratio > 0.4) & (ratio < 0.62)).sum())  # FSC-H/FSC-A: singlets 0.85, doublets about 0.55
    assert abs(doublets - int(truth["doublets"])) <= 0.2 * int(truth["doublets"]) + 5


def test_perturbed_tubes_carry_their_perturbation(tmp_path) -> None:
    from biomarker.simulate.fcs import Perturbation, write_fcs
    from biomarker.simulate.tbnk import TbnkResult

    res = TbnkResult("TB1", "S-1", "C1D1", 0, 70, 40, 25, 15, 12, 1310)
    plain = write_fcs(tmp_path / "a.fcs", np.random.default_rng(3), res, "2024-01-02", Perturbation(drift=False))
    few = write_fcs(
        tmp_path / "b.fcs",
        np.random.default_rng(3),
        res,
        "2024-01-02",
        Perturbation(
            drift=False, bead_fraction=0.1, compensation=False, markers={"FITC-A": "CD11a FITC"}, ssc_gain=2.0
        ),
    )
    assert few[1][15] == round(plain[1][15] * 0.1) and few[1][-3:] == [2.0, 1.0, 1.0]
    fd = flowio.FlowData(str(few[0]))
    assert "spill" not in fd.text and "spillover" not in fd.text
    assert [fd.channels[k].get("pns") for k in sorted(fd.channels, key=int)][3] == "CD11a FITC"


def test_spillover_is_applied(small_study: StudyFiles) -> None:
    fd = flowio.FlowData(str(small_study.fcs[0]))
    ev = np.reshape(np.asarray(fd.events, dtype=float), (-1, fd.channel_count))
    # CD3 FITC-bright T cells spill into the PE detector; uncompensated PE of CD3+ exceeds that of CD3-
    fitc, pe, cd45, ssc = ev[:, 3], ev[:, 4], ev[:, 5], ev[:, 2]
    lymph = (cd45 > 8000) & (ssc < 30000) & (fitc < 50000)
    t_cells, others = lymph & (fitc > 3000) & (pe < 3000), lymph & (fitc < 600) & (pe < 3000)
    assert np.median(pe[t_cells]) > np.median(pe[others]) + 1000
