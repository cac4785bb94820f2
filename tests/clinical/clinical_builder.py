"""Hand-made SDTM-style study frames for the clinical tests.

A subject is described by its lesions and its visits (day from first dose -> lesion values);
:func:`build` turns subjects into raw DM/TU/TR/RS/AE/DS/EX frames (text, as read from CSV),
:func:`normalised` into the normalised frames the library works on, and :func:`write_study` into a
study folder on disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from biomarker.clinical.sdtm import COLUMNS, normalise

START = date(2024, 1, 1)


@dataclass
class Subj:
    usubjid: str
    lesions: dict[str, str]  # lesion id -> location ("LUNG", "LYMPH NODE MEDIASTINAL", ...)
    visits: list[tuple[int, dict]]  # (day from first dose, {lesion: mm or state})
    offset: int = 0  # first dose = START + offset days
    death_day: int | None = None
    new_therapy_day: int | None = None
    investigator: dict[int, str] = field(default_factory=dict)  # day -> investigator response
    aes: list[dict] = field(default_factory=list)
    last_dose_day: int | None = None
    disposition: tuple[str, int] | None = None  # (DSDECOD, day)

    @property
    def first_dose(self) -> date:
        return START + timedelta(days=self.offset)

    def on(self, day: int) -> str:
        return (self.first_dose + timedelta(days=day)).isoformat()


def lesion_class(lesion: str) -> str:
    if lesion.startswith("NEW"):
        return "NEW"
    if lesion.startswith("NT"):
        return "NON-TARGET"
    return "TARGET"


def visit_name(day: int) -> str:
    return "SCREENING" if day <= 0 else f"WEEK {round(day / 7)}"


def build(subjects: list[Subj], studyid: str = "JS001-NSCLC") -> dict[str, pd.DataFrame]:
    rows = {k: [] for k in ("dm", "tu", "tr", "rs", "ae", "ds", "ex")}
    for s in subjects:
        rows["dm"].append(
            {
                "STUDYID": studyid,
                "USUBJID": s.usubjid,
                "SUBJID": s.usubjid[-3:],
                "RFSTDTC": s.on(0),
                "RFENDTC": s.on(s.last_dose_day) if s.last_dose_day is not None else "",
                "AGE": "61",
                "SEX": "M",
                "ECOG": "1",
                "SMOKING": "FORMER",
                "HISTOLOGY": "ADENOCARCINOMA",
                "DTHFL": "Y" if s.death_day is not None else "",
                "DTHDTC": s.on(s.death_day) if s.death_day is not None else "",
            }
        )
        rows["ex"].append(
            {
                "USUBJID": s.usubjid,
                "EXTRT": "TORIPALIMAB",
                "EXDOSE": "240",
                "EXDOSU": "mg",
                "EXDOSFRQ": "Q3W",
                "EXSTDTC": s.on(0),
                "EXENDTC": s.on(0),
                "VISIT": "CYCLE 1",
                "EXADJ": "",
            }
        )
        identified = set()
        for vnum, (day, values) in enumerate(s.visits, start=1):
            for lesion, value in values.items():
                klass = lesion_class(lesion)
                loc = s.lesions.get(lesion, "LUNG")
                nodal = loc.startswith("LYMPH NODE")
                if lesion not in identified:
                    identified.add(lesion)
                    rows["tu"].append(
                        {
                            "USUBJID": s.usubjid,
                            "TULNKID": lesion,
                            "TUTESTCD": "TUMIDENT",
                            "TUORRES": klass,
                            "TULOC": loc,
                            "TUMETHOD": "CT SCAN",
                            "TUDTC": s.on(day),
                            "VISIT": visit_name(day),
                        }
                    )
                if value is None:
                    continue
                if klass == "TARGET":
                    test = "SAXIS" if nodal else "LDIAM"
                    rows["tr"].append(
                        {
                            "USUBJID": s.usubjid,
                            "TRLNKID": lesion,
                            "TRTESTCD": test,
                            "TRORRES": str(value),
                            "TRSTRESC": str(value),
                            "TRSTRESN": str(value),
                            "TRSTRESU": "mm",
                            "TRDTC": s.on(day),
                            "VISIT": visit_name(day),
                            "VISITNUM": str(vnum),
                        }
                    )
                else:
                    rows["tr"].append(
                        {
                            "USUBJID": s.usubjid,
                            "TRLNKID": lesion,
                            "TRTESTCD": "TUMSTATE",
                            "TRORRES": value,
                            "TRSTRESC": value,
                            "TRSTRESN": "",
                            "TRSTRESU": "",
                            "TRDTC": s.on(day),
                            "VISIT": visit_name(day),
                            "VISITNUM": str(vnum),
                        }
                    )
        for day, resp in s.investigator.items():
            rows["rs"].append(
                {
                    "USUBJID": s.usubjid,
                    "RSTESTCD": "OVRLRESP",
                    "RSORRES": resp,
                    "RSSTRESC": resp,
                    "RSEVAL": "INVESTIGATOR",
                    "RSDTC": s.on(day),
                    "VISIT": visit_name(day),
                    "VISITNUM": "",
                }
            )
        for ae in s.aes:
            rec = {
                "USUBJID": s.usubjid,
                "AETERM": ae.get("term", "Nausea"),
                "AEDECOD": ae.get("term", "Nausea"),
                "AEBODSYS": ae.get("soc", "Gastrointestinal disorders"),
                "AETOXGR": str(ae.get("grade", 1)),
                "AESER": ae.get("ser", "N"),
                "AEREL": ae.get("rel", "N"),
                "AEACN": ae.get("acn", "DOSE NOT CHANGED"),
                "AESTDTC": s.on(ae.get("day", 10)),
                "AEENDTC": "",
            }
            rows["ae"].append(rec)
        if s.disposition is not None:
            rows["ds"].append(
                {
                    "USUBJID": s.usubjid,
                    "DSCAT": "DISPOSITION EVENT",
                    "DSDECOD": s.disposition[0],
                    "DSSTDTC": s.on(s.disposition[1]),
                }
            )
        if s.new_therapy_day is not None:
            rows["ds"].append(
                {
                    "USUBJID": s.usubjid,
                    "DSCAT": "OTHER EVENT",
                    "DSDECOD": "NEW ANTICANCER THERAPY",
                    "DSSTDTC": s.on(s.new_therapy_day),
                }
            )
    return {k: pd.DataFrame(v, columns=list(COLUMNS[k])).astype(object) for k, v in rows.items()}


def normalised(frames: dict[str, pd.DataFrame], only: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    return {k: normalise(v.fillna(""), k, f"{k}.csv") for k, v in frames.items() if only is None or k in only}


def write_study(
    root: Path, frames: dict[str, pd.DataFrame], cutoff: str = "2025-06-30", studyid: str = "JS001-NSCLC"
) -> Path:
    folder = root / "clinical"
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    (folder / "study.json").write_text(json.dumps({"studyid": studyid, "data_cutoff": cutoff}))
    return root
