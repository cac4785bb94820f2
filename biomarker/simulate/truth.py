"""The known truth of a simulated study: per patient, per sample and per variant."""

from __future__ import annotations

from pathlib import Path

from biomarker.simulate._io import write_csv
from biomarker.simulate.maf import maf_allele
from biomarker.simulate.somatic import Record
from biomarker.simulate.somatic_vcf import sort_records

PATIENT_COLUMNS = (
    "USUBJID",
    "true_tmb_per_mb",
    "true_counted_variants",
    "territory_bp",
    "smoking",
    "pdl1_tps_true_pct",
    "til_pct",
    "nk_pct_baseline",
    "cd8_change",
    "linear_predictor",
    "p_response",
    "bor",
    "bor_date",
    "first_response_date",
    "pfs_months",
    "pfs_event",
    "os_months",
    "os_event",
    "investigator_discordant",
    "investigator_bor",
    "drivers",
)
VARIANT_COLUMNS = (
    "contig",
    "pos",
    "ref",
    "alt",
    "alt_index",
    "filter",
    "in_bed",
    "tumor_dp",
    "tumor_alt_depth",
    "tumor_af",
    "population_af",
    "chosen_feature",
    "chosen_consequence",
    "intent",
    "fate",
    "failed_rules",
)
SAMPLE_COLUMNS = ("sample", "patient", "type", "path", "true_counted_variants", "territory_bp", "true_tmb_per_mb")


def variant_rows(records: list[Record], maf: bool = False) -> list[list[object]]:
    """One row per written ALT (for a MAF: per written row, i.e. the best-supported ALT)."""
    rows = []
    for rec in sort_records(records):
        alleles = [maf_allele(rec)] if maf else rec.alts
        for allele in alleles:
            i = rec.alts.index(allele)
            rows.append(
                [
                    rec.contig,
                    rec.pos,
                    rec.ref,
                    allele.alt,
                    i + 1,
                    rec.filter,
                    rec.in_bed,
                    rec.t_dp,
                    allele.t_alt,
                    rec.t_af(i),
                    f"{allele.pop.value:.6g}",
                    allele.chosen_feature,
                    allele.chosen_consequence,
                    allele.intent,
                    allele.fate,
                    allele.reasons,
                ]
            )
    return rows


def counted(records: list[Record], maf: bool = False) -> int:
    """Number of written ALTs whose fate is ``counted``."""
    return sum(1 for rec in records for a in ([maf_allele(rec)] if maf else rec.alts) if a.fate == "counted")


def write_variants(path: Path, records: list[Record], maf: bool = False) -> Path:
    """Write ``truth/variants/<sample>.tsv``."""
    return write_csv(path, VARIANT_COLUMNS, variant_rows(records, maf), delimiter="\t")
