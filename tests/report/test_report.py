"""The study report of a simulated study: CSR sections in order, numbers recomputed from the SDTM and the
planted truth, and the page as headless Chromium renders it."""

from __future__ import annotations

import base64
import io
import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from biomarker.store import Store
from tests.cli_runner import run_cli
from tests.report.conftest import needs_chromium, open_in_chromium

SECTIONS = (
    "study",
    "disposition",
    "baseline",
    "exposure",
    "efficacy",
    "safety",
    "tmb",
    "pdl1",
    "tbnk",
    "biomarker_outcomes",
    "models",
)


class _PageTables(HTMLParser):
    """The tables of the rendered page, by name: ``{name: Shown(header, rows)}`` (cells unescaped)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, Shown] = {}
        self._name: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id") or ""
        if tag == "div" and ident.startswith("tbl-"):
            self._name = ident.removeprefix("tbl-")
            self.tables[self._name] = Shown([], [])
        elif tag == "tr" and self._name:
            self._row = []
        elif tag in ("td", "th") and self._name:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._name:
            table = self.tables[self._name]
            if table.header:
                table.rows.append(self._row)
            else:
                table.header.extend(self._row)
        elif tag == "table":
            self._name = None


@dataclass
class Shown:
    header: list[str]
    rows: list[list[str]]


@pytest.fixture(scope="module")
def tables_by_name(study_run):
    """The tables as the page shows them (parsed from the report file, not rebuilt)."""
    _, report = study_run
    parser = _PageTables()
    parser.feed(report.read_text(encoding="utf-8"))
    return parser.tables


def _rows(table) -> dict[str, list[str]]:
    return {r[0].strip(): r[1:] for r in table.rows}


def test_run_fills_the_store(study_run) -> None:
    root, report = study_run
    with Store(root / "results" / "study.duckdb", read_only=True) as store:
        names = store.tables()
        assert {
            "tmb_results",
            "tmb_filter_audit",
            "samples",
            "endpoint_bor",
            "endpoint_summary",
            "pdl1",
            "tbnk",
            "tbnk_features_wide",
            "model_model_performance",
            "model_univariable",
        } <= set(names)
        assert len(store.table("endpoint_bor")) == 30
    html = report.read_text()
    assert html.count("data:image/png;base64,") >= 15
    assert (root / "results" / "tmb" / "biomarker_tmb_general_mqc.json").is_file()  # batch wrote MultiQC files


def test_sections_in_csr_order_each_with_a_table_or_a_reason(study_run) -> None:
    _, report = study_run
    html = report.read_text()
    positions = [html.index(f'<section id="{a}">') for a in SECTIONS]
    assert positions == sorted(positions)
    bodies = re.findall(r'<section id="([a-z_]+)">(.*?)</section>', html, flags=re.S)
    for anchor, body in bodies:
        if anchor in SECTIONS:
            has_table = 'class="tablewrap"' in body
            assert has_table or 'class="missing"' in body, anchor
            assert has_table or anchor == "exposure", f"{anchor} has no table although the store has its data"
        for target in re.findall(r'href="#([^"]+)"', html):  # every contents link lands on an anchor
            assert f'id="{target}"' in html
    assert 'id="tbl-exposure_summary"' in html  # the endpoints step derives EX since the clinical merge


def test_baseline_table_equals_dm(study_run, tables_by_name) -> None:
    root, report = study_run
    dm = pd.read_csv(root / "study" / "clinical" / "dm.csv")
    table = tables_by_name["baseline_characteristics"]
    assert table.header[1] == f"All subjects (N = {len(dm)})"
    rows = table.rows
    age = next(r for i, r in enumerate(rows) if rows[i - 1][0] == "Age (years)")
    assert age[1] == f"{dm['AGE'].median():.1f} ({dm['AGE'].min():.1f}–{dm['AGE'].max():.1f})"

    def block(label: str) -> dict[str, str]:
        start = [r[0] for r in rows].index(label) + 1
        out = {}
        for r in rows[start:]:
            if not r[0].startswith("  "):
                break
            out[r[0].strip()] = r[1]
        return out

    for column, label in (
        ("SEX", "Sex"),
        ("ECOG", "ECOG performance status"),
        ("SMOKING", "Smoking history"),
        ("HISTOLOGY", "Histology"),
    ):
        counts = dm[column].value_counts()
        expected = {str(k): f"{v} ({100 * v / len(dm):.1f})" for k, v in counts.items()}
        assert block(label) == expected, label
    html = report.read_text()
    assert f"{dm['AGE'].median():.1f} ({dm['AGE'].min():.1f}–{dm['AGE'].max():.1f})" in html


def test_bor_table_equals_the_planted_truth(study_run, tables_by_name) -> None:
    root, report = study_run
    truth = pd.read_csv(root / "study" / "truth" / "patients.csv")
    n = len(truth)
    rows = _rows(tables_by_name["best_overall_response"])
    for category in ("CR", "PR", "SD", "PD", "NE"):
        k = int((truth["bor"] == category).sum())
        assert rows[category][0] == ("0" if k == 0 else f"{k} ({100 * k / n:.1f})")
    k = int(truth["bor"].isin(["CR", "PR"]).sum())
    lo, hi = proportion_confint(k, n, alpha=0.05, method="beta")
    assert rows["Objective response rate (CR + PR)"] == [
        f"{k} ({100 * k / n:.1f})",
        f"{100 * k / n:.1f} ({100 * lo:.1f}, {100 * hi:.1f})",
    ]
    k = int(truth["bor"].isin(["CR", "PR", "SD"]).sum())
    assert rows["Disease control rate (CR + PR + SD + NON-CR/NON-PD)"][0] == f"{k} ({100 * k / n:.1f})"
    assert f"{100 * lo:.1f}, {100 * hi:.1f}" in report.read_text()


def test_safety_tables_equal_ae(study_run, tables_by_name) -> None:
    root, _ = study_run
    ae = pd.read_csv(root / "study" / "clinical" / "ae.csv")
    n = len(pd.read_csv(root / "study" / "clinical" / "dm.csv"))

    def n_pct(k: int) -> str:
        return "0" if k == 0 else f"{k} ({100 * k / n:.1f})"

    overview = _rows(tables_by_name["ae_overview"])
    assert overview["Any AE"][0] == n_pct(ae["USUBJID"].nunique())
    assert overview["Grade >= 3 AE"][0] == n_pct(ae.loc[ae["AETOXGR"] >= 3, "USUBJID"].nunique())
    assert overview["Serious AE"][0] == n_pct(ae.loc[ae["AESER"] == "Y", "USUBJID"].nunique())
    by_term = _rows(tables_by_name["ae_by_soc_pt"])
    for pt, g in ae.groupby("AEDECOD"):
        assert by_term[pt] == [n_pct(g["USUBJID"].nunique()), n_pct(g.loc[g["AETOXGR"] >= 3, "USUBJID"].nunique())]
    socs = [r[0] for r in tables_by_name["ae_by_soc_pt"].rows if not r[0].startswith("  ")]
    soc_n = ae.groupby("AEBODSYS")["USUBJID"].nunique()
    assert [soc_n[s] for s in sorted(soc_n.index, key=lambda s: socs.index(s.upper()))] == sorted(soc_n, reverse=True)
    worst = ae.groupby("USUBJID")["AETOXGR"].max()
    by_grade = _rows(tables_by_name["ae_by_max_grade"])
    assert by_grade["No adverse event"] == [n_pct(n - len(worst))]
    for grade in range(1, 6):
        assert by_grade[f"Grade {grade}"] == [n_pct(int((worst == grade).sum()))]


def test_tsv_download_parses_back(study_run) -> None:
    _, report = study_run
    html = report.read_text()
    uri = re.search(
        r'download="best_overall_response.tsv" href="data:text/tab-separated-values;charset=utf-8;'
        r'base64,([A-Za-z0-9+/=]+)"',
        html,
    )
    assert uri is not None
    frame = pd.read_csv(io.StringIO(base64.b64decode(uri.group(1)).decode()), sep="\t")
    assert list(frame["response"][:6]) == ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]
    assert frame["n"][:6].sum() == 30


@needs_chromium
def test_report_in_headless_chromium(study_run) -> None:
    _, report = study_run
    dom, stderr = open_in_chromium(report)
    loaded = re.search(r'data-images-loaded="(\d+)/(\d+)"', dom)
    assert loaded is not None, "the page's load handler did not run"
    ok, total = map(int, loaded.groups())
    assert total >= 15 and ok == total
    scroll, viewport = map(int, re.search(r'data-widths="(\d+)/(\d+)"', dom).groups())
    assert scroll <= viewport, "an element is wider than the page"
    console = [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
    for anchor in SECTIONS:
        assert f'<section id="{anchor}">' in dom


@needs_chromium
def test_cli_report_prints_a_pdf(study_run, tmp_path) -> None:
    root, _ = study_run
    store_path = tmp_path / "tmb_only.duckdb"  # a TMB-only store: the report builds fast, the PDF path is the same
    shutil.copy(root / "results" / "study.duckdb", store_path)
    with Store(store_path) as store:
        for name in store.tables():
            if name not in ("tmb_results", "tmb_filter_audit", "samples"):
                store.con.execute(f"DROP TABLE {name}")
    out = tmp_path / "r.html"
    proc = run_cli("report", store_path, "--out", out, "--title", "TEST", "--pdf")
    assert proc.returncode == 0, proc.stderr
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 20_000  # the two TMB figures are in it
    assert "TMB per tumour" in out.read_text() and "Efficacy: not available: " in out.read_text()
