"""Real FCS files from ../shared/fixtures/flow read and gated, each count checked against an independent numpy
gating of the same events (compensation by inverting $SPILLOVER/SPILL, logicle by its closed-form inverse)."""

from __future__ import annotations

import math
from pathlib import Path

import flowio
import numpy as np
import pytest
from matplotlib.path import Path as MplPath

pytest.importorskip("flowkit")

from biomarker.errors import InputError
from biomarker.flow import gate_counts, gate_fcs, read_fcs

pytestmark = pytest.mark.shared_fixtures

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<gating:Gating-ML xmlns:gating="http://www.isac-net.org/std/Gating-ML/v2.0/gating"
    xmlns:transforms="http://www.isac-net.org/std/Gating-ML/v2.0/transformations"
    xmlns:data-type="http://www.isac-net.org/std/Gating-ML/v2.0/datatypes">
  <transforms:transformation transforms:id="logicle">
    <transforms:logicle transforms:T="262144" transforms:W="0.5" transforms:M="4.5" transforms:A="0"/>
  </transforms:transformation>
"""


def _dim(
    name: str, comp: str = "uncompensated", xform: str | None = None, lo: float | None = None, hi: float | None = None
) -> str:
    attrs = f'gating:compensation-ref="{comp}"'
    attrs += f' gating:transformation-ref="{xform}"' if xform else ""
    attrs += f' gating:min="{lo}"' if lo is not None else ""
    attrs += f' gating:max="{hi}"' if hi is not None else ""
    return f'<gating:dimension {attrs}><data-type:fcs-dimension data-type:name="{name}"/></gating:dimension>'


def _rect(gid: str, dims: list[str], parent: str | None = None) -> str:
    p = f' gating:parent_id="{parent}"' if parent else ""
    return f'<gating:RectangleGate gating:id="{gid}"{p}>{"".join(dims)}</gating:RectangleGate>\n'


def _poly(gid: str, x: str, y: str, vertices: list[tuple[float, float]]) -> str:
    v = "".join(
        f'<gating:vertex><gating:coordinate data-type:value="{a}"/><gating:coordinate data-type:value="{b}"/>'
        f"</gating:vertex>"
        for a, b in vertices
    )
    return f'<gating:PolygonGate gating:id="{gid}">{_dim(x)}{_dim(y)}{v}</gating:PolygonGate>\n'


def _template(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "t.xml"
    p.write_text(HEAD + body + "</gating:Gating-ML>\n")
    return p


def _events(path: Path, **kw: bool) -> tuple[np.ndarray, list[str], dict[str, str]]:
    fd = flowio.FlowData(str(path), **kw)
    return fd.as_array(preprocess=True), list(fd.pnn_labels), fd.text


def _compensate(events: np.ndarray, pnn: list[str], spill: str) -> np.ndarray:
    parts = [p.strip() for p in spill.split(",")]
    n = int(parts[0])
    names = parts[1 : 1 + n]
    matrix = np.array([float(x) for x in parts[1 + n :]]).reshape(n, n)
    out = events.copy()
    idx = [pnn.index(name) for name in names]
    out[:, idx] = events[:, idx] @ np.linalg.inv(matrix)
    return out


def _logicle_inverse(y: float, t: float = 262144, w: float = 0.5, m: float = 4.5, a: float = 0.0) -> float:
    """Data value at logicle scale value ``y`` (Moore & Parks 2012, the biexponential in closed form)."""
    w_, x2 = w / (m + a), a / (m + a)
    x1, x0 = x2 + w_, x2 + 2 * w_
    b = (m + a) * math.log(10)
    lo, hi = 1e-12, b  # d solves 2 (ln d - ln b) + w (b + d) = 0
    for _ in range(200):
        d = (lo + hi) / 2
        lo, hi = (d, hi) if 2 * (math.log(d) - math.log(b)) + w_ * (b + d) < 0 else (lo, d)
    ca = math.exp(x0 * (b + d))
    mfa = math.exp(b * x1) - ca / math.exp(d * x1)
    aa = t / ((math.exp(b) - mfa) - ca / math.exp(d))
    return aa * math.exp(b * y) - ca * aa * math.exp(-d * y) - mfa * aa


def test_logicle_inverse_is_right() -> None:
    import flowkit as fk

    xf = fk.transforms.LogicleTransform(param_t=262144, param_w=0.5, param_m=4.5, param_a=0)
    for y in (0.2, 0.45, 0.6, 0.85):
        assert xf.apply(np.array([[_logicle_inverse(y)]]))[0, 0] == pytest.approx(y, abs=1e-6)


def test_data1_gating_ml_reference_file(shared_fixtures: Path, tmp_path: Path) -> None:
    path = shared_fixtures / "flow" / "data1.fcs"
    sample = read_fcs(path)
    assert sample.event_count == 13367 and sample.version == "2.0"
    assert sample.pns_labels[2:5] == ["CD4 FITC", "CD8 B PE", "CD3 PerCP"]
    # vertices off the data grid (SSC-H takes values like 5.5): an event on an edge may count either way
    verts = [(35.37, 5.13), (95.41, 5.13), (95.41, 35.29), (60.53, 45.61), (35.37, 30.17)]
    template = _template(
        tmp_path,
        _poly("lymph", "FSC-H", "SSC-H", verts)
        + _rect("cd3", [_dim("FL3-H", lo=20.5)], "lymph")
        + _rect("cd4", [_dim("FL1-H", lo=20.5), _dim("FL2-H", hi=20.5)], "cd3"),
    )
    counts = gate_counts(path, template)
    ev, pnn, _ = _events(path)
    lymph = MplPath(verts).contains_points(ev[:, [pnn.index("FSC-H"), pnn.index("SSC-H")]])
    cd3 = lymph & (ev[:, pnn.index("FL3-H")] >= 20.5)
    cd4 = cd3 & (ev[:, pnn.index("FL1-H")] >= 20.5) & (ev[:, pnn.index("FL2-H")] < 20.5)
    assert counts == {"lymph": lymph.sum(), "cd3": cd3.sum(), "cd4": cd4.sum()}
    assert 100 < counts["cd4"] < counts["cd3"] < counts["lymph"] < 13367


@pytest.mark.filterwarnings("ignore:FCS file test_comp_example.fcs reported incorrect data offset")
def test_comp_example_needs_ignore_offset_error_and_compensates_spill(shared_fixtures: Path, tmp_path: Path) -> None:
    path = shared_fixtures / "flow" / "test_comp_example.fcs"
    with pytest.raises(InputError, match=r"off by 1.*ignore_offset_error=True"):
        read_fcs(path)
    sample = read_fcs(path, ignore_offset_error=True)
    assert sample.event_count == 10703
    template = _template(
        tmp_path,
        _rect("cd3", [_dim("PE-Cy7-A", "FCS", lo=1000.5)]) + _rect("cd4", [_dim("PacBlu-A", "FCS", lo=500.5)], "cd3"),
    )
    counts = gate_counts(sample, template)
    ev, pnn, text = _events(path, ignore_offset_error=True)
    comp = _compensate(ev, pnn, text["spill"])
    cd3 = comp[:, pnn.index("PE-Cy7-A")] >= 1000.5
    cd4 = cd3 & (comp[:, pnn.index("PacBlu-A")] >= 500.5)
    assert counts == {"cd3": cd3.sum(), "cd4": cd4.sum()}
    assert counts["cd4"] > 0


def test_100715_spill_and_logicle(shared_fixtures: Path, tmp_path: Path) -> None:
    path = shared_fixtures / "flow" / "100715.fcs"
    template = _template(
        tmp_path,
        _rect("cd3", [_dim("R780-A", "FCS", "logicle", lo=0.6)])
        + _rect("cd8", [_dim("V800-A", "FCS", "logicle", lo=0.62), _dim("V655-A", "FCS", "logicle", hi=0.55)], "cd3"),
    )
    counts = gate_counts(path, template)
    ev, pnn, text = _events(path)
    comp = _compensate(ev, pnn, text["spill"])
    cd3 = comp[:, pnn.index("R780-A")] >= _logicle_inverse(0.6)
    cd8 = (
        cd3
        & (comp[:, pnn.index("V800-A")] >= _logicle_inverse(0.62))
        & (comp[:, pnn.index("V655-A")] < _logicle_inverse(0.55))
    )
    assert counts["cd3"] == pytest.approx(cd3.sum(), abs=2)  # events exactly at a threshold may round either way
    assert counts["cd8"] == pytest.approx(cd8.sum(), abs=2)
    assert 0 < counts["cd8"] < counts["cd3"] < 65016


def test_facs_diva_b_cells(shared_fixtures: Path, tmp_path: Path) -> None:
    path = shared_fixtures / "flow" / "facs_diva_test.fcs"
    template = _template(
        tmp_path,
        _rect("cd45", [_dim("PerCP-A", "FCS", "logicle", lo=0.7), _dim("SSC-A", hi=100000.5)])
        + _rect("b", [_dim("APC-A", "FCS", "logicle", lo=0.65)], "cd45"),
    )
    counts = gate_counts(path, template)
    ev, pnn, text = _events(path)
    comp = _compensate(ev, pnn, text["spill"])
    cd45 = (comp[:, pnn.index("PerCP-A")] >= _logicle_inverse(0.7)) & (ev[:, pnn.index("SSC-A")] < 100000.5)
    b = cd45 & (comp[:, pnn.index("APC-A")] >= _logicle_inverse(0.65))
    assert counts["cd45"] == pytest.approx(cd45.sum(), abs=2)
    assert counts["b"] == pytest.approx(b.sum(), abs=2)
    assert counts["b"] > 100


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("data1.fcs", r"no CD45, CD19, CD16/CD56 in the file; the file's markers are CD3, CD4, CD8"),
        ("100715.fcs", r"no CD45, CD16/CD56 in the file; the file's markers are CD3, CD4, CD8, CD14, CD19, CD27"),
        ("facs_diva_test.fcs", r"FITC-A is 'CD20' \(template: CD3\).*markers are CD10, CD19, CD20, CD34, CD38, CD45"),
        ("test_comp_example.fcs", r"PE-Cy7-A is 'CD3' \(template: CD4\).*markers are CD3, CD4, CD20, CD33"),
    ],
)
def test_none_of_the_real_files_is_gated_as_tbnk(shared_fixtures: Path, name: str, why: str) -> None:
    """The four real FCS files are other panels: each is refused, naming what it holds (issue 14)."""
    with pytest.raises(InputError, match=rf"{name}: not the TBNK panel of tbnk_6colour.xml: .*{why}"):
        gate_fcs([shared_fixtures / "flow" / name], ignore_offset_error=True)


def test_real_multiset_v3_export_read_as_delivered(shared_fixtures: Path, tmp_path: Path) -> None:
    """BD MultiSET V3.0.2: tab-delimited .csv, CR line ends, "." for empty (Case Number), no visit column, its own
    QC columns; subject and visit from a manifest keyed by sample id, never from the file name."""
    from biomarker.flow import read_tbnk_export

    export = shared_fixtures / "flow" / "multiset_v3_export.csv"
    with pytest.raises(InputError, match=r"no visit column; give a manifest"):
        read_tbnk_export(export)
    ids = ["AA11562", "AA11528", "AA11540", "AA11534", "AA11578", "AA11556", "AA11857", "AA11584", "AA11891", "AA11067"]
    visits = ["SCREENING", "C1D1", "C1D1", "C2D1", "C1D1", "C3D1", "C1D1", "C2D1", "C1D1", "C2D1"]
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,subject,visit,date\n"
        + "".join(f"{i},BW-{k // 2:03d},{v},\n" for k, (i, v) in enumerate(zip(ids, visits, strict=True)))
    )
    t = read_tbnk_export(export, manifest=manifest)
    assert len(t) == 10 and t.sample_id.tolist() == ids and "." not in set(t.usubjid)
    first = t.iloc[0]
    assert first.collection_date == "2015-06-03"  # "Wed, Jun 3, 2015 3:21 PM"
    assert (first.cd3_pct_lymph, first.cd4_abs_per_ul, first.cd8_abs_per_ul) == (84.65, 231.07, 1256.56)
    assert first.dp_t_pct_lymph == 0.36 and first.lymph_abs_per_ul == 1799.80
    assert first.cd4_cd8_ratio == pytest.approx(231.07 / 1256.56)
    assert first.qc_flags == "instrument_error_codes=4,4,4,4,4,4"  # the instrument's own error codes travel
    low = t[t.sample_id == "AA11857"].iloc[0]  # 2,264 lymphocyte events in the TruC tube
    assert "low_lymph_events=2264" in low.qc_flags
    assert t[t.sample_id == "AA11578"].qc_flags.iloc[0] == ""
    assert "C3D1" in set(t.visit)
