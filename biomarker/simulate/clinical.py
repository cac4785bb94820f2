"""SDTM-style clinical CSVs (DM, EX, TU, TR, RS, AE, DS) and ``study.json``.

Column contract (read by ``biomarker.clinical``; dates ISO 8601 ``YYYY-MM-DD``):

- ``dm.csv``: STUDYID, USUBJID, SUBJID, RFSTDTC, RFENDTC, AGE, SEX, ECOG, SMOKING, HISTOLOGY, DTHFL, DTHDTC
- ``ex.csv``: USUBJID, EXTRT, EXDOSE, EXDOSU, EXDOSFRQ, EXSTDTC, EXENDTC, VISIT, EXADJ
- ``tu.csv``: USUBJID, TULNKID, TUTESTCD, TUORRES, TULOC, TUMETHOD, TUDTC, VISIT
- ``tr.csv``: USUBJID, TRLNKID, TRTESTCD, TRORRES, TRSTRESC, TRSTRESN, TRSTRESU, TRDTC, VISIT, VISITNUM
- ``rs.csv``: USUBJID, RSTESTCD, RSORRES, RSSTRESC, RSEVAL, RSDTC, VISIT, VISITNUM
- ``ae.csv``: USUBJID, AETERM, AEDECOD, AEBODSYS, AETOXGR, AESER, AEREL, AEACN, AESTDTC, AEENDTC
- ``ds.csv``: USUBJID, DSCAT, DSDECOD, DSSTDTC
- ``sv.csv``: USUBJID, VISIT, VISITNUM, SVSTDTC -- the survival sweep at the cut-off (every living subject
  still followed is contacted), so that the last date known alive (LSTALVDT) is the cut-off for them

With ``real_data_variants`` (the default) the files look like a sponsor's delivery: RS carries ``RSCAT``
(``RECIST 1.1`` rows and the investigator's ``iRECIST`` rows beside them), AEREL is coded as sponsors code it
(``RELATED``, ``POSSIBLY RELATED``, ``NOT RELATED``...), an axitinib dose reduction is ``AEACN = MULTIPLE``
with per-drug actions and relatedness in ``suppae.csv``, every fourth subject's follow-up lesions are
measured in cm, some AE end dates are partial (``YYYY-MM``), and ``cm.csv`` holds concomitant medication
(history with year-only dates) and the subsequent anticancer therapy. None of this changes the planted truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from biomarker.simulate._io import write_csv, write_json
from biomarker.simulate.treatment import Treatment
from biomarker.simulate.tumour_course import Course, day_to_date

DM_COLUMNS = (
    "STUDYID",
    "USUBJID",
    "SUBJID",
    "RFSTDTC",
    "RFENDTC",
    "AGE",
    "SEX",
    "ECOG",
    "SMOKING",
    "HISTOLOGY",
    "DTHFL",
    "DTHDTC",
)
EX_COLUMNS = ("USUBJID", "EXTRT", "EXDOSE", "EXDOSU", "EXDOSFRQ", "EXSTDTC", "EXENDTC", "VISIT", "EXADJ")
TU_COLUMNS = ("USUBJID", "TULNKID", "TUTESTCD", "TUORRES", "TULOC", "TUMETHOD", "TUDTC", "VISIT")
TR_COLUMNS = (
    "USUBJID",
    "TRLNKID",
    "TRTESTCD",
    "TRORRES",
    "TRSTRESC",
    "TRSTRESN",
    "TRSTRESU",
    "TRDTC",
    "VISIT",
    "VISITNUM",
)
RS_COLUMNS = ("USUBJID", "RSTESTCD", "RSORRES", "RSSTRESC", "RSEVAL", "RSDTC", "VISIT", "VISITNUM")
AE_COLUMNS = ("USUBJID", "AETERM", "AEDECOD", "AEBODSYS", "AETOXGR", "AESER", "AEREL", "AEACN", "AESTDTC", "AEENDTC")
RS_REAL_COLUMNS = (*RS_COLUMNS, "RSCAT")
AE_REAL_COLUMNS = ("USUBJID", "AESEQ", *AE_COLUMNS[1:])
SUPPAE_COLUMNS = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL")
CM_COLUMNS = ("USUBJID", "CMTRT", "CMDECOD", "CMCAT", "CMCLAS", "CMSTDTC", "CMENDTC")
IRECIST = {"CR": "iCR", "PR": "iPR", "SD": "iSD", "NON-CR/NON-PD": "NON-iCR/NON-iUPD", "PD": "iUPD", "NE": "NE"}
_RELATED = ("RELATED", "POSSIBLY RELATED", "PROBABLY RELATED")
_NOT_RELATED = ("NOT RELATED", "UNLIKELY RELATED")
DS_COLUMNS = ("USUBJID", "DSCAT", "DSDECOD", "DSSTDTC")
SV_COLUMNS = ("USUBJID", "VISIT", "VISITNUM", "SVSTDTC")
#: Disposition terms after which a subject is no longer contacted for survival.
FOLLOW_UP_ENDS = ("WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP", "WITHDRAWAL OF CONSENT")


@dataclass
class ClinicalPatient:
    """What the clinical writers need of one patient."""

    studyid: str
    usubjid: str
    subjid: str
    first_dose: date
    age: int
    sex: str
    ecog: int
    smoking: str
    histology: str
    course: Course
    treatment: Treatment


def _d(p: ClinicalPatient, day: int | None) -> str | None:
    return None if day is None else day_to_date(p.first_dose, day).isoformat()


def dm_rows(patients: list[ClinicalPatient]) -> list[list[object]]:
    """Demography: one row per subject; RFENDTC = last dose, DTHFL/DTHDTC for observed deaths."""
    rows = []
    for p in patients:
        last = max(stop for _, stop, _, _ in p.treatment.cycles)
        death = p.course.death_day
        rows.append(
            [
                p.studyid,
                p.usubjid,
                p.subjid,
                _d(p, 0),
                _d(p, last),
                p.age,
                p.sex,
                p.ecog,
                p.smoking,
                p.histology,
                "Y" if death is not None else None,
                _d(p, death),
            ]
        )
    return rows


def ex_rows(patients: list[ClinicalPatient]) -> list[list[object]]:
    """Exposure: per cycle, one toripalimab row (day 1) and one axitinib row (the cycle)."""
    rows = []
    for p in patients:
        for c, (start, stop, dose, adj) in enumerate(p.treatment.cycles):
            visit = f"C{c + 1}D1"
            rows.append([p.usubjid, "TORIPALIMAB", 240, "mg", "Q3W", _d(p, start), _d(p, start), visit, None])
            rows.append([p.usubjid, "AXITINIB", dose, "mg", "BID", _d(p, start), _d(p, stop), visit, adj or None])
    return rows


def tu_tr_rs_rows(patients: list[ClinicalPatient], real: bool = False) -> tuple[list[list[object]], ...]:
    """Lesions at identification (TU), measurements/states per scan (TR), investigator responses (RS).

    ``real``: every fourth subject's follow-up measurements in cm; RS with RSCAT and iRECIST rows.
    """
    tu, tr, rs = [], [], []
    for n, p in enumerate(patients):
        in_cm = real and n % 4 == 3
        scans = p.course.scans
        base = scans[0]
        by_id = {les.link_id: les for les in p.course.lesions}
        for les in p.course.lesions:
            if les.role == "NEW":
                first = next(s for s in scans if les.link_id in s.new)
                tu.append(
                    [p.usubjid, les.link_id, "TUMIDENT", "NEW", les.location, "CT", _d(p, first.day), first.visit]
                )
            else:
                tu.append(
                    [p.usubjid, les.link_id, "TUMIDENT", les.role, les.location, "CT", _d(p, base.day), base.visit]
                )
        for scan in scans:
            when = _d(p, scan.day)
            for link, mm in scan.target_mm.items():
                code = "SAXIS" if by_id[link].nodal else "LDIAM"
                if in_cm and scan.index > 0:
                    cm = float(f"{mm / 10:.6g}")
                    tr.append([p.usubjid, link, code, f"{cm:g}", f"{cm:g}", cm, "cm", when, scan.visit, scan.index])
                else:
                    tr.append([p.usubjid, link, code, str(mm), str(mm), mm, "mm", when, scan.visit, scan.index])
            for link, state in [*scan.nontarget.items(), *scan.new.items()]:
                tr.append([p.usubjid, link, "TUMSTATE", state, state, None, None, when, scan.visit, scan.index])
            if scan.index > 0:
                row = [
                    p.usubjid,
                    "OVRLRESP",
                    scan.investigator,
                    scan.investigator,
                    "INVESTIGATOR",
                    when,
                    scan.visit,
                    scan.index,
                ]
                if real:
                    irecist = IRECIST[scan.investigator]
                    rs.append([*row, "RECIST 1.1"])
                    rs.append([*row[:2], irecist, irecist, *row[4:], "iRECIST"])
                else:
                    rs.append(row)
    return tu, tr, rs


def ae_rows(patients: list[ClinicalPatient]) -> list[list[object]]:
    """Adverse events, in onset order per subject."""
    rows = []
    for p in patients:
        for a in p.treatment.aes:
            rows.append(
                [
                    p.usubjid,
                    a.term,
                    a.decod,
                    a.bodsys,
                    a.grade,
                    "Y" if a.serious else "N",
                    "Y" if a.related else "N",
                    a.action,
                    _d(p, a.start_day),
                    _d(p, a.end_day),
                ]
            )
    return rows


def ae_real_rows(patients: list[ClinicalPatient]) -> tuple[list[list[object]], list[list[object]]]:
    """AE as a sponsor codes it, with AESEQ, and SUPPAE per-drug relatedness and actions.

    AEREL cycles through the causality terms of its class (the mapping reads them all as Y or N); an axitinib
    dose reduction is AEACN ``MULTIPLE``: toripalimab ``DOSE NOT CHANGED`` (it has no reduced dose), axitinib
    ``DOSE REDUCED``; every fourth AE with an end date has it partial (``YYYY-MM``).
    """
    ae, supp = [], []
    k = 0
    for p in patients:
        for seq, a in enumerate(p.treatment.aes, start=1):
            k += 1
            rel = _RELATED[k % 3] if a.related else _NOT_RELATED[k % 2]
            acn = "MULTIPLE" if a.action == "DOSE REDUCED" else a.action
            end = _d(p, a.end_day)
            if end is not None and k % 4 == 0:
                end = end[:7]
            ae.append(
                [
                    p.usubjid,
                    seq,
                    a.term,
                    a.decod,
                    a.bodsys,
                    a.grade,
                    "Y" if a.serious else "N",
                    rel,
                    acn,
                    _d(p, a.start_day),
                    end,
                ]
            )
            per_drug = {"TORIPALIMAB": "DOSE NOT CHANGED", "AXITINIB": "DOSE REDUCED"}
            for n, drug in enumerate(("TORIPALIMAB", "AXITINIB"), start=1):
                supp.append([p.studyid, "AE", p.usubjid, "AESEQ", seq, f"AEREL{n}", f"Relationship to {drug}", rel])
                if acn == "MULTIPLE":
                    supp.append(
                        [
                            p.studyid,
                            "AE",
                            p.usubjid,
                            "AESEQ",
                            seq,
                            f"AEACN{n}",
                            f"Action taken with {drug}",
                            per_drug[drug],
                        ]
                    )
    return ae, supp


def cm_rows(patients: list[ClinicalPatient]) -> list[list[object]]:
    """Concomitant medication (year-only history dates) and the subsequent anticancer therapy."""
    rows = []
    for p in patients:
        rows.append(
            [
                p.usubjid,
                "AMLODIPINE",
                "AMLODIPINE",
                "CONCOMITANT MEDICATION",
                "CARDIOVASCULAR SYSTEM",
                str(p.first_dose.year - 1),
                None,
            ]
        )
        if p.treatment.new_therapy_day is not None:
            rows.append(
                [
                    p.usubjid,
                    "DOCETAXEL",
                    "DOCETAXEL",
                    "SUBSEQUENT ANTICANCER THERAPY",
                    "ANTINEOPLASTIC AGENTS",
                    _d(p, p.treatment.new_therapy_day),
                    None,
                ]
            )
    return rows


def ds_rows(patients: list[ClinicalPatient], cutoff: date) -> list[list[object]]:
    """Disposition: why treatment ended (or ONGOING at the cut-off), plus new anticancer therapy."""
    rows = []
    for p in patients:
        t = p.treatment
        when = cutoff.isoformat() if t.end_reason == "ONGOING" else _d(p, t.end_reason_day)
        rows.append([p.usubjid, "DISPOSITION EVENT", t.end_reason, when])
        if t.new_therapy_day is not None:
            rows.append([p.usubjid, "OTHER EVENT", "NEW ANTICANCER THERAPY", _d(p, t.new_therapy_day)])
    return rows


def sv_rows(patients: list[ClinicalPatient], cutoff: date) -> list[list[object]]:
    """Subject visits: the survival-sweep contact at the cut-off of every living subject still followed."""
    rows = []
    for p in patients:
        if p.course.death_day is not None or p.treatment.end_reason in FOLLOW_UP_ENDS:
            continue
        rows.append([p.usubjid, "SURVIVAL SWEEP", 900, cutoff.isoformat()])
    return rows


def write_clinical(
    outdir: Path, patients: list[ClinicalPatient], studyid: str, cutoff: date, *, real_data_variants: bool = True
) -> dict[str, Path]:
    """Write every clinical table under ``outdir/clinical``; returns ``{domain: path}``.

    ``real_data_variants``: write them as a sponsor delivers them (see the module docstring).
    """
    folder = Path(outdir) / "clinical"
    real = real_data_variants
    tu, tr, rs = tu_tr_rs_rows(patients, real)
    paths = {
        "dm": write_csv(folder / "dm.csv", DM_COLUMNS, dm_rows(patients)),
        "ex": write_csv(folder / "ex.csv", EX_COLUMNS, ex_rows(patients)),
        "tu": write_csv(folder / "tu.csv", TU_COLUMNS, tu),
        "tr": write_csv(folder / "tr.csv", TR_COLUMNS, tr),
        "rs": write_csv(folder / "rs.csv", RS_REAL_COLUMNS if real else RS_COLUMNS, rs),
        "ds": write_csv(folder / "ds.csv", DS_COLUMNS, ds_rows(patients, cutoff)),
        "sv": write_csv(folder / "sv.csv", SV_COLUMNS, sv_rows(patients, cutoff)),
    }
    if real:
        ae, supp = ae_real_rows(patients)
        paths["ae"] = write_csv(folder / "ae.csv", AE_REAL_COLUMNS, ae)
        paths["suppae"] = write_csv(folder / "suppae.csv", SUPPAE_COLUMNS, supp)
        paths["cm"] = write_csv(folder / "cm.csv", CM_COLUMNS, cm_rows(patients))
    else:
        paths["ae"] = write_csv(folder / "ae.csv", AE_COLUMNS, ae_rows(patients))
    paths["study"] = write_json(folder / "study.json", {"studyid": studyid, "data_cutoff": cutoff.isoformat()})
    return paths
