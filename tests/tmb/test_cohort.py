"""Many tumours from one MAF or variant table in one pass; the maftools preset; duplicates; stated territories."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from biomarker.errors import InputError
from biomarker.store import Store
from biomarker.tmb import compute_tmb, compute_tmb_cohort

COLS = [
    "Hugo_Symbol",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Variant_Classification",
    "Variant_Type",
    "Reference_Allele",
    "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2",
    "Tumor_Sample_Barcode",
    "HGVSp_Short",
    "t_depth",
    "t_ref_count",
    "t_alt_count",
    "FILTER",
    "gnomAD_AF",
]


def row(gene, chrom, pos, cls, ref, alt, sample, *, protein="", depth="100", alt_n="30", filt="PASS", af=""):
    return [
        gene,
        chrom,
        str(pos),
        str(pos),
        cls,
        "SNP",
        ref,
        ref,
        alt,
        sample,
        protein,
        depth,
        str(int(depth) - int(alt_n)),
        alt_n,
        filt,
        af,
    ]


# vcf2maf rows as it writes them: tumour A has a duplicated row (the same call twice after a merge)
ROWS = [
    row("KRAS", "chr12", 25245350, "Missense_Mutation", "C", "A", "TCGA-A", protein="p.G12C"),
    row("KRAS", "chr12", 25245350, "Missense_Mutation", "C", "A", "TCGA-A", protein="p.G12C"),  # duplicate
    row("TP53", "chr17", 7673802, "Silent", "C", "T", "TCGA-A"),
    row("NF1", "chr17", 31000000, "Splice_Region", "G", "A", "TCGA-A"),
    row("STK11", "chr19", 1205798, "Translation_Start_Site", "A", "G", "TCGA-A"),
    row("KEAP1", "chr19", 10500000, "Nonstop_Mutation", "T", "C", "TCGA-A", alt_n="3"),  # vaf 0.03
    row("MALAT1", "chr11", 65500000, "RNA", "G", "T", "TCGA-A"),
    row("SMARCA4", "chr19", 11000000, "Frame_Shift_Del", "G", "-", "TCGA-A", filt="."),
    row("EGFR", "chr7", 55174772, "Missense_Mutation", "T", "G", "TCGA-B", protein="p.L858R"),
    row("BRAF", "chr7", 140753336, "Missense_Mutation", "A", "T", "TCGA-B", af="0.2"),  # common: germline
    row("ERBB2", "chr17", 39724000, "In_Frame_Ins", "-", "GCA", "TCGA-B"),
    row("TP53", "chr17", 7674220, "Silent", "C", "T", "TCGA-C"),
]
BED = [
    ("chr12", 25245000, 25246000),
    ("chr17", 7673000, 7675000),
    ("chr17", 30999000, 31001000),
    ("chr19", 1205000, 1206000),
    ("chr19", 10499000, 10501000),
    ("chr11", 65499000, 65501000),
    ("chr19", 10999000, 11001000),
    ("chr7", 55174000, 55175000),
    ("chr7", 140753000, 140754000),
    ("chr17", 39723000, 39725000),
]  # 20 intervals of 1,000 bp... 13 kb in all


@pytest.fixture
def maf(tmp_path):
    path = tmp_path / "cohort.maf"
    path.write_text("#version 2.4\n" + "\t".join(COLS) + "\n" + "".join("\t".join(r) + "\n" for r in ROWS))
    return path


def test_maftools_preset_by_hand(maf) -> None:
    r = compute_tmb_cohort(maf, preset="maftools")
    s = r.summary.set_index("sample")
    # A: KRAS once (duplicate removed), Translation_Start_Site, Nonstop, Frame_Shift_Del (no filters) = 4
    # B: two Missense + In_Frame_Ins = 3 (no germline filter in maftools); C: only Silent = 0, still a row
    assert s.counted_variants.to_dict() == {"TCGA-A": 4, "TCGA-B": 3, "TCGA-C": 0}
    assert s.tmb_per_mb.to_dict() == pytest.approx({"TCGA-A": 0.08, "TCGA-B": 0.06, "TCGA-C": 0.0})  # / 50 Mb
    assert s.loc["TCGA-A", "removed_duplicate"] == 1 and "1 duplicate rows removed" in s.loc["TCGA-A", "warnings"]
    assert r.territory_stated and "stated" in r.to_dict()["territory_source"]
    panel = compute_tmb_cohort(maf, preset="maftools", territory_mb=1.1).summary.set_index("sample")
    assert panel.loc["TCGA-A", "tmb_per_mb"] == pytest.approx(4 / 1.1)


def test_wes_preset_cohort_equals_one_tumour_at_a_time(maf, write_bed) -> None:
    bed = write_bed(BED)
    cohort = compute_tmb_cohort(maf, bed, "wes").summary.set_index("sample")
    # A: KRAS counted; Silent, Splice_Region, RNA not coding; Nonstop vaf 0.03; FILTER '.' removed -> 2 with TSS
    assert cohort.counted_variants.to_dict() == {"TCGA-A": 2, "TCGA-B": 2, "TCGA-C": 0}
    for sample in ("TCGA-A", "TCGA-B", "TCGA-C"):
        one = compute_tmb(maf, bed, "wes", tumor_sample=sample)
        assert one.counted == cohort.loc[sample, "counted_variants"], sample
        assert {k: one.fates[k] for k in one.removed_by()} == {
            k: cohort.loc[sample, f"removed_{k}"] for k in one.removed_by()
        }, sample
        assert one.ci95_high == pytest.approx(cohort.loc[sample, "tmb_ci95_high_per_mb"])


def test_tmb_high_by_count_and_a_driver_list_by_protein(maf, tmp_path) -> None:
    drivers = tmp_path / "drivers.txt"
    drivers.write_text("gene\tprotein\nKRAS\tG12C\nEGFR\tp.Leu858Arg\n")
    r = compute_tmb_cohort(maf, preset="maftools", drivers=drivers, overrides={"tmb_high_min_count": 3})
    s = r.summary.set_index("sample")
    assert s.counted_variants.to_dict() == {"TCGA-A": 3, "TCGA-B": 2, "TCGA-C": 0}
    assert s.removed_hotspot.to_dict() == {"TCGA-A": 1, "TCGA-B": 1, "TCGA-C": 0}
    assert s.tmb_high.to_dict() == {"TCGA-A": True, "TCGA-B": False, "TCGA-C": False}
    assert r.to_dict()["tmb_high_rule"] == ">= 3 counted mutations"


def test_all_unfiltered_tumour_fails_alone(tmp_path) -> None:
    rows = [row("KRAS", "chr12", 25245350 + i, "Missense_Mutation", "C", "A", "T-UNF", filt=".") for i in range(3)]
    rows.append(row("KRAS", "chr12", 25245350, "Missense_Mutation", "C", "A", "T-OK"))
    path = tmp_path / "u.maf"
    path.write_text("\t".join(COLS) + "\n" + "".join("\t".join(r) + "\n" for r in rows))
    s = compute_tmb_cohort(path, territory_mb=1.0).summary.set_index("sample")
    assert s.loc["T-UNF", "status"] == "failed" and "all 3 rows have FILTER '.'" in s.loc["T-UNF", "reason"]
    assert pd.isna(s.loc["T-UNF", "tmb_per_mb"])
    assert s.loc["T-OK", "status"] == "ok" and s.loc["T-OK", "counted_variants"] == 1
    with pytest.raises(InputError, match="all 3 records have FILTER"):
        compute_tmb(path, None, "wes", territory_mb=1.0, tumor_sample="T-UNF")


def test_plain_table_through_a_column_map(tmp_path) -> None:
    table = pd.DataFrame(
        {
            "CHR": ["chr12", "chr7", "chr7", "chr17"],
            "POSITION": [25245350, 55174772, 55174900, 7673802],
            "REF": ["C", "T", "g", "C"],
            "ALT": ["A", "G", "a", "T"],
            "SAMPLE_ID": ["P1", "P1", "P2", "P2"],
            "VAF": [0.3, 0.02, 0.4, 0.5],
            "DEPTH": [500, 400, 300, 200],
            "GENE": ["KRAS", "EGFR", "EGFR", "TP53"],
            "PROTEIN": ["p.G12C", "p.L858R", "p.G719S", "p.R175H"],
            "EFFECT": ["missense_variant", "missense_variant", "Missense_Mutation", "synonymous_variant"],
        }
    )
    cmap = {
        "chrom": "CHR",
        "pos": "POSITION",
        "ref": "REF",
        "alt": "ALT",
        "sample": "SAMPLE_ID",
        "vaf": "VAF",
        "depth": "DEPTH",
        "gene": "GENE",
        "protein": "PROTEIN",
        "effect": "EFFECT",
    }
    csv = tmp_path / "panel.csv"
    table.to_csv(csv, index=False)
    with pytest.raises(InputError, match="alt_depth filter needs an alt_depth column"):
        compute_tmb_cohort(csv, territory_mb=1.1, preset="wes", column_map=cmap)
    with pytest.raises(InputError, match="--off population_af"):
        compute_tmb_cohort(csv, territory_mb=1.1, preset="wes", column_map=cmap, off=["alt_depth"])
    r = compute_tmb_cohort(csv, territory_mb=1.1, preset="wes", column_map=cmap, off=["population_af", "alt_depth"])
    s = r.summary.set_index("sample")
    assert s.counted_variants.to_dict() == {"P1": 1, "P2": 1}  # EGFR vaf 0.02 out; synonymous out
    assert s.tmb_per_mb["P1"] == pytest.approx(1 / 1.1)
    xlsx = tmp_path / "panel.xlsx"
    table.to_excel(xlsx, index=False)
    again = compute_tmb_cohort(
        xlsx, territory_mb=1.1, preset="wes", column_map=cmap, off=["population_af", "alt_depth"]
    )
    assert again.summary.counted_variants.tolist() == [1, 1]


def test_results_reach_files_and_the_store(maf, tmp_path) -> None:
    r = compute_tmb_cohort(maf, preset="maftools")
    paths = r.write(tmp_path / "out", "luad")
    written = pd.read_csv(paths["tmb"], sep="\t")
    assert written["sample"].tolist() == ["TCGA-A", "TCGA-B", "TCGA-C"]
    assert json.loads(paths["json"].read_text())["tumours"] == 3
    with Store(tmp_path / "study.duckdb") as store:
        store.upsert_tmb_many(r.store_rows())
        stored = store.table("tmb_results").set_index("sample")
        audit = store.table("tmb_filter_audit")
    assert stored.loc["TCGA-A", "counted_variants"] == 4 and "duplicate" in stored.loc["TCGA-A", "warnings"]
    assert int(audit.query("sample == 'TCGA-A' and filter == 'duplicate'").removed.iloc[0]) == 1


def test_preset_yaml_paths_are_relative_to_the_yaml(maf, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "drivers.txt").write_text("chr12 25245350 C A\n")
    (folder / "mine.yaml").write_text(
        "name: mine\nrequire_pass: false\nmin_vaf: null\nmin_depth: null\n"
        "min_alt_depth: null\nmax_population_af: null\nexclude_hotspots: true\n"
        "hotspot_list: drivers.txt\nterritory_mb: 1.0\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    s = compute_tmb_cohort(maf, preset=folder / "mine.yaml").summary.set_index("sample")
    assert s.loc["TCGA-A", "removed_hotspot"] == 1


def test_a_duplicate_counts_once_among_calls_that_pass(tmp_path) -> None:
    rows = [
        row("KRAS", "chr12", 25245350, "Missense_Mutation", "C", "A", "T1", filt="weak_evidence"),
        row("KRAS", "chr12", 25245350, "Missense_Mutation", "C", "A", "T1"),  # the same call, passing
        row("KRAS", "chr12", 25245350, "Missense_Mutation", "C", "A", "T1"),
    ]  # and again
    path = tmp_path / "d.maf"
    path.write_text("\t".join(COLS) + "\n" + "".join("\t".join(r) + "\n" for r in rows))
    r = compute_tmb(path, None, "wes", territory_mb=1.0, off=["population_af"])
    assert list(r.variants().fate) == ["filter", "counted", "duplicate"]
