"""MultiQC custom-content files: their schema, their numbers, and MultiQC itself reading them when installed."""

from __future__ import annotations

import json
import shutil
import subprocess

import pandas as pd
import pytest

from biomarker.multiqc import FUNNEL_ORDER, write_multiqc

RESULTS = pd.DataFrame(
    {
        "sample": ["T1", "T2", "T3"],
        "status": ["ok", "ok", "failed"],
        "reason": [None, None, "no FILTER column"],
        "preset": "wes",
        "counted_variants": [12, 3, None],
        "territory_bp": [30_000_000, 30_000_000, None],
        "tmb_per_mb": [0.4, 0.1, None],
        "tmb_ci95_low_per_mb": [0.2067, 0.0206, None],
        "tmb_ci95_high_per_mb": [0.6987, 0.2922, None],
        "tmb_high": [False, False, None],
        "caller": "mutect2",
        "annotator": "vep",
        "warnings": ["", "low depth\tin 40% of territory", None],
    }
)
AUDIT = pd.DataFrame(
    {"sample": ["T1"] * 3 + ["T2"] * 3, "filter": ["filter", "vaf", "consequence"] * 2, "removed": [5, 9, 30, 1, 0, 7]}
)


def test_general_stats_and_funnel_documents(tmp_path) -> None:
    paths = write_multiqc(RESULTS, AUDIT, tmp_path)
    general = json.loads(paths["general"].read_text())
    assert general["plot_type"] == "generalstats" and general["id"].startswith("biomarker")
    assert set(general["data"]) == {"T1", "T2"}  # the failed tumour has no TMB to show
    assert general["data"]["T1"]["tmb_per_mb"] == 0.4
    assert general["data"]["T1"]["territory_mb"] == 30.0
    assert general["data"]["T1"]["top_filters"] == "consequence 30, vaf 9, filter 5"
    assert general["data"]["T2"]["warnings"] == "low depth in 40% of territory"  # no tab inside a cell
    columns = [next(iter(c)) for c in general["pconfig"]]
    assert all(c in general["data"]["T1"] for c in columns)
    funnel = json.loads(paths["funnel"].read_text())
    assert funnel["plot_type"] == "bargraph"
    assert funnel["data"]["T1"] == {"filter": 5, "vaf": 9, "consequence": 30, "counted": 12}
    assert list(funnel["categories"]) == [f for f in FUNNEL_ORDER if f in {"filter", "vaf", "consequence", "counted"}]
    colours = [c["color"] for c in funnel["categories"].values()]
    assert len(set(colours)) == len(colours)
    lines = paths["table"].read_text().splitlines()
    header = [ln for ln in lines if ln.startswith("#")]
    assert "# plot_type: 'table'" in header
    body = [ln.split("\t") for ln in lines if not ln.startswith("#")]
    assert len({len(r) for r in body}) == 1 and len(body) == 4
    assert body[3][body[0].index("reason")] == "no FILTER column"


@pytest.mark.skipif(
    shutil.which("multiqc") is None,
    reason="MultiQC is not installed (it pins python-dateutil < 3 through botocore, so it is not in the dev extra)",
)
def test_multiqc_reads_them(tmp_path) -> None:
    write_multiqc(RESULTS, AUDIT, tmp_path / "in")
    proc = subprocess.run(
        ["multiqc", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--no-ai"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    stats = pd.read_csv(tmp_path / "out" / "multiqc_data" / "multiqc_general_stats.txt", sep="\t", index_col=0)
    tmb_col = next(c for c in stats.columns if c.endswith("tmb_per_mb"))
    assert stats.loc["T1", tmb_col] == pytest.approx(0.4)
    funnel = pd.read_csv(
        tmp_path / "out" / "multiqc_data" / "multiqc_biomarker_tmb_funnel_plot.txt", sep="\t", index_col=0
    )
    assert funnel.loc["T1", "consequence"] == 30
