"""Hostile text anywhere in the inputs (title, study, sample and subject IDs, AE terms, file names, notes) is
shown as text: no script runs in the page, and TSV downloads carry no live spreadsheet formula."""

from __future__ import annotations

import base64
import csv
import io
import re
import shutil

import pytest

from biomarker.report import Section, build_report
from biomarker.store import Store
from tests.report.conftest import needs_chromium, open_in_chromium

PAYLOADS = (
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=2</script>",
    '"><svg onload="window.__pwned=3">',
    '\'><iframe src="javascript:window.parent.__pwned=4"></iframe>',
    '=HYPERLINK("http://x","y")',
)


@pytest.fixture(scope="module")
def hostile_report(study_run, tmp_path_factory):
    root, _ = study_run
    folder = tmp_path_factory.mktemp("hostile")
    store_path = folder / "study.duckdb"
    shutil.copy(root / "results" / "study.duckdb", store_path)
    with Store(store_path) as store:
        bor = store.table("endpoint_bor")
        bor.loc[0, "usubjid"] = PAYLOADS[0]
        bor.loc[1, "usubjid"] = PAYLOADS[4]
        store.replace_table("endpoint_bor", bor)
        measures = store.table("endpoint_safety_measures")
        measures.loc[measures["level"] == "pt", "pt"] = PAYLOADS[1]
        store.replace_table("endpoint_safety_measures", measures)
        grades = store.table("endpoint_ae_grades")
        grades.loc[grades["level"] == "pt", "pt"] = PAYLOADS[2]
        store.replace_table("endpoint_ae_grades", grades)
        tmb = store.table("tmb_results")
        tmb.loc[0, "sample"] = PAYLOADS[2]
        tmb.loc[1, "json_path"] = "/data/" + PAYLOADS[3]
        tmb.loc[2, "reason"] = PAYLOADS[4]
        store.con.execute("DELETE FROM tmb_results")
        store.con.register("_t", tmb)
        store.con.execute("INSERT INTO tmb_results SELECT * FROM _t")
        samples = store.table("samples")
        samples.loc[1, "input_path"] = '/data/<svg onload="window.__pwned=5">.vcf.gz'
        store.con.execute("DELETE FROM samples")
        store.con.register("_s", samples)
        store.con.execute("INSERT INTO samples SELECT * FROM _s")
        pdl1 = store.table("pdl1")
        pdl1.loc[0, "assay"] = PAYLOADS[1]
        store.replace_table("pdl1", pdl1)
        # no payload sits in the model or TBNK tables: their sections (a dozen figures, half this report's
        # time) are left out and say "not available"; every section that holds a payload is built
        for name in store.tables():
            if name.startswith(("model_", "tbnk")):
                store.con.execute(f"DROP TABLE {name}")
    note = Section("notes", "Run notes")
    note.note(PAYLOADS[3])
    return build_report(
        store_path, folder / "report.html", title="TEST " + PAYLOADS[0], subtitle=PAYLOADS[2], extra_sections=[note]
    )


def test_every_payload_is_escaped_in_the_file(hostile_report) -> None:
    html = hostile_report.read_text()
    for payload in PAYLOADS[:4]:
        assert payload not in html
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in html  # title, subject ID: shown as text
    assert "&lt;svg onload=&#34;window.__pwned=5&#34;&gt;.vcf.gz" in html  # an input file name
    assert "&lt;iframe src=&#34;javascript:" in html  # the run note
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;" in html  # the AE term and the assay
    assert html.count("<script>") == 1  # the page's own load handler only
    assert len(re.findall(r"<img ", html)) == html.count('<img src="data:image/png;base64,')


def test_tsv_downloads_neutralise_formulas(hostile_report) -> None:
    html = hostile_report.read_text()
    found = 0
    for payload in re.findall(r'href="data:text/tab-separated-values;charset=utf-8;base64,([A-Za-z0-9+/=]+)"', html):
        text = base64.b64decode(payload).decode()
        for cell in (c for row in csv.reader(io.StringIO(text), delimiter="\t") for c in row):
            assert not cell.startswith(("=", "+", "@")), cell
            if cell.startswith("-"):
                float(cell)  # only numbers may start with a minus
            found += cell == "'" + PAYLOADS[4]
    assert found >= 1


@needs_chromium
def test_no_script_runs_in_chromium(hostile_report) -> None:
    dom, stderr = open_in_chromium(
        hostile_report,
        extra_script=(
            "window.addEventListener('load', function () { setTimeout(function () {"
            " document.body.setAttribute('data-pwned', String(window.__pwned)); }, 200); });"
        ),
    )
    assert 'data-pwned="undefined"' in dom
    assert re.search(r'data-images-loaded="(\d+)/\1"', dom)
    assert "Uncaught" not in stderr


@needs_chromium
def test_the_check_catches_a_script_that_runs(tmp_path) -> None:
    """Control: the same instrumentation sees the payload run when a page does not escape it."""
    page = tmp_path / "raw.html"
    page.write_text(f"<!DOCTYPE html><html><body><p>{PAYLOADS[0]}</p></body></html>")
    dom, _ = open_in_chromium(
        page,
        extra_script=(
            "window.addEventListener('load', function () { setTimeout(function () {"
            " document.body.setAttribute('data-pwned', String(window.__pwned)); }, 200); });"
        ),
    )
    assert 'data-pwned="1"' in dom
