"""The tumours of a simulated study: planned and written one at a time (memory stays flat), each as a
tumour/normal VCF, and for some patients also a tumour-only VCF and a MAF, with the samplesheet, the truth of
each sample and variant, and (``genomic=True``) the planted signatures, co-mutations and reference FASTA."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from biomarker.simulate._io import write_csv
from biomarker.simulate.fasta import write_reference_fasta
from biomarker.simulate.genome import HOTSPOTS, Exome
from biomarker.simulate.maf import write_maf
from biomarker.simulate.signatures import (
    COMUTATIONS,
    SIGNATURES,
    draw_mixture,
    signature_matrix,
    write_signature_matrix,
)
from biomarker.simulate.somatic import TumourPlanner, more_germline
from biomarker.simulate.somatic_vcf import write_vcf
from biomarker.simulate.streams import S_GENOMIC, S_VARIANTS, rng_for
from biomarker.simulate.truth import SAMPLE_COLUMNS, counted, write_variants


@dataclass(frozen=True)
class TumourFiles:
    """What :func:`write_tumours` wrote, and the true counted variants per patient (they feed the response)."""

    vcfs: tuple[Path, ...]
    tumour_only_vcfs: tuple[Path, ...]
    mafs: tuple[Path, ...]
    truth_variants: tuple[Path, ...]
    samplesheet: Path
    truth_samples: Path
    true_counts: np.ndarray
    drivers: list[str]
    fasta: Path | None = None
    signature_matrix: Path | None = None
    truth_genomic: Path | None = None


def write_tumours(
    out: Path,
    exome: Exome,
    exome_mb: float,
    base: dict[str, np.ndarray],
    usubjids: Sequence[str],
    tumour_only: set[int],
    maf_set: set[int],
    seed: int,
    genomic: bool,
    tick: Callable[[str, int, int], None],
) -> TumourFiles:
    """Plan and write every patient's tumour (see the module docstring); only the counts are kept in memory.

    ``base`` is the cohort's baseline draw (``smoking``, ``histology``, ``tmb``); ``tumour_only`` and ``maf_set``
    are the patient indices that also get a tumour-only VCF or a MAF.
    """
    n = len(usubjids)
    territory_mb = exome.territory_bp / 1e6
    planner = TumourPlanner(exome)
    scale = exome_mb / 35.0
    bed_rel = "reference/exome.bed"
    vcfs, to_vcfs, mafs, truth_vars = [], [], [], []
    sheets: dict[str, list[list[object]]] = {"tumor_normal": [], "tumor_only": [], "maf": []}
    sample_truth: dict[str, list[list[object]]] = {"tumor_normal": [], "tumor_only": [], "maf": []}
    drivers_txt: list[str] = []
    true_counts = np.zeros(n, dtype=int)

    sbs_matrix = signature_matrix() if genomic else None
    sites: list[tuple[str, int, int]] = []
    genomic_truth: list[list[object]] = []

    def add_sample(kind: str, u: str, name: str, rel: str, c: int) -> None:
        sheets[kind].append([u, name, rel, bed_rel, kind])
        sample_truth[kind].append([name, u, kind, rel, c, exome.territory_bp, c / territory_mb])

    for i in range(n):
        rng = rng_for(seed, S_VARIANTS, i)
        u = usubjids[i]
        tumour = f"{u}-T"
        smoker = base["smoking"][i] != "NEVER"
        adeno = base["histology"][i] == "ADENOCARCINOMA"
        drivers = []
        if rng.random() < (0.15 if smoker and adeno else 0.04):
            drivers.append(HOTSPOTS[0])
        if rng.random() < 0.06:
            drivers.append(HOTSPOTS[1])
        drivers_txt.append(";".join(f"{h.symbol} {h.hgvsp}" for h in drivers))
        target = max(1, round(float(base["tmb"][i]) * territory_mb))
        if sbs_matrix is None:
            recs = planner.plan(rng, target, scale, drivers)
        else:
            g_rng = rng_for(seed, S_GENOMIC, i)
            mix = draw_mixture(g_rng, smoker)
            kras = HOTSPOTS[0] in drivers
            comut = {
                flag: bool(g_rng.random() < (p_mut if kras else p_wt))
                for flag, (_, _, (p_mut, p_wt)) in COMUTATIONS.items()
            }
            recs = planner.plan(
                rng,
                target,
                scale,
                drivers,
                sbs=sbs_matrix @ mix,
                comutations=tuple(COMUTATIONS[f][:2] for f, on in comut.items() if on),
            )
            genomic_truth.append(
                [u, tumour, smoker, *(round(float(x), 6) for x in mix), *comut.values(), kras, HOTSPOTS[1] in drivers]
            )
        true_counts[i] = counted(recs)
        vcfs.append(write_vcf(recs, out / "vcf" / f"{tumour}.vcf.gz", tumour, f"{u}-N"))
        truth_vars.append(write_variants(out / "truth" / "variants" / f"{tumour}.tsv", recs))
        add_sample("tumor_normal", u, tumour, f"vcf/{tumour}.vcf.gz", int(true_counts[i]))
        if i in tumour_only:
            extra = max(5, int(rng.poisson(60 * scale)))
            to_recs = recs + more_germline(planner, rng, extra)
            if sbs_matrix is not None:
                sites.extend((r.contig, r.pos, len(r.ref)) for r in to_recs[len(recs) :])
            name = f"{tumour}.tumor_only"
            to_vcfs.append(write_vcf(to_recs, out / "vcf" / f"{name}.vcf.gz", tumour, None))
            truth_vars.append(write_variants(out / "truth" / "variants" / f"{name}.tsv", to_recs))
            add_sample("tumor_only", u, name, f"vcf/{name}.vcf.gz", counted(to_recs))
        if i in maf_set:
            name = f"{tumour}.maf"
            mafs.append(write_maf(recs, out / "maf" / f"{tumour}.maf", tumour, f"{u}-N"))
            truth_vars.append(write_variants(out / "truth" / "variants" / f"{name}.tsv", recs, maf=True))
            add_sample("maf", u, name, f"maf/{tumour}.maf", counted(recs, maf=True))
        if sbs_matrix is not None:
            sites.extend((r.contig, r.pos, len(r.ref)) for r in recs)
        tick("variants", i + 1, n)
    fasta = sig_path = truth_genomic = None
    if sbs_matrix is not None:
        tick("reference FASTA", 0, 1)
        fasta = write_reference_fasta(exome, sites, out / "reference" / "genome.fa.gz")
        sig_path = write_signature_matrix(out / "reference" / "signatures_sbs96.tsv")
        truth_genomic = write_csv(
            out / "truth" / "genomic.csv",
            (
                "usubjid",
                "sample",
                "smoker",
                *(f"{s.lower()}_exposure_frac" for s in SIGNATURES),
                *COMUTATIONS,
                "kras_g12c",
                "tp53_mut",
            ),
            genomic_truth,
        )
        tick("reference FASTA", 1, 1)
    sheet = [row for kind in sheets for row in sheets[kind]]
    samplesheet = write_csv(out / "samplesheet.csv", ("patient", "sample", "vcf", "bed", "type"), sheet)
    truth_samples = write_csv(
        out / "truth" / "samples.csv", SAMPLE_COLUMNS, [row for kind in sample_truth for row in sample_truth[kind]]
    )

    return TumourFiles(
        vcfs=tuple(vcfs),
        tumour_only_vcfs=tuple(to_vcfs),
        mafs=tuple(mafs),
        truth_variants=tuple(truth_vars),
        samplesheet=samplesheet,
        truth_samples=truth_samples,
        true_counts=true_counts,
        drivers=drivers_txt,
        fasta=fasta,
        signature_matrix=sig_path,
        truth_genomic=truth_genomic,
    )
