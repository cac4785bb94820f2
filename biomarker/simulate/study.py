"""Simulate a whole study: reference, somatic VCF/MAF, clinical SDTM, pathology, TBNK, FCS and truth."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from biomarker.simulate._io import fmt, write_csv, write_json
from biomarker.simulate.clinical import ClinicalPatient, write_clinical
from biomarker.simulate.cohort import draw_baseline
from biomarker.simulate.fcs import FCS_TRUTH_COLUMNS, write_fcs
from biomarker.simulate.genome import build_exome, write_bed, write_genes
from biomarker.simulate.pdl1 import PDL1_COLUMNS, pdl1_row
from biomarker.simulate.response_model import ResponseModel
from biomarker.simulate.streams import (
    S_BASELINE,
    S_COURSE,
    S_FCS,
    S_IDS,
    S_PDL1,
    S_RESPONSE,
    S_TBNK,
    S_TREAT,
    rng_for,
)
from biomarker.simulate.study_tumours import write_tumours
from biomarker.simulate.tbnk import TBNK_COLUMNS, simulate_tbnk
from biomarker.simulate.treatment import simulate_treatment
from biomarker.simulate.truth import PATIENT_COLUMNS
from biomarker.simulate.tumour_course import day_to_date, months, simulate_course

log = logging.getLogger(__name__)

STUDYID = "TAX-201"
STUDY_START = date(2022, 3, 7)
RECRUITMENT_DAYS = 420
DATA_CUTOFF = STUDY_START + timedelta(days=730)
N_SPECIAL = 3  # tumour-only VCFs and MAFs
N_DISCORDANT = 2

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class StudyFiles:
    """Paths of everything :func:`simulate_study` wrote (absolute; the samplesheet uses relative ones)."""

    outdir: Path
    bed: Path
    genes: Path
    samplesheet: Path
    vcfs: tuple[Path, ...]
    tumour_only_vcfs: tuple[Path, ...]
    mafs: tuple[Path, ...]
    clinical: Mapping[str, Path]
    study_json: Path
    pdl1: Path
    tbnk: Path
    fcs: tuple[Path, ...]
    truth_patients: Path
    truth_samples: Path
    truth_variants: tuple[Path, ...]
    response_model: Path
    usubjids: tuple[str, ...] = field(default_factory=tuple)
    fasta: Path | None = None  # with genomic=True: reference FASTA, planted SBS96 matrix, truth
    signature_matrix: Path | None = None
    truth_genomic: Path | None = None


def simulate_study(
    outdir: str | Path,
    n_patients: int = 50,
    seed: int = 7,
    null: bool = False,
    fcs: bool = False,
    effects: Mapping[str, float] | None = None,
    *,
    exome_mb: float = 35.0,
    progress: ProgressCallback | None = None,
    genomic: bool = False,
) -> StudyFiles:
    """Write a synthetic phase II toripalimab + axitinib NSCLC study with known truth.

    Parameters
    ----------
    outdir
        Output folder (created; existing files of the same names are replaced atomically).
    n_patients
        Number of patients (>= 1).
    seed
        Seed; the same seed gives byte-identical files. The reference (BED, genes) depends only on
        ``exome_mb``.
    null
        All response-model effects zero (biomarkers carry no signal); overrides ``effects``.
    fcs
        Also write one raw FCS file per TBNK tube (``flow/fcs``).
    effects
        Log-odds per population SD for the response-model features (see
        :mod:`biomarker.simulate.response_model`); unspecified features keep their defaults.
    exome_mb
        Capture size in Mb (35 by default; tests use a small one for speed).
    progress
        Optional ``progress(stage, done, total)`` callback.
    genomic
        Plant per-tumour SBS signature mixtures (by smoking status) and STK11/KEAP1 loss-of-function
        co-mutations, and write ``reference/genome.fa.gz`` (+ ``.fai``/``.gzi``), the planted matrix
        ``reference/signatures_sbs96.tsv`` and ``truth/genomic.csv`` (see
        :mod:`biomarker.simulate.signatures`). Off by default: the other files stay byte-identical.

    Returns
    -------
    StudyFiles

    Examples
    --------
    >>> files = simulate_study("/tmp/sim", n_patients=4, exome_mb=1.0)  # doctest: +SKIP
    >>> files.samplesheet.name  # doctest: +SKIP
    'samplesheet.csv'
    """
    if int(n_patients) < 1:
        raise ValueError("n_patients must be >= 1")
    if exome_mb <= 0:
        raise ValueError("exome_mb must be > 0")
    seed = int(seed)
    n = int(n_patients)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)

    def tick(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    # ---- reference
    tick("reference", 0, 1)
    exome = build_exome(exome_mb)
    bed = write_bed(exome, out / "reference" / "exome.bed")
    genes = write_genes(exome, out / "reference" / "genes.tsv")
    territory_mb = exome.territory_bp / 1e6
    tick("reference", 1, 1)

    # ---- cohort
    model = ResponseModel.build(effects, null=null)
    base = draw_baseline(rng_for(seed, S_BASELINE), n)
    ids_rng = rng_for(seed, S_IDS)
    sites = ids_rng.integers(1, 5, size=n)
    offsets = np.sort(ids_rng.uniform(0, RECRUITMENT_DAYS, size=n)).astype(int)
    counters: dict[int, int] = {}
    usubjids, subjids = [], []
    for site in sites.tolist():
        counters[site] = counters.get(site, 0) + 1
        subjid = f"{site:02d}-{counters[site]:03d}"
        subjids.append(subjid)
        usubjids.append(f"{STUDYID}-{subjid}")
    first_doses = [STUDY_START + timedelta(days=int(d)) for d in offsets]
    perm = ids_rng.permutation(n)
    k = min(N_SPECIAL, n)
    tumour_only = set(perm[:k].tolist())
    maf_set = set(perm[-k:].tolist())

    # ---- somatic variants (one tumour at a time); the true TMB feeds the response model
    tumours = write_tumours(out, exome, exome_mb, base, usubjids, tumour_only, maf_set, seed, genomic, tick)
    true_counts, drivers_txt = tumours.true_counts, tumours.drivers
    true_tmb = true_counts / territory_mb

    # ---- response
    feats = dict(base)
    feats["tmb"] = np.maximum(true_tmb, 0.05)
    lp = model.linear_predictor(feats)
    p = model.probability(feats)
    klass = model.draw_class(rng_for(seed, S_RESPONSE), p)
    sd_idx = [i for i in rng_for(seed, S_RESPONSE, 1).permutation(n).tolist() if klass[i] == "SD"]
    discordant = set(sd_idx[:N_DISCORDANT])

    # ---- per-patient clinical course, treatment, biomarkers
    clin: list[ClinicalPatient] = []
    tbnk_rows, pdl1_rows, fcs_jobs = [], [], []
    for i in range(n):
        follow_up = (DATA_CUTOFF - first_doses[i]).days
        course = simulate_course(rng_for(seed, S_COURSE, i), str(klass[i]), follow_up, discordant=i in discordant)
        treat = simulate_treatment(rng_for(seed, S_TREAT, i), course, follow_up)
        clin.append(
            ClinicalPatient(
                STUDYID,
                usubjids[i],
                subjids[i],
                first_doses[i],
                int(base["age"][i]),
                str(base["sex"][i]),
                int(base["ecog"][i]),
                str(base["smoking"][i]),
                str(base["histology"][i]),
                course,
                treat,
            )
        )
        results = simulate_tbnk(
            rng_for(seed, S_TBNK, i),
            usubjids[i],
            i,
            float(base["nk_pct_baseline"][i]),
            float(base["cd8_change"][i]),
            [c[0] for c in treat.cycles],
        )
        for res in results:
            when = day_to_date(first_doses[i], res.day).isoformat()
            tbnk_rows.append(res.row(when))
            fcs_jobs.append((i, res, when))
        pdl1_rows.append(
            pdl1_row(
                rng_for(seed, S_PDL1, i),
                usubjids[i],
                i,
                first_doses[i],
                float(base["pdl1_tps"][i]),
                float(base["til_pct"][i]),
            )
        )

    # ---- write: clinical, pathology, flow
    clinical = write_clinical(out, clin, STUDYID, DATA_CUTOFF)
    pdl1 = write_csv(out / "pathology" / "pdl1_til.csv", PDL1_COLUMNS, pdl1_rows)
    tbnk = write_csv(out / "flow" / "tbnk.csv", TBNK_COLUMNS, tbnk_rows)
    fcs_paths: list[Path] = []
    if fcs:
        fcs_truth = []
        for j, (i, res, when) in enumerate(fcs_jobs):
            path = out / "flow" / "fcs" / f"{usubjids[i]}_{res.visit}_TBNK.fcs"
            written, planted = write_fcs(path, rng_for(seed, S_FCS, j), res, when)
            fcs_paths.append(written)
            fcs_truth.append(planted)
            tick("fcs", j + 1, len(fcs_jobs))
        write_csv(out / "truth" / "fcs_events.csv", FCS_TRUTH_COLUMNS, fcs_truth)

    # ---- patient truth + model
    rows = []
    for i, cp in enumerate(clin):
        c = cp.course

        def d(day: int | None, cp: ClinicalPatient = cp) -> str | None:
            return None if day is None else day_to_date(cp.first_dose, day).isoformat()

        rows.append(
            [
                usubjids[i],
                float(true_tmb[i]),
                int(true_counts[i]),
                exome.territory_bp,
                cp.smoking,
                round(float(base["pdl1_tps"][i]), 2),
                round(float(base["til_pct"][i]), 2),
                round(float(base["nk_pct_baseline"][i]), 3),
                round(float(base["cd8_change"][i]), 3),
                float(lp[i]),
                float(p[i]),
                c.bor,
                d(c.bor_day),
                d(c.first_response_day),
                months(c.pfs_day),
                int(c.pfs_event),
                months(c.os_day),
                int(c.os_event),
                c.discordant,
                c.investigator_bor,
                drivers_txt[i],
            ]
        )
    truth_patients = write_csv(out / "truth" / "patients.csv", PATIENT_COLUMNS, rows)
    model_json = model.to_json(cohort_p=p)
    model_json.update(
        {
            "n_patients": n,
            "seed": seed,
            "studyid": STUDYID,
            "data_cutoff": DATA_CUTOFF.isoformat(),
            "territory_bp": exome.territory_bp,
            "exome_mb_requested": float(fmt(exome_mb)),
        }
    )
    response_model = write_json(out / "truth" / "response_model.json", model_json)
    log.info("simulated %d patients into %s", n, out)
    return StudyFiles(
        outdir=out,
        bed=bed,
        genes=genes,
        samplesheet=tumours.samplesheet,
        vcfs=tumours.vcfs,
        tumour_only_vcfs=tumours.tumour_only_vcfs,
        mafs=tumours.mafs,
        clinical=clinical,
        study_json=clinical["study"],
        pdl1=pdl1,
        tbnk=tbnk,
        fcs=tuple(fcs_paths),
        truth_patients=truth_patients,
        truth_samples=tumours.truth_samples,
        truth_variants=tumours.truth_variants,
        response_model=response_model,
        usubjids=tuple(usubjids),
        fasta=tumours.fasta,
        signature_matrix=tumours.signature_matrix,
        truth_genomic=tumours.truth_genomic,
    )
