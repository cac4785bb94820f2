"""Compute genomic features for a cohort: catalogues, spectrum features, exposures, co-mutation flags."""

from __future__ import annotations

import logging
import math
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from biomarker.genomic.catalogue import Reference, TumourCatalogue, build_catalogue
from biomarker.genomic.channels import CHANNELS, substitution_of
from biomarker.genomic.comutations import DEFAULT_RULES, Rule
from biomarker.genomic.features import TRANSVERSION_HIGH_CUTOFF, spectrum_features
from biomarker.genomic.result import GenomicResult
from biomarker.genomic.signatures import (
    DEFAULT_COSMIC_VERSION,
    MIN_SNVS,
    N_BOOT,
    SignatureReference,
    fit_exposures,
    packaged_cosmic,
    read_signature_file,
    select_signatures,
)

log = logging.getLogger(__name__)
#: Preference of the sample that stands for a patient (``is_primary``) when several exist.
PRIMARY_ORDER = ("tumor_normal", "maf", "tumor_only", "")


@dataclass(frozen=True)
class GenomicSample:
    """One tumour to process."""

    usubjid: str
    sample: str
    path: Path
    bed: Path | None = None
    sample_type: str = ""
    tumor_sample: str | None = None


@dataclass
class GenomicConfig:
    """Settings of :func:`compute_genomic` (every one recorded in provenance).

    Parameters
    ----------
    fasta
        Reference FASTA the calls were made on.
    variant_set
        ``counted`` (the TMB's counted alleles, needs a BED) or ``passing``.
    preset
        TMB preset behind ``counted``.
    signatures
        A COSMIC-format SBS96 file; ``None`` reads the matrix SigProfilerAssignment ships.
    cosmic_version, genome, exome
        Which packaged matrix (``exome=True`` takes COSMIC's exome-normalised one).
    signature_set
        ``lung`` (default list), ``all``, or signature names.
    min_snvs, n_boot, seed
        SNV minimum for a fit, bootstrap catalogues, seed of the bootstrap.
    """

    fasta: str
    variant_set: str = "counted"
    preset: str = "wes"
    signatures: str | None = None
    cosmic_version: str = DEFAULT_COSMIC_VERSION
    genome: str = "GRCh38"
    exome: bool = False
    signature_set: str | tuple[str, ...] = "lung"
    min_snvs: int = MIN_SNVS
    n_boot: int = N_BOOT
    seed: int = 7
    transversion_high_cutoff: float = TRANSVERSION_HIGH_CUTOFF
    rules: dict[str, Rule] = field(default_factory=lambda: dict(DEFAULT_RULES))

    def as_dict(self) -> dict[str, Any]:
        """Parameters for provenance (rules as plain data)."""
        d = asdict(self)
        d["rules"] = {k: asdict(v) for k, v in self.rules.items()}
        d["comutation_flags"] = list(self.rules)
        return d


def load_reference(config: GenomicConfig) -> SignatureReference:
    """The signature matrix the config names (user file, else the packaged COSMIC one)."""
    if config.signatures:
        return read_signature_file(config.signatures)
    return packaged_cosmic(config.cosmic_version, config.genome, config.exome)


def samples_from_sheet(path: str | os.PathLike[str]) -> list[GenomicSample]:
    """Tumours of a ``biomarker batch`` samplesheet (``patient`` is the USUBJID)."""
    from biomarker.tmb.samplesheet import read_samplesheet

    return [
        GenomicSample(r.patient, r.sample, r.vcf, r.bed, r.sample_type, r.tumor_sample) for r in read_samplesheet(path)
    ]


def _sample_seed(seed: int, sample: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(sample.encode())])


def compute_genomic(
    samples: Sequence[GenomicSample], config: GenomicConfig, *, progress: Callable[[int, int], None] | None = None
) -> GenomicResult:
    """Catalogues, spectrum features, signature exposures and co-mutation flags of every tumour.

    Parameters
    ----------
    samples
        The tumours (:func:`samples_from_sheet` reads a samplesheet).
    config
        Settings.
    progress
        Called as ``progress(done, total)`` after each tumour.

    Returns
    -------
    GenomicResult

    Raises
    ------
    InputError, ConfigError
        For unreadable or inconsistent inputs (a REF unlike the FASTA) and impossible settings.

    Examples
    --------
    >>> cfg = GenomicConfig(fasta="ref/genome.fa.gz", signatures="ref/sbs96.tsv")  # doctest: +SKIP
    >>> res = compute_genomic(samples_from_sheet("samplesheet.csv"), cfg)  # doctest: +SKIP
    >>> res.summary  # doctest: +SKIP
    """
    import pandas as pd

    from biomarker import __version__
    from biomarker.files import sha256_file

    sigref = load_reference(config)
    chosen, warnings = select_signatures(sigref, config.signature_set)
    w = sigref.matrix[chosen].to_numpy()
    reference = Reference(config.fasta)
    feats, longs, cats, variants = [], [], [], []
    inputs = [{"path": config.fasta, "name": Path(config.fasta).name, "sha256": sha256_file(config.fasta)}]
    territories: dict[str, Any] = {}  # one read of each BED per cohort
    try:
        for i, s in enumerate(samples):
            bed = s.bed
            if bed is not None and str(bed) not in territories:
                from biomarker.tmb import build_territory

                territories[str(bed)] = build_territory(bed)
                inputs.append({"path": str(bed), "name": Path(bed).name, "sha256": sha256_file(bed)})
            cat = build_catalogue(
                s.path,
                reference,
                sample=s.sample,
                variant_set=config.variant_set,
                targets=bed,
                preset=config.preset,
                tumor_sample=s.tumor_sample,
                rules=config.rules,
                territory=None if bed is None else territories[str(bed)],
            )
            warnings.extend(cat.warnings)
            exp = fit_exposures(
                cat.counts,
                w,
                chosen,
                min_snvs=config.min_snvs,
                n_boot=config.n_boot,
                rng=_sample_seed(config.seed, s.sample),
            )
            feats.append(_feature_row(s, cat, exp, config, sigref))
            longs.extend(_exposure_rows(s, exp, sigref))
            cats.extend(
                (s.usubjid, s.sample, ch, substitution_of(ch), int(n))
                for ch, n in zip(CHANNELS, cat.counts.tolist(), strict=True)
            )
            variants.extend(
                (s.usubjid, s.sample, h.flag, h.gene, h.chrom, h.pos, h.ref, h.alt, h.consequence, h.hgvsp)
                for h in cat.hits
            )
            inputs.append({"path": str(s.path), "name": s.path.name, "sha256": sha256_file(s.path)})
            if progress is not None:
                progress(i + 1, len(samples))
    finally:
        reference.close()
    features = pd.DataFrame(feats)
    if len(features):
        features["is_primary"] = _primary(features)
        for col in ("transversion_high", *config.rules):  # nullable: missing stays missing, typed in the store
            features[col] = features[col].astype("boolean")
    tables = {
        "genomic_features": features,
        "signature_exposures": pd.DataFrame(
            longs,
            columns=[
                "usubjid",
                "sample",
                "signature",
                "exposure_frac",
                "exposure_ci95_low",
                "exposure_ci95_high",
                "exposure_snvs",
                "cosine_similarity",
                "snv_count",
                "signature_reference",
            ],
        ),
        "sbs96_catalogue": pd.DataFrame(cats, columns=["usubjid", "sample", "channel", "substitution", "snv_count"]),
        "comutation_variants": pd.DataFrame(
            variants,
            columns=["usubjid", "sample", "flag", "gene", "chrom", "pos", "ref", "alt", "consequence", "hgvsp"],
        ),
    }
    provenance = {
        "package": "nsclc-biomarker",
        "version": __version__,
        "parameters": config.as_dict(),
        "signatures_fitted": chosen,
        "inputs": inputs,
        **sigref.provenance(),
    }
    for msg in warnings:
        log.info("warning carried into the result: %s", msg)
    return GenomicResult(tables, provenance, warnings)


def _version() -> str:
    from biomarker import __version__

    return __version__


def _col(sig: str) -> str:
    return f"{sig.lower()}_exposure_frac"


def _feature_row(
    s: GenomicSample, cat: TumourCatalogue, exp: Any, config: GenomicConfig, sigref: SignatureReference
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "usubjid": s.usubjid,
        "sample": s.sample,
        "sample_type": s.sample_type,
        "variant_set": config.variant_set,
    }
    row.update(spectrum_features(cat.counts, cat.n_indel, config.transversion_high_cutoff, config.min_snvs))
    row["mnv_count"] = cat.n_mnv
    for k, sig in enumerate(exp.signatures):
        row[_col(sig)] = math.nan if exp.frac is None else float(exp.frac[k])
    row["signature_cosine_similarity"] = math.nan if exp.cosine is None else exp.cosine
    row["exposures_reported"] = exp.frac is not None
    row["no_exposure_reason"] = exp.reason
    for flag, value in cat.flags.items():
        row[flag] = value
    row["signature_reference"] = sigref.name
    row["package_version"] = _version()
    row["signature_reference_version"] = sigref.version
    return row


def _exposure_rows(s: GenomicSample, exp: Any, sigref: SignatureReference) -> list[tuple[Any, ...]]:
    if exp.frac is None:
        return []
    out = []
    for k, sig in enumerate(exp.signatures):
        lo = math.nan if exp.ci_low is None else float(exp.ci_low[k])
        hi = math.nan if exp.ci_high is None else float(exp.ci_high[k])
        out.append(
            (
                s.usubjid,
                s.sample,
                sig,
                float(exp.frac[k]),
                lo,
                hi,
                float(exp.frac[k]) * exp.snv_count,
                exp.cosine,
                exp.snv_count,
                sigref.name,
            )
        )
    return out


def _primary(features: Any) -> list[bool]:
    rank = {t: i for i, t in enumerate(PRIMARY_ORDER)}
    best: dict[str, tuple[int, int]] = {}
    for i, (u, t) in enumerate(zip(features["usubjid"], features["sample_type"], strict=True)):
        key = (rank.get(t, len(rank)), i)
        if u not in best or key < best[u]:
            best[u] = key
    return [best[u][1] == i for i, u in enumerate(features["usubjid"])]
