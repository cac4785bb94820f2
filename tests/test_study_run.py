"""The store is the only hand-off: what `run` stores is what the patient table (and so the models) sees."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biomarker import Study
from biomarker.errors import ConfigError
from biomarker.simulate import simulate_study
from biomarker.store import Store
from biomarker.study import load_config


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run") / "study"
    simulate_study(folder, n_patients=8, seed=3, exome_mb=0.5, fcs=True)
    return folder


def write_config(path: Path, **entries: object) -> Path:
    entries.setdefault("report", "false")  # these tests read the store; the report has its own tests
    lines = [f"{k}: {v}" for k, v in entries.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def subjects(study: Path) -> list[str]:
    return sorted(pd.read_csv(study / "clinical" / "dm.csv")["USUBJID"])


def test_pathology_outside_the_study_folder_reaches_the_patient_table(study, tmp_path) -> None:
    ids = subjects(study)
    planted = {u: float((7 + 13 * k) % 100) for k, u in enumerate(ids)}
    elsewhere = tmp_path / "elsewhere" / "pdl1_rescored.csv"
    elsewhere.parent.mkdir()
    with open(elsewhere, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["USUBJID", "ASSAY", "PDL1_TPS", "TIL_STROMAL_PCT"])
        for u in ids:
            out.writerow([u, "22C3", f"{planted[u]:g}%", 10])
    config = write_config(tmp_path / "study.yaml", clinical=study, pathology=elsewhere, out=tmp_path / "results")
    summary = Study.from_config(config).run()
    assert summary.steps["pathology"] == "computed" and summary.steps["models"] == "not named"
    table = Study.open(tmp_path / "results" / "study.duckdb").patients(refresh=False).tables["patients"]
    got = dict(zip(table["usubjid"], table["pdl1_tps_pct"], strict=True))
    assert got == planted  # the file the config named, not study/pathology/pdl1_til.csv
    own = pd.read_csv(study / "pathology" / "pdl1_til.csv")
    assert set(own["PDL1_TPS"]) != {f"{v:g}%" for v in planted.values()}
    with Store(tmp_path / "results" / "study.duckdb", read_only=True) as store:
        prov = store.provenance("pdl1")
        runs = store.table("runs")
    assert prov["inputs"]["pathology"]["file"] == str(elsewhere.resolve())
    assert len(prov["inputs"]["pathology"]["sha256"]) == 64
    assert runs["status"].tolist() == ["ok"] and runs["data_cutoff"].notna().all()


def test_an_fcs_study_gives_tbnk_features_from_the_gated_tubes(study, tmp_path) -> None:
    config = write_config(tmp_path / "study.yaml", clinical=study, fcs=study / "flow" / "fcs", out=tmp_path / "results")
    Study.from_config(config).run()
    result = Study.open(tmp_path / "results").patients(refresh=False)
    table = result.tables["patients"]
    truth = pd.read_csv(study / "truth" / "patients.csv").set_index("USUBJID")
    m = table.set_index("usubjid").join(truth, rsuffix="_truth")
    with Store(tmp_path / "results" / "study.duckdb", read_only=True) as store:
        qc = store.table("tbnk_qc")
    flagged = set(qc.loc[qc["visit"].str.upper() == "C1D1", "usubjid"])
    # a tube with a QC flag is left out of the models by default; every other subject has its baseline value
    assert set(m.index[m["cd8_pct_lymph_c1d1"].isna()]) <= flagged
    assert m["cd8_pct_lymph_c1d1"].notna().sum() >= len(m) // 2
    ok = m.dropna(subset=["nk_pct_lymph_c1d1"])
    assert np.corrcoef(ok["nk_pct_lymph_c1d1"].astype(float), ok["nk_pct_baseline"])[0, 1] > 0.8
    kinds = result.tables["feature_sources"].set_index("feature")
    assert kinds.loc["cd8_pct_lymph_c1d1", "kind"] == "baseline"
    assert kinds.loc["cd8_pct_lymph_change_c2d1", "kind"] == "on_treatment"
    with Store(tmp_path / "results" / "study.duckdb", read_only=True) as store:
        fcs_inputs = store.provenance("tbnk")["inputs"]
    assert len(fcs_inputs) == len(list((study / "flow" / "fcs").glob("*.fcs")))


def test_the_preset_chosen_and_only_samplesheet_tumours_reach_the_patient_table(study, tmp_path) -> None:
    sheet = pd.read_csv(study / "samplesheet.csv")
    sheet["vcf"] = [str(study / v) for v in sheet["vcf"]]
    sheet["bed"] = [str(study / b) for b in sheet["bed"]]
    full = tmp_path / "samplesheet.csv"
    sheet.to_csv(full, index=False)
    results = tmp_path / "results"
    config = write_config(tmp_path / "study.yaml", samplesheet=full, preset="pytmb-wes", clinical=study, out=results)
    Study.from_config(config).run()
    with Store(results / "study.duckdb", read_only=True) as store:
        stored = store.table("tmb_results")
    assert set(stored["preset"]) == {"pytmb-wes"}
    patients = Study.open(results).patients(refresh=False)
    table = patients.tables["patients"].dropna(subset=["tmb_per_mb"])
    ok = stored[stored["status"] == "ok"].set_index("sample")["tmb_per_mb"]
    assert np.allclose(table["tmb_per_mb"], ok.loc[table["tmb_sample"]].to_numpy())
    assert patients.provenance["tmb_preset"] == "pytmb-wes"

    dropped = sheet["patient"].iloc[0]
    sheet[sheet["patient"] != dropped].to_csv(full, index=False)
    summary = Study.from_config(config).run()
    assert "marked stale" in summary.steps["tmb"]
    with Store(results / "study.duckdb", read_only=True) as store:
        stored = store.table("tmb_results")
    assert set(stored.loc[stored["usubjid"] == dropped, "status"]) == {"stale"}
    table = Study.open(results).patients(refresh=False).tables["patients"].set_index("usubjid")
    assert np.isnan(table.loc[dropped, "tmb_per_mb"])  # the subject stays (DM), its stale tumour does not feed it
    assert table.drop(index=dropped)["tmb_per_mb"].notna().all()


def test_a_rerun_recomputes_nothing_unchanged_and_force_recomputes(study, tmp_path) -> None:
    config = write_config(
        tmp_path / "study.yaml",
        pathology=study / "pathology" / "pdl1_til.csv",
        tbnk=study / "flow" / "tbnk.csv",
        out=tmp_path / "results",
    )
    assert Study.from_config(config).run().steps["pathology"] == "computed"
    again = Study.from_config(config).run()
    assert again.steps["pathology"] == again.steps["tbnk"] == "unchanged"
    forced = Study.from_config(config).run(force=True)
    assert forced.steps["pathology"] == forced.steps["tbnk"] == "computed"
    with Store(tmp_path / "results" / "study.duckdb", read_only=True) as store:
        assert store.table("runs")["run_id"].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: {outcome: response, n_repeat: 2}", "models: unknown key 'n_repeat'; allowed keys: outcome"),
        ("models: {outcome: survival}", "models.outcome: 'survival' is not one of"),
        ("endpoints: {os_censor: cutoff}", "endpoints: unknown setting(s) os_censor"),
        ("pathlogy: x.csv", "unknown key(s) pathlogy; allowed:"),
        ("jobs: 0", "jobs must be a whole number >= 1"),
        ("pathology: nowhere.csv", "pathology: nowhere.csv does not exist"),
    ],
)
def test_the_whole_config_is_checked_before_any_step_runs(tmp_path, text, message) -> None:
    config = tmp_path / "study.yaml"
    config.write_text(text + "\nout: results\n")
    with pytest.raises(ConfigError) as err:
        load_config(config)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "results").exists()


def test_a_misspelt_preset_stops_the_run_before_the_store_is_touched(study, tmp_path) -> None:
    shutil.copy(study / "samplesheet.csv", tmp_path / "samplesheet.csv")
    config = write_config(
        tmp_path / "study.yaml", samplesheet=tmp_path / "samplesheet.csv", preset="wess", out=tmp_path / "results"
    )
    with pytest.raises(ConfigError, match="preset"):
        Study.from_config(config)
    assert not (tmp_path / "results").exists()


def test_a_study_opens_from_its_store_folder_or_yaml_and_says_when_there_is_none(tmp_path) -> None:
    from biomarker.errors import InputError

    config = write_config(tmp_path / "study.yaml", out=tmp_path / "results")
    with pytest.raises(InputError, match="no study store here"):
        Study.open(config)
    with Store(tmp_path / "results" / "study.duckdb") as store:
        store.write_tables("pathology", {"pdl1": pd.DataFrame({"usubjid": ["S1"], "pdl1_category": [">=50"]})})
    store_path = tmp_path / "results" / "study.duckdb"
    for where in (config, tmp_path, tmp_path / "results", store_path):
        assert Study.open(where).store_path == store_path
    opened = Study.open(store_path)
    assert opened.pathology().tables["pdl1"]["pdl1_category"].tolist() == [">=50"]
    with pytest.raises(ConfigError, match="opened from its store"):
        opened.tmb(refresh=True)


def test_a_changed_sdtm_file_reruns_the_endpoints_even_when_clinical_names_the_sdtm_folder(study, tmp_path) -> None:
    sdtm = tmp_path / "sdtm"
    shutil.copytree(study / "clinical", sdtm)
    config = write_config(tmp_path / "study.yaml", clinical=sdtm, out=tmp_path / "results")
    assert Study.from_config(config).run().steps["endpoints"] == "computed"
    assert Study.from_config(config).run().steps["endpoints"] == "unchanged"
    dm = pd.read_csv(sdtm / "dm.csv")
    dm.loc[0, "AGE"] = 99
    dm.to_csv(sdtm / "dm.csv", index=False)
    assert Study.from_config(config).run().steps["endpoints"] == "computed"
    table = Study.open(tmp_path / "results").patients(refresh=False).tables["patients"].set_index("usubjid")
    assert table.loc[dm.loc[0, "USUBJID"], "age_years"] == 99


def test_a_step_the_config_stops_naming_leaves_no_tables_behind(study, tmp_path) -> None:
    config = write_config(
        tmp_path / "study.yaml",
        pathology=study / "pathology" / "pdl1_til.csv",
        tbnk=study / "flow" / "tbnk.csv",
        out=tmp_path / "results",
    )
    Study.from_config(config).run()
    write_config(config, tbnk=study / "flow" / "tbnk.csv", out=tmp_path / "results")
    summary = Study.from_config(config).run()
    assert summary.steps["pathology"].startswith("not named (its 1 stored table(s)")
    with Store(tmp_path / "results" / "study.duckdb", read_only=True) as store:
        assert "pdl1" not in store.tables() and store.provenance("pdl1") == {}
    table = Study.open(tmp_path / "results").patients(refresh=False).tables["patients"]
    assert "pdl1_tps_pct" not in table and "cd8_pct_lymph_c1d1" in table


def test_report_false_stops_before_the_report_and_a_bad_value_is_refused(study, tmp_path) -> None:
    config = write_config(tmp_path / "study.yaml", pathology=study / "pathology" / "pdl1_til.csv", out=tmp_path / "r")
    summary = Study.from_config(config).run()
    assert summary.report is None and summary.steps["report"] == "not asked"
    assert (tmp_path / "r" / "study.duckdb").is_file() and not (tmp_path / "r" / "report.html").exists()
    with pytest.raises(ConfigError, match="report is true or false"):
        load_config(write_config(tmp_path / "bad.yaml", report="maybe"))
