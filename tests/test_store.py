"""The store owns its schema: one subject key, provenance and runs tables, all-or-nothing writes."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from biomarker.results import Result, make_provenance
from biomarker.store import Store, kept_open


def row(sample: str, usubjid: str, tmb: float, status: str = "ok") -> dict:
    return {
        "sample": sample,
        "patient": usubjid,
        "status": status,
        "preset": "wes",
        "tmb_per_mb": tmb,
        "warnings": ["FILTER column all '.'"] if sample == "S2" else [],
    }


def test_usubjid_is_the_one_subject_key_and_old_stores_are_migrated(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE samples (sample VARCHAR PRIMARY KEY, patient VARCHAR, input_path VARCHAR, "
        "bed_path VARCHAR, sample_type VARCHAR)"
    )
    con.execute(
        "CREATE TABLE tmb_results (sample VARCHAR PRIMARY KEY, patient VARCHAR, status VARCHAR NOT NULL, "
        "reason VARCHAR, preset VARCHAR, input_sha256 VARCHAR, bed_sha256 VARCHAR, params_sha256 VARCHAR, "
        "counted_variants INTEGER, territory_bp BIGINT, tmb_per_mb DOUBLE, tmb_ci95_low_per_mb DOUBLE, "
        "tmb_ci95_high_per_mb DOUBLE, tmb_high BOOLEAN, caller VARCHAR, annotator VARCHAR, "
        "package_version VARCHAR, json_path VARCHAR, variants_path VARCHAR)"
    )
    con.execute("INSERT INTO tmb_results (sample, patient, status, tmb_per_mb) VALUES ('S0', 'P0', 'ok', 4.5)")
    con.close()
    with Store(path) as store:
        store.upsert_tmb_many(
            [
                (row("S1", "P1", 3.0), {"vaf": 2}, {"patient": "P1", "sample_type": "maf"}),
                (row("S2", "P2", 12.0), {}, {"usubjid": "P2"}),
            ]
        )
        results = store.table("tmb_results").set_index("sample")
        samples = store.table("samples").set_index("sample")
        tables = store.tables()
    assert "patient" not in results.columns and "patient" not in samples.columns
    assert results["usubjid"].to_dict() == {"S0": "P0", "S1": "P1", "S2": "P2"}
    assert samples.loc["S1", "sample_type"] == "maf" and samples.loc["S2", "usubjid"] == "P2"
    assert results.loc["S2", "warnings"] == "FILTER column all '.'" and pd.isna(results.loc["S1", "warnings"])
    assert {"provenance", "runs"} <= set(tables)


def test_dropped_samples_are_marked_stale_and_come_back_as_work(tmp_path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.upsert_tmb_many([(row(s, s[1:], 1.0), {}, {}) for s in ("S1", "S2", "S3")])
        assert store.mark_stale(["S1", "S3"]) == ["S2"]
        assert store.mark_stale(["S1", "S3"]) == []  # already stale: nothing new
        keys = store.tmb_keys()
    assert keys["S2"][0] == "stale" and keys["S1"][0] == "ok"  # status not ok: a batch recomputes it if it returns


def test_tsv_export_is_spreadsheet_safe_and_parquet_exact(tmp_path) -> None:
    frame = pd.DataFrame({"usubjid": ["S2", "=1+1"], "note": ["-2+3", "@SUM(A1)"], "tmb_per_mb": [-1.5, 2.0]})
    with Store(tmp_path / "s.duckdb") as store:
        store.write_tables("pathology", {"pdl1": frame})
        tsv = {p.name: p for p in store.export(tmp_path / "tsv", fmt="tsv")}
        parquet = {p.name: p for p in store.export(tmp_path / "pq")}
    lines = tsv["pdl1.tsv"].read_text().splitlines()
    assert lines == ["usubjid\tnote\ttmb_per_mb", "'=1+1\t'@SUM(A1)\t2.0", "S2\t'-2+3\t-1.5"]  # sorted by usubjid
    back = pd.read_parquet(parquet["pdl1.parquet"])
    assert back["note"].tolist() == ["@SUM(A1)", "-2+3"]  # Parquet is for programs: values exactly as stored


def test_result_tables_written_for_people_are_spreadsheet_safe(tmp_path) -> None:
    frame = pd.DataFrame({"usubjid": ["=1+1"], "visit_date": pd.to_datetime(["2024-03-05"]), "pfs_months": [1 / 3]})
    written = Result("endpoints", {"pfs": frame}, {}).write(tmp_path)
    assert written["pfs"].read_text().splitlines() == [
        "usubjid\tvisit_date\tpfs_months",
        "'=1+1\t2024-03-05\t0.3333333333",
    ]


def test_a_step_and_its_provenance_are_written_together_or_not_at_all(tmp_path) -> None:
    path = tmp_path / "s.duckdb"
    good = pd.DataFrame({"usubjid": ["S1", "S2"], "pdl1_tps_pct": [5.0, 60.0]})
    provenance = make_provenance("pathology", {"assay": "22C3"}, {"pathology": None}, note="first")
    with Store(path) as store:
        store.write_tables("pathology", {"pdl1": good}, provenance)
        with pytest.raises(ValueError, match="not a table name"):
            store.write_tables("pathology", {"pdl1": good.iloc[:1], "Bad Name": good}, {"note": "second"})
        with pytest.raises(AttributeError):  # the second table fails after the first was replaced: all rolled back
            store.write_tables("pathology", {"pdl1": good.iloc[:1], "other": "not a frame"}, {"note": "second"})
        assert store.table("pdl1").equals(good) and "other" not in store.tables()
        assert store.provenance("pdl1")["note"] == "first"
        assert store.provenance("pdl1")["parameters"] == {"assay": "22C3"}


def test_a_rerun_with_fewer_tables_leaves_none_of_the_old_ones(tmp_path) -> None:
    frame = pd.DataFrame({"usubjid": ["S1"], "x": [1.0]})
    with Store(tmp_path / "s.duckdb") as store:
        store.write_tables("endpoints", {"bor": frame, "dor": frame}, {"v": 1}, prefix="endpoint_")
        store.write_tables("endpoints", {"bor": frame}, {"v": 2}, prefix="endpoint_", drop_prefix="endpoint_")
        assert [t for t in store.tables() if t.startswith("endpoint_")] == ["endpoint_bor"]
        assert store.provenance("endpoint_dor") == {} and store.provenance("endpoint_bor") == {"v": 2}


def test_runs_are_recorded_with_command_times_and_cutoff(tmp_path) -> None:
    config = tmp_path / "study.yaml"
    config.write_text("study: x\n")
    with Store(tmp_path / "s.duckdb") as store:
        first = store.start_run("biomarker run study.yaml", config_path=config)
        store.finish_run(first, "ok", data_cutoff="2024-03-06")
        second = store.start_run("biomarker run study.yaml")
        runs = store.table("runs").set_index("run_id")
    assert (first, second) == (1, 2)
    assert runs.loc[1, "status"] == "ok" and runs.loc[1, "finished_at"] >= runs.loc[1, "started_at"]
    assert runs.loc[1, "data_cutoff"] == "2024-03-06" and len(runs.loc[1, "config_sha256"]) == 64
    assert runs.loc[2, "status"] == "running" and pd.isna(runs.loc[2, "finished_at"])


def test_the_result_shape_writes_every_table_and_its_provenance(tmp_path) -> None:
    from matplotlib.figure import Figure

    def bars(tables):
        fig = Figure()
        fig.subplots().bar(tables["counts"]["usubjid"], tables["counts"]["n"])
        return fig

    res = Result(
        "demo",
        {"counts": pd.DataFrame({"usubjid": ["S1", "S2"], "n": [3, 4]})},
        {"step": "demo", "inputs": {}},
        plotters={"bars": bars},
    )
    written = res.write(tmp_path / "out", figures=True)
    assert set(written) == {"counts", "provenance", "figure_bars"}
    assert pd.read_csv(written["counts"], sep="\t")["n"].tolist() == [3, 4]
    assert written["figure_bars"].read_bytes()[:4] == b"\x89PNG"
    assert "<table" in res._repr_html_() and "bars" in res._repr_html_()
    with pytest.raises(KeyError, match="available: bars"):
        res.plot("roc")


keys = hs.text(alphabet="abcdefghij_", min_size=1, max_size=6)
leaves = (
    hs.none()
    | hs.booleans()
    | hs.integers(-(10**6), 10**6)
    | hs.text(max_size=10)
    | hs.lists(hs.integers(), max_size=3)
)
nested = hs.recursive(leaves, lambda inner: hs.dictionaries(keys, inner, max_size=4), max_leaves=12)


@settings(max_examples=40, deadline=None)
@given(hs.dictionaries(keys, nested, min_size=1, max_size=5))
def test_provenance_round_trips_through_the_store(tmp_path_factory, provenance) -> None:
    with Store(tmp_path_factory.mktemp("prov") / "s.duckdb") as store:
        store.write_tables("step", {"t": pd.DataFrame({"usubjid": ["S1"]})}, provenance)
        assert store.provenance("t") == provenance


def test_a_store_kept_open_serves_every_open_inside_and_is_read_only_again_after(tmp_path) -> None:
    path = tmp_path / "study.duckdb"
    frame = pd.DataFrame({"usubjid": ["S1", "S2"], "value": [1.0, 2.5]})
    with kept_open(path):
        with Store(path) as store:
            store.write_tables("demo", {"demo": frame})
        with Store(path, read_only=True) as store:  # a read-only open inside the block: allowed, sees the write
            assert store.table("demo")["value"].tolist() == [1.0, 2.5]
        with kept_open(path), Store(tmp_path / "study.duckdb", read_only=True) as store:  # nested holders
            assert "demo" in store.tables()
    with Store(path, read_only=True) as store:  # after the block: a real read-only connection, the data on disk
        assert store.table("demo")["value"].tolist() == [1.0, 2.5]
        with pytest.raises(duckdb.Error):
            store.con.execute("DROP TABLE demo")
    with Store(path) as store:  # and the file is free for the next writer
        assert "demo" in store.tables()
