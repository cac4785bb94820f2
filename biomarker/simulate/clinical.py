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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from biomarker.simulate._io import write_csv, write_json
from biomarker.simulate.treatment import Treatment
from biomarker.simulate.tumour_course import Course, day_to_date

DM_COLUMNS = ("STUDYID", "USUBJID", "SUBJID", "RFSTDTC", "RFENDTC", "AGE", "SEX", "ECOG", "SMOKING", "HISTOLOGY",
              "DTHFL", "DTHDTC")
EX_COLUMNS = ("USUBJID", "EXTRT", "EXDOSE", "EXDOSU", "EXDOSFRQ", "EXSTDTC", "EXENDTC", "VISIT", "EXADJ")
TU_COLUMNS = ("USUBJID", "TULNKID", "TUTESTCD", "TUORRES", "TULOC", "TUMETHOD", "TUDTC", "VISIT")
TR_COLUMNS = ("USUBJID", "TRLNKID", "TRTESTCD", "TRORRES", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TRDTC", "VISIT",
              "VISITNUM")
RS_COLUMNS = ("USUBJID", "RSTESTCD", "RSORRES", "RSSTRESC", "RSEVAL", "RSDTC", "VISIT", "VISITNUM")
AE_COLUMNS = ("USUBJID", "AETERM", "AEDECOD", "AEBODSYS", "AETOXGR", "AESER", "AEREL", "AEACN", "AESTDTC",
              "AEENDTC")
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
        rows.append([p.studyid, p.usubjid, p.subjid, _d(p, 0), _d(p, last), p.age, p.sex, p.ecog, p.smoking,
                     p.histology, "Y" if death is not None else None, _d(p, death)])
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


def tu_tr_rs_rows(patients: list[ClinicalPatient]) -> tuple[list[list[object]], ...]:
    """Lesions at identification (TU), measurements/states per scan (TR), investigator responses (RS)."""
    tu, tr, rs = [], [], []
    for p in patients:
        scans = p.course.scans
        base = scans[0]
        by_id = {les.link_id: les for les in p.course.lesions}
        for les in p.course.lesions:
            if les.role == "NEW":
                first = next(s for s in scans if les.link_id in s.new)
                tu.append([p.usubjid, les.link_id, "TUMIDENT", "NEW", les.location, "CT", _d(p, first.day),
                           first.visit])
            else:
                tu.append([p.usubjid, les.link_id, "TUMIDENT", les.role, les.location, "CT", _d(p, base.day),
                           base.visit])
        for scan in scans:
            when = _d(p, scan.day)
            for link, mm in scan.target_mm.items():
                code = "SAXIS" if by_id[link].nodal else "LDIAM"
                tr.append([p.usubjid, link, code, str(mm), str(mm), mm, "mm", when, scan.visit, scan.index])
            for link, state in [*scan.nontarget.items(), *scan.new.items()]:
                tr.append([p.usubjid, link, "TUMSTATE", state, state, None, None, when, scan.visit, scan.index])
            if scan.index > 0:
                rs.append([p.usubjid, "OVRLRESP", scan.investigator, scan.investigator, "INVESTIGATOR", when,
                           scan.visit, scan.index])
    return tu, tr, rs


def ae_rows(patients: list[ClinicalPatient]) -> list[list[object]]:
    """Adverse events, in onset order per subject."""
    rows = []
    for p in patients:
        for a in p.treatment.aes:
            rows.append([p.usubjid, a.term, a.decod, a.bodsys, a.grade, "Y" if a.serious else "N",
                         "Y" if a.related else "N", a.action, _d(p, a.start_day), _d(p, a.end_day)])
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


def write_clinical(outdir: Path, patients: list[ClinicalPatient], studyid: str, cutoff: date) -> dict[str, Path]:
    """Write every clinical table under ``outdir/clinical``; returns ``{domain: path}``."""
    folder = Path(outdir) / "clinical"
    tu, tr, rs = tu_tr_rs_rows(patients)
    paths = {
        "dm": write_csv(folder / "dm.csv", DM_COLUMNS, dm_rows(patients)),
        "ex": write_csv(folder / "ex.csv", EX_COLUMNS, ex_rows(patients)),
        "tu": write_csv(folder / "tu.csv", TU_COLUMNS, tu),
        "tr": write_csv(folder / "tr.csv", TR_COLUMNS, tr),
        "rs": write_csv(folder / "rs.csv", RS_COLUMNS, rs),
        "ae": write_csv(folder / "ae.csv", AE_COLUMNS, ae_rows(patients)),
        "ds": write_csv(folder / "ds.csv", DS_COLUMNS, ds_rows(patients, cutoff)),
        "sv": write_csv(folder / "sv.csv", SV_COLUMNS, sv_rows(patients, cutoff)),
    }
    paths["study"] = write_json(folder / "study.json", {"studyid": studyid, "data_cutoff": cutoff.isoformat()})
    return paths
