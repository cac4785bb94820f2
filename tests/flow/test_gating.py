"""gate_fcs on simulated TBNK tubes against the planted truth, the same answer through a FlowJo workspace, and
clear errors for damaged files, missing channels and panels without beads."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("flowkit")

from biomarker.errors import InputError
from biomarker.flow import DEFAULT_TEMPLATE, TBNK_COLUMNS, gate_counts, gate_fcs, gate_tubes, load_template, read_fcs

from .fcs_helpers import read_events, write_variant

SUBSETS = {
    "cd3": ("cd4_t", "cd8_t", "dp_t", "dn_t"),
    "cd4": ("cd4_t",),
    "cd8": ("cd8_t",),
    "dp_t": ("dp_t",),
    "dn_t": ("dn_t",),
    "b": ("b",),
    "nk": ("nk",),
}
LYMPH = ("cd4_t", "cd8_t", "dp_t", "dn_t", "nk", "b", "lymph_other")


def _tbnk_rows(study: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((study / "flow" / "tbnk.csv").read_text().splitlines()))


def _planted(study: Path) -> dict[tuple[str, str], dict[str, float]]:
    """The events the simulator planted in every tube (``truth/fcs_events.csv``), as % of lymphocytes and
    cells/uL (beads per test / sample volume)."""
    out = {}
    for r in csv.DictReader((study / "truth" / "fcs_events.csv").read_text().splitlines()):
        counts = {k: int(v) for k, v in r.items() if k in (*LYMPH, "beads")}
        per_bead = float(r["beads_per_test"]) / float(r["sample_volume_ul"]) / counts["beads"]
        lymph = sum(counts[p] for p in LYMPH)
        truth = {"lymph_abs_per_ul": lymph * per_bead}
        for subset, pops in SUBSETS.items():
            n = sum(counts[p] for p in pops)
            truth[f"{subset}_pct_lymph"] = 100 * n / lymph
            truth[f"{subset}_abs_per_ul"] = n * per_bead
        out[(r["usubjid"], r["visit"])] = truth
    return out


@pytest.fixture(scope="module")
def gated(fcs_files: list[Path]):
    return gate_fcs(fcs_files)


def test_every_subset_within_1_point_and_5_percent_of_the_planted_truth(gated, fcs_study: Path) -> None:
    planted = _planted(fcs_study)
    assert len(gated) == len(planted) == 12
    assert list(gated.columns[: len(TBNK_COLUMNS)]) == list(TBNK_COLUMNS)
    worst_pct = worst_abs = 0.0
    for row in gated.itertuples():
        truth = planted[(row.usubjid, row.visit)]
        for subset in SUBSETS:
            d = abs(getattr(row, f"{subset}_pct_lymph") - truth[f"{subset}_pct_lymph"])
            r = abs(getattr(row, f"{subset}_abs_per_ul") / truth[f"{subset}_abs_per_ul"] - 1)
            assert d <= 1.0, (row.usubjid, row.visit, subset, d)
            if subset not in ("dp_t", "dn_t"):  # a few dozen events: 5% of them is sampling noise
                assert r <= 0.05, (row.usubjid, row.visit, subset, r)
                worst_pct, worst_abs = max(worst_pct, d), max(worst_abs, r)
        assert row.lymph_abs_per_ul == pytest.approx(truth["lymph_abs_per_ul"], rel=0.02)
    # drifting tubes with doublets, debris, dim CD8 and NK: the fitted gates stay well inside the tolerance
    assert worst_pct < 0.6 and worst_abs < 0.03


def test_against_the_exported_tbnk_table_within_sampling_error(gated, fcs_study: Path) -> None:
    """tbnk.csv is what the tube's populations were drawn from (multinomially, about 5,000 lymphocytes): gated %
    agree within 4 binomial SEs (and the lymphocyte count, fixed by construction, within 0.5%)."""
    table = {(r["Patient ID"], r["Visit"]): r for r in _tbnk_rows(fcs_study)}
    cols = {
        "cd3": "CD3+ %Lymphs",
        "cd4": "CD3+CD4+ %Lymphs",
        "cd8": "CD3+CD8+ %Lymphs",
        "b": "CD19+ %Lymphs",
        "nk": "CD16+CD56+ %Lymphs",
    }
    for row in gated.itertuples():
        r = table[(row.usubjid, row.visit)]
        lymphosum = float(r["CD3+ %Lymphs"]) + float(r["CD19+ %Lymphs"]) + float(r["CD16+CD56+ %Lymphs"])
        for subset, col in cols.items():
            expected = float(r[col]) * 100 / max(lymphosum, 100)  # the simulator rescales lymphosums above 100
            se = 100 * math.sqrt(expected / 100 * (1 - expected / 100) / row.lymph_events)
            assert abs(getattr(row, f"{subset}_pct_lymph") - expected) <= max(1.0, 4 * se)
        assert row.lymph_abs_per_ul == pytest.approx(float(r["CD45+ Abs Cnt"]), rel=0.02)
        assert row.sample_id == r["Sample ID"] and row.collection_date == r["Collection Date"]
    assert gated.qc_flags.eq("").all()
    assert (gated.beads_per_test == 50000).all() and (gated.sample_volume_ul == 50).all()
    prov = gated.attrs["provenance"]
    assert prov["template"] == str(DEFAULT_TEMPLATE) and len(prov["inputs"]) == 12


def test_a_folder_stands_for_its_fcs_files(fcs_files: list[Path], gated) -> None:
    t = gate_fcs(fcs_files[0].parent)
    assert t.source.tolist() == [f.name for f in fcs_files]
    assert t.cd3_pct_lymph.tolist() == gated.cd3_pct_lymph.tolist()


def test_beads_per_test_from_the_kit_lot_overrides_the_keyword(fcs_files: list[Path], gated) -> None:
    t = gate_fcs(fcs_files[:1], beads_per_test=45000, sample_volume_ul=50)
    assert t.cd8_abs_per_ul.iloc[0] == pytest.approx(gated.cd8_abs_per_ul.iloc[0] * 0.9)
    assert t.cd8_pct_lymph.iloc[0] == gated.cd8_pct_lymph.iloc[0]


def test_a_flowjo_workspace_gives_the_same_table(fcs_files: list[Path], gated, tmp_path: Path) -> None:
    import flowkit as fk

    files = fcs_files[:2]
    # FlowJo keeps the acquisition matrix in the workspace; FlowKit's export_wsp writes only named matrices
    # (not Gating-ML's compensation-ref="FCS"), so name the file's own $SPILLOVER matrix.
    template = tmp_path / "named_matrix.xml"
    template.write_text(
        DEFAULT_TEMPLATE.read_text().replace('compensation-ref="FCS"', 'compensation-ref="Acquisition"')
    )
    sample = fk.Sample(str(files[0]))
    detectors = [sample.pnn_labels[i] for i in sample.fluoro_indices]
    matrix = fk.Matrix(sample.get_metadata()["spillover"], detectors, detectors)
    session = fk.Session(fcs_samples=[str(f) for f in files])
    session.add_comp_matrix("Acquisition", matrix)
    gs = load_template(template)
    session.add_transform("logicle", gs.get_transform("logicle"))
    for gate_id, gate_path in gs.get_gate_ids():
        session.add_gate(gs.get_gate(gate_id, gate_path), gate_path)
    wsp = tmp_path / "tbnk.wsp"
    with open(wsp, "wb") as fh:
        session.export_wsp(fh, "TBNK")
    _apply_matrix_to_each_sample(wsp)
    t = gate_fcs(files, workspace=wsp)
    fixed = gate_fcs(files, adaptive=False)  # a workspace's gates are its own: compare with the template's
    for col in ("lymph_events", "bead_events", "cd3_pct_lymph", "cd4_abs_per_ul", "nk_pct_lymph"):
        assert t[col].tolist() == pytest.approx(fixed[col].tolist(), rel=1e-9)
    assert t.qc_flags.eq("").all()
    with pytest.raises(InputError, match=r"'T cells'.*absent"):
        gate_fcs(files, workspace=wsp, gate_names={"t_cells": "T cells"})
    # a workspace without a matrix gates uncompensated data: flagged, never silent
    bare = tmp_path / "bare.wsp"
    with open(bare, "wb") as fh:
        fk.Session(gating_strategy=str(DEFAULT_TEMPLATE), fcs_samples=[str(f) for f in files]).export_wsp(fh, "TBNK")
    assert gate_fcs(files, workspace=bare).qc_flags.str.contains("workspace_uncompensated").all()


def _apply_matrix_to_each_sample(wsp: Path) -> None:
    """FlowJo 10 writes the applied matrix inside each <Sample> (FlowKit reads it there); FlowKit 1.3's
    export_wsp lists it only under <Matrices>. Copy it in, as FlowJo would."""
    from copy import deepcopy

    from lxml import etree

    tree = etree.parse(str(wsp))
    matrix = tree.getroot().find("Matrices")[0]
    for sample in tree.getroot().find("SampleList"):
        sample.insert(1, deepcopy(matrix))
    tree.write(str(wsp), xml_declaration=True, encoding="UTF-8")


def test_shipped_template_is_valid_gating_ml_2_and_has_every_gate() -> None:
    import os

    import flowkit
    from lxml import etree

    xsd = Path(os.path.dirname(flowkit.__file__)) / "_resources" / "Gating-ML.v2.0.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(etree.parse(str(DEFAULT_TEMPLATE))), schema.error_log
    gs = load_template()
    assert {g for g, _ in gs.get_gate_ids()} == {
        "singlets",
        "lymphocytes",
        "t_cells",
        "cd4_t",
        "cd8_t",
        "dp_t",
        "dn_t",
        "b_cells",
        "nk_cells",
        "beads",
    }


def test_truncated_corrupt_and_empty_files(fcs_files: list[Path], tmp_path: Path) -> None:
    data = fcs_files[0].read_bytes()
    truncated = tmp_path / "S1_C1D1_trunc.fcs"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"S1_C1D1_trunc.fcs: cannot read FCS .*truncated or damaged"):
        gate_fcs([truncated])
    junk = tmp_path / "junk.fcs"
    junk.write_bytes(b"this is a spreadsheet, not a flow file" * 20)
    with pytest.raises(InputError, match=r"not an FCS file"):
        read_fcs(junk)
    header_only = tmp_path / "header.fcs"
    header_only.write_bytes(data[:58])
    with pytest.raises(InputError, match=r"cannot read FCS"):
        read_fcs(header_only)
    empty = tmp_path / "empty.fcs"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty FCS file"):
        read_fcs(empty)
    with pytest.raises(InputError, match=r"not found"):
        read_fcs(tmp_path / "missing.fcs")


def test_on_error_skip_keeps_the_others(fcs_files: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "S9_C1D1_TBNK.fcs"
    bad.write_bytes(fcs_files[0].read_bytes()[:3000])
    result = gate_tubes([fcs_files[0], bad], on_error="skip")
    t, status = result.tables["tbnk"], result.tables["tbnk_tube_status"]
    assert t.source.tolist() == [fcs_files[0].name]
    assert status.status.tolist() == ["ok", "failed"]
    assert status.file.iloc[1] == bad.name and "cannot read FCS" in status.reason.iloc[1]
    with pytest.raises(InputError, match="cannot read FCS"):
        gate_tubes([fcs_files[0], bad])


def test_missing_channel_is_named(fcs_files: list[Path], tmp_path: Path) -> None:
    no_cd19 = write_variant(fcs_files[0], tmp_path / "S1_C1D1_TBNK.fcs", drop_channels=["APC-A"])
    with pytest.raises(
        InputError, match=r"S1_C1D1_TBNK.fcs: not the TBNK panel of tbnk_6colour.xml: no CD19 in the file"
    ):
        gate_fcs([no_cd19])


def test_a_spillover_keyword_naming_absent_channels(fcs_files: list[Path], tmp_path: Path) -> None:
    bad = write_variant(
        fcs_files[0],
        tmp_path / "S1_C1D1_TBNK.fcs",
        set_keywords={"spillover": "2,FITC-A,BV421-A,1,0.1,0,1", "spill": "2,FITC-A,BV421-A,1,0.1,0,1"},
    )
    with pytest.raises(InputError, match=r"S1_C1D1_TBNK.fcs: \$SPILLOVER names channel\(s\) BV421-A the file does not"):
        gate_fcs([bad])
    not_one = write_variant(
        fcs_files[0],
        tmp_path / "S2_C1D1_TBNK.fcs",
        set_keywords={"spillover": "2,FITC-A,PE-A,0.5,0.1,0,1", "spill": ""},
    )
    with pytest.raises(InputError, match=r"diagonal is not 1 \(0.5, 1\): not a spillover matrix"):
        gate_fcs([not_one])


def test_fcs2_comp_keyword_compensates_like_spillover(fcs_files: list[Path], tmp_path: Path) -> None:
    """FCS 2.0 ``$COMP``: n then n x n values, no names (the fluorescence channels in order)."""
    _events, _pnn, _, meta = read_events(fcs_files[0])
    parts = meta["spillover"].split(",")
    comp = ",".join([parts[0], *parts[1 + int(parts[0]) :]])
    only_comp = write_variant(
        fcs_files[0], tmp_path / "S1_C1D1_TBNK.fcs", drop_keywords=["spillover", "spill"], set_keywords={"comp": comp}
    )
    t = gate_fcs([only_comp, fcs_files[1]])
    same = gate_fcs(fcs_files[:1])
    assert t.qc_flags.iloc[0] == "" and t.cd4_pct_lymph.iloc[0] == pytest.approx(same.cd4_pct_lymph.iloc[0])


def test_panel_without_beads(fcs_files: list[Path], tmp_path: Path) -> None:
    events, pnn, _, _ = read_events(fcs_files[0])
    beads = (events[:, pnn.index("FITC-A")] > 40000) & (events[:, pnn.index("PE-A")] > 40000)
    assert 1000 < beads.sum() < 9000
    no_beads = write_variant(fcs_files[0], tmp_path / "S1_C1D1_TBNK.fcs", keep=~beads)
    with pytest.raises(InputError, match=r"no bead events in the 'beads' gate.*absolute=False"):
        gate_fcs([no_beads])
    t = gate_fcs([no_beads], absolute=False)
    assert np.isnan(t.cd3_abs_per_ul.iloc[0]) and 50 < t.cd3_pct_lymph.iloc[0] < 95
    # a template without a beads gate: asked for absolute counts -> error naming the gate
    xml = DEFAULT_TEMPLATE.read_text()
    start = xml.index("<!-- Trucount beads")
    end = xml.index("</gating:RectangleGate>", start) + len("</gating:RectangleGate>")
    template = tmp_path / "no_beads.xml"
    template.write_text(xml[:start] + xml[end:])
    with pytest.raises(InputError, match="template has no gate\\(s\\) beads"):
        gate_fcs([fcs_files[0]], template=template)
    assert gate_fcs([fcs_files[0]], template=template, absolute=False).cd3_pct_lymph.iloc[0] > 0


def test_bead_count_and_volume_keywords(fcs_files: list[Path], tmp_path: Path) -> None:
    no_kw = write_variant(
        fcs_files[0],
        tmp_path / "S1_C1D1_TBNK.fcs",
        drop_keywords=["BEADS COUNT", "SAMPLE VOLUME", "SAMPLE VOLUME UNIT"],
    )
    with pytest.raises(InputError, match=r"no beads per test.*--beads N"):
        gate_fcs([no_kw])
    t = gate_fcs([no_kw], beads_per_test=50000)
    assert t.qc_flags.iloc[0] == "sample_volume_assumed_50ul"
    assert t.cd4_abs_per_ul.iloc[0] == pytest.approx(gate_fcs(fcs_files[:1]).cd4_abs_per_ul.iloc[0])
    ml = write_variant(
        fcs_files[0],
        tmp_path / "S2_C1D1_TBNK.fcs",
        set_keywords={"SAMPLE VOLUME": "0.1", "SAMPLE VOLUME UNIT": "mL", "PATIENT ID": "S2"},
    )
    half = gate_fcs([ml])
    full = gate_fcs([fcs_files[0]])
    assert half.cd3_abs_per_ul.iloc[0] == pytest.approx(full.cd3_abs_per_ul.iloc[0] / 2)


def test_subject_and_visit_from_keywords_or_a_manifest_never_the_file_name(
    fcs_files: list[Path], tmp_path: Path
) -> None:
    renamed = write_variant(
        fcs_files[0], tmp_path / "P77_Cycle 2 Day 1_tube.fcs", drop_keywords=["PATIENT ID", "VISIT"]
    )
    with pytest.raises(InputError, match=r"tube.fcs: no subject or visit: no PATIENT ID and VISIT keyword.*manifest"):
        gate_fcs([renamed])
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,subject,visit,date\nP77_Cycle 2 Day 1_tube.fcs,P-0077,Cycle 2 Day 1,2024-03-05\n")
    t = gate_fcs([renamed], manifest=manifest)
    assert (t.usubjid.iloc[0], t.visit.iloc[0], t.collection_date.iloc[0]) == ("P-0077", "C2D1", "2024-03-05")
    with pytest.raises(InputError, match=r"copy.fcs: not in the manifest"):
        gate_fcs([_copy(fcs_files[0], tmp_path / "copy.fcs")], manifest=manifest)
    copy = tmp_path / "copy.fcs"
    copy.write_bytes(fcs_files[0].read_bytes())
    with pytest.raises(InputError, match=r"is in more than one file"):
        gate_fcs([fcs_files[0], copy])


def test_bad_template(tmp_path: Path, fcs_files: list[Path]) -> None:
    bad = tmp_path / "t.xml"
    bad.write_text("<gating:Gating-ML>not closed")
    with pytest.raises(InputError, match=r"not a readable Gating-ML 2.0 template"):
        gate_fcs(fcs_files[:1], template=bad)
    counts = gate_counts(fcs_files[0])
    assert set(counts) == {
        "singlets",
        "lymphocytes",
        "t_cells",
        "cd4_t",
        "cd8_t",
        "dp_t",
        "dn_t",
        "b_cells",
        "nk_cells",
        "beads",
    }


def _copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    return dst
