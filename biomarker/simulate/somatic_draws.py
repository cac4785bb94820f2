"""The random draws behind one planted record, apart from where it lands: the mix of somatic kinds and filter
labels, population frequencies, read counts, allele templates, and the fate each planted intent must get."""

from __future__ import annotations

import numpy as np

from biomarker.simulate.csq import PopAF
from biomarker.simulate.rng_draws import pick

#: Kinds of the true somatic mutations and their probabilities.
SOMATIC_MIX: tuple[tuple[str, float], ...] = (
    ("missense", 0.70),
    ("stop_gained", 0.07),
    ("frameshift_del", 0.05),
    ("frameshift_ins", 0.03),
    ("inframe_del", 0.025),
    ("inframe_ins", 0.015),
    ("splice_acceptor", 0.03),
    ("splice_donor", 0.03),
    ("missense_splice_region", 0.04),
    ("start_lost", 0.005),
    ("stop_lost", 0.005),
)
#: FILTER labels of the filtered artefacts and their probabilities.
FILTERS: tuple[tuple[str, float], ...] = (
    ("weak_evidence", 0.30),
    ("clustered_events", 0.12),
    ("strand_bias", 0.12),
    ("normal_artifact", 0.08),
    ("slippage", 0.05),
    ("panel_of_normals", 0.08),
    ("haplotype", 0.05),
    ("base_qual", 0.04),
    ("map_qual", 0.04),
    ("orientation", 0.04),
    ("fragment", 0.02),
    ("weak_evidence;strand_bias", 0.04),
    ("clustered_events;haplotype", 0.02),
)


#: Intended consequence on transcript 1 of each planted kind (``intron_bed`` is placed by distance).
KIND_CONSEQUENCE: dict[str, str] = {
    "missense": "missense_variant",
    "stop_gained": "stop_gained",
    "frameshift_del": "frameshift_variant",
    "frameshift_ins": "frameshift_variant",
    "inframe_del": "inframe_deletion",
    "inframe_ins": "inframe_insertion",
    "splice_acceptor": "splice_acceptor_variant",
    "splice_donor": "splice_donor_variant",
    "missense_splice_region": "missense_variant&splice_region_variant",
    "start_lost": "start_lost",
    "stop_lost": "stop_lost",
    "synonymous": "synonymous_variant",
    "utr5": "5_prime_UTR_variant",
    "utr3": "3_prime_UTR_variant",
}


def good_reads(rng: np.random.Generator, vaf_mean: float = 0.25) -> tuple[int, int]:
    """(ref, alt) tumour reads of a well-supported somatic call (VAF around ``vaf_mean``)."""
    reads = int(max(40, rng.negative_binomial(8, 8 / (8 + 110))))
    vaf = min(max(float(rng.beta(4, 4 / vaf_mean - 4)), 0.1), 0.75)  # np.clip's value, without its overhead
    alt = max(6, round(vaf * reads))
    return reads - alt, alt


def draw_pop(rng: np.random.Generator, profile: str) -> PopAF:
    """Population frequencies and known-variant IDs for a profile (``somatic``, ``common``, ``max_af_only``)."""
    rs = f"rs{int(rng.integers(1_000_000, 999_999_999))}"
    cosv = f"COSV{int(rng.integers(10_000_000, 99_999_999))}"
    if profile == "somatic":
        u = rng.random()
        if u < 0.12:
            return PopAF(existing=cosv, somatic="1")
        if u < 0.17:  # seen once in gnomAD: rare enough to keep
            e = float(rng.uniform(4e-6, 9e-5))
            return PopAF(gnomade=e, max_af=e * 2.5, max_pops="gnomADe_EAS", existing=f"{rs}&{cosv}", somatic="0&1")
        return PopAF()
    if profile == "common":
        g = float(rng.uniform(0.012, 0.6))
        e = float(np.clip(g * rng.uniform(0.8, 1.2), 0.011, 0.99))
        m = float(min(0.999, max(e, g) * rng.uniform(1.05, 1.6)))
        if rng.random() < 0.15:  # only gnomAD genomes
            return PopAF(gnomadg=g, max_af=m, max_pops="gnomADg_AFR", existing=rs)
        return PopAF(gnomade=e, gnomadg=g, max_af=m, max_pops="gnomADe_AFR", existing=rs)
    if profile == "max_af_only":  # rare overall, common in one population
        e = float(rng.uniform(2e-4, 8e-4))
        return PopAF(
            gnomade=e, gnomadg=e * 1.1, max_af=float(rng.uniform(0.005, 0.03)), max_pops="gnomADg_AMI", existing=rs
        )
    raise ValueError(profile)


def draw_reads(rng: np.random.Generator, profile: str) -> tuple[int, int, int, int, int, int]:
    """(t_ref, t_alt, t_extra, n_ref, n_alt, n_extra) for a reads profile."""
    n_reads = int(rng.integers(40, 130))
    n_alt = 0 if rng.random() < 0.93 else 1
    if profile == "good":
        t_ref, t_alt = good_reads(rng)
    elif profile == "germline":
        reads = int(rng.integers(60, 200))
        t_alt = round(reads * min(max(float(rng.normal(0.5, 0.06)), 0.35), 0.65))
        t_ref = reads - t_alt
        n_alt = round(n_reads * min(max(float(rng.normal(0.5, 0.06)), 0.35), 0.65))
    elif profile == "low_vaf":
        reads = int(rng.integers(150, 320))
        t_alt = int(rng.integers(3, 5))
        t_ref = reads - t_alt
    elif profile == "low_depth":
        reads = int(rng.integers(8, 15))
        t_alt = int(rng.integers(4, 7))
        t_ref = reads - t_alt
        return t_ref, t_alt, int(rng.integers(0, 3)), n_reads - n_alt, n_alt, int(rng.integers(0, 3))
    elif profile == "alt_depth":
        reads = int(rng.integers(22, 31))
        t_alt = 2
        t_ref = reads - t_alt
    else:
        raise ValueError(profile)
    return t_ref, t_alt, int(rng.integers(0, 4)), n_reads - n_alt, n_alt, int(rng.integers(0, 4))


#: The three other bases of each reference base, in ``ACGT`` order.
OTHER_BASES: dict[str, tuple[str, ...]] = {ref: tuple(b for b in "ACGT" if b != ref) for ref in "ACGT"}


def draw_alleles(rng: np.random.Generator, kind: str, ref_base: str) -> tuple[str, str, int]:
    """(ref, alt, span) templates: ref/alt filled from the pseudo-genome by the caller."""
    if kind in ("frameshift_del", "inframe_del"):
        size = pick(rng, (1, 2, 4, 5)) if kind == "frameshift_del" else pick(rng, (3, 6))
        return "DEL", str(size), size + 1
    if kind in ("frameshift_ins", "inframe_ins"):
        size = pick(rng, (1, 2, 4)) if kind == "frameshift_ins" else 3
        return "INS", str(size), 1
    return ref_base, pick(rng, OTHER_BASES[ref_base]), 1


def expected_fate(intent: str) -> str:
    """The fate a planted intent must be judged to have (``counted`` or the first reason it is dropped)."""
    if intent in (
        "somatic_synonymous",
        "somatic_intron_bed",
        "somatic_utr5",
        "somatic_utr3",
        "somatic_mane_synonymous_alt_missense",
        "somatic_canonical_synonymous_alt_missense",
    ):
        return "consequence"
    if intent.startswith("somatic_"):
        return "counted"
    return {
        "artefact_filtered": "filter",
        "germline_filtered": "filter",
        "germline_common_pass": "population_af",
        "germline_rare_population_max_af": "population_af",
        "artefact_low_vaf": "vaf",
        "artefact_low_depth": "depth",
        "artefact_low_alt_depth": "alt_depth",
        "off_target": "territory",
    }[intent]
