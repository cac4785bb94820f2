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
from biomarker.simulate.fasta import write_reference_fasta
from biomarker.simulate.fcs import FCS_TRUTH_COLUMNS, write_fcs
from biomarker.simulate.genome import HOTSPOTS, build_exome, write_bed, write_genes
from biomarker.simulate.maf import write_maf
from biomarker.simulate.pdl1 import PDL1_COLUMNS, pdl1_row
from biomarker.simulate.response_model import ResponseModel
from biomarker.simulate.signatures import (
    COMUTATIONS,
    SIGNATURES,
    draw_mixture,
    signature_matrix,
    write_signature_matrix,
)
from biomarker.simulate.somatic import TumourPlanner, more_germline
from biomarker.simulate.somatic_vcf import write_vcf
from biomarker.simulate.tbnk import TBNK_COLUMNS, simulate_tbnk
from biomarker.simulate.treatment import simulate_treatment
from biomarker.simulate.truth import PATIENT_COLUMNS, SAMPLE_COLUMNS, counted, write_variants
from biomarker.simulate.tumour_course import day_to_date, months, simulate_course

log = logging.getLogger(__name__)

STUDYID = "TAX-201"
STUDY_START = date(2022, 3, 7)
RECRUITMENT_DAYS = 420
DATA_CUTOFF = STUDY_START + timedelta(days=730)
N_SPECIAL = 3  # tumour-only VCFs and MAFs
N_DISCORDANT = 2

ProgressCallback = Callable[[str, int, int], None]

# independent random streams: default_rng([seed, STREAM, patient])
_S_BASELINE, _S_IDS, _S_VARIANTS, _S_RESPONSE, _S_COURSE, _S_TREAT, _S_TBNK, _S_PDL1, _S_FCS = range(1, 10)
_S_GENOMIC = 10


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


def _rng(seed: int, stream: int, i: int | None = None) -> np.random.Generator:
    return np.random.default_rng([seed, stream] if i is None else [seed, stream, i])


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
    base = draw_baseline(_rng(seed, _S_BASELINE), n)
    ids_rng = _rng(seed, _S_IDS)
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

    # ---- somatic variants: planned and written one tumour at a time (memory stays flat); only the
    # counts are kept, because the true TMB feeds the response model
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
        rng = _rng(seed, _S_VARIANTS, i)
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
            g_rng = _rng(seed, _S_GENOMIC, i)
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
    true_tmb = true_counts / territory_mb
    sheet = [row for kind in sheets for row in sheets[kind]]
    samplesheet = write_csv(out / "samplesheet.csv", ("patient", "sample", "vcf", "bed", "type"), sheet)
    truth_samples = write_csv(
        out / "truth" / "samples.csv", SAMPLE_COLUMNS, [row for kind in sample_truth for row in sample_truth[kind]]
    )

    # ---- response
    feats = dict(base)
    feats["tmb"] = np.maximum(true_tmb, 0.05)
    lp = model.linear_predictor(feats)
    p = model.probability(feats)
    klass = model.draw_class(_rng(seed, _S_RESPONSE), p)
    sd_idx = [i for i in _rng(seed, _S_RESPONSE, 1).permutation(n).tolist() if klass[i] == "SD"]
    discordant = set(sd_idx[:N_DISCORDANT])

    # ---- per-patient clinical course, treatment, biomarkers
    clin: list[ClinicalPatient] = []
    tbnk_rows, pdl1_rows, fcs_jobs = [], [], []
    for i in range(n):
        follow_up = (DATA_CUTOFF - first_doses[i]).days
        course = simulate_course(_rng(seed, _S_COURSE, i), str(klass[i]), follow_up, discordant=i in discordant)
        treat = simulate_treatment(_rng(seed, _S_TREAT, i), course, follow_up)
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
            _rng(seed, _S_TBNK, i),
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
                _rng(seed, _S_PDL1, i),
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
            written, planted = write_fcs(path, _rng(seed, _S_FCS, j), res, when)
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
        samplesheet=samplesheet,
        vcfs=tuple(vcfs),
        tumour_only_vcfs=tuple(to_vcfs),
        mafs=tuple(mafs),
        clinical=clinical,
        study_json=clinical["study"],
        pdl1=pdl1,
        tbnk=tbnk,
        fcs=tuple(fcs_paths),
        truth_patients=truth_patients,
        truth_samples=truth_samples,
        truth_variants=tuple(truth_vars),
        response_model=response_model,
        usubjids=tuple(usubjids),
        fasta=fasta,
        signature_matrix=sig_path,
        truth_genomic=truth_genomic,
    )
