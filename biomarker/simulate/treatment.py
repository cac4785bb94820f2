"""Exposure (EX), adverse events (AE) and disposition (DS) of one patient.

Toripalimab 240 mg IV on day 1 of each 21-day cycle and axitinib 5 mg orally twice daily,
until progression, death, withdrawal, unacceptable toxicity or 2 years. Axitinib dose
reductions (5 -> 3 -> 2 mg BID) and interruptions follow the AE actions; an AE with
``DRUG WITHDRAWN`` ends treatment (tumour follow-up continues).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from biomarker.simulate.tumour_course import Course

CYCLE_DAYS = 21
MAX_CYCLES = 35

#: (verbatim term, MedDRA PT, SOC, incidence, P(grade >= 3), P(related), mean onset day)
AE_CATALOGUE: tuple[tuple[str, str, str, float, float, float, float], ...] = (
    ("HIGH BLOOD PRESSURE", "Hypertension", "Vascular disorders", 0.45, 0.28, 0.95, 25),
    ("DIARRHEA", "Diarrhoea", "Gastrointestinal disorders", 0.40, 0.08, 0.9, 40),
    ("HYPOTHYROIDISM", "Hypothyroidism", "Endocrine disorders", 0.30, 0.01, 0.95, 90),
    ("FATIGUE", "Fatigue", "General disorders and administration site conditions", 0.35, 0.06, 0.8, 30),
    (
        "HAND-FOOT SYNDROME",
        "Palmar-plantar erythrodysaesthesia syndrome",
        "Skin and subcutaneous tissue disorders",
        0.25,
        0.06,
        0.95,
        45,
    ),
    ("PROTEIN IN URINE", "Proteinuria", "Renal and urinary disorders", 0.30, 0.05, 0.9, 60),
    ("ALT INCREASED", "Alanine aminotransferase increased", "Investigations", 0.22, 0.07, 0.85, 50),
    ("AST INCREASED", "Aspartate aminotransferase increased", "Investigations", 0.20, 0.05, 0.85, 50),
    ("HOARSENESS", "Dysphonia", "Respiratory, thoracic and mediastinal disorders", 0.20, 0.0, 0.9, 35),
    ("DECREASED APPETITE", "Decreased appetite", "Metabolism and nutrition disorders", 0.25, 0.03, 0.7, 40),
    ("PNEUMONITIS", "Pneumonitis", "Respiratory, thoracic and mediastinal disorders", 0.06, 0.40, 0.95, 80),
    ("RASH", "Rash", "Skin and subcutaneous tissue disorders", 0.15, 0.03, 0.85, 30),
    ("HYPERTHYROIDISM", "Hyperthyroidism", "Endocrine disorders", 0.10, 0.0, 0.95, 40),
    ("WEIGHT LOSS", "Weight decreased", "Investigations", 0.15, 0.02, 0.6, 90),
    ("NAUSEA", "Nausea", "Gastrointestinal disorders", 0.15, 0.01, 0.6, 20),
    ("MOUTH SORES", "Stomatitis", "Gastrointestinal disorders", 0.12, 0.02, 0.9, 30),
    ("HEADACHE", "Headache", "Nervous system disorders", 0.10, 0.0, 0.5, 20),
    ("COUGH", "Cough", "Respiratory, thoracic and mediastinal disorders", 0.15, 0.01, 0.1, 40),
    ("PNEUMONIA", "Pneumonia", "Infections and infestations", 0.06, 0.6, 0.1, 70),
    ("IMMUNE MEDIATED HEPATITIS", "Immune-mediated hepatitis", "Hepatobiliary disorders", 0.03, 0.7, 1.0, 60),
    ("COUGHING UP BLOOD", "Haemoptysis", "Respiratory, thoracic and mediastinal disorders", 0.05, 0.2, 0.7, 50),
)


@dataclass
class AdverseEvent:
    """One AE (days after first dose; ``end_day`` None = ongoing at the cut-off or death)."""

    term: str
    decod: str
    bodsys: str
    grade: int
    serious: bool
    related: bool
    action: str
    start_day: int
    end_day: int | None  # None = ongoing


@dataclass
class Treatment:
    """Exposure and safety of one patient (days after first dose)."""

    end_day: int
    end_reason: str  # DS DSDECOD
    end_reason_day: int
    cycles: list[tuple[int, int, int, str]]  # (start day, axitinib end day, axitinib dose, EXADJ)
    aes: list[AdverseEvent] = field(default_factory=list)
    new_therapy_day: int | None = None


def simulate_treatment(rng: np.random.Generator, course: Course, follow_up_days: int) -> Treatment:
    """Exposure, AEs and disposition consistent with ``course`` and the cut-off."""
    cands = [(MAX_CYCLES * CYCLE_DAYS - 1, "COMPLETED")]
    if course.pd_day is not None:
        cands.append((course.pd_day, "PROGRESSIVE DISEASE"))
    if course.death_day is not None:
        cands.append((course.death_day, "DEATH"))
    if course.withdrawal_day is not None:
        cands.append((course.withdrawal_day, "WITHDRAWAL BY SUBJECT"))
    end_day, reason = min(cands)
    ongoing = follow_up_days < end_day
    if ongoing:
        end_day, reason = follow_up_days, "ONGOING"
    aes: list[AdverseEvent] = []
    exposure = min(1.0, (end_day + 21) / 150)
    for term, decod, soc, inc, p3, prel, onset in AE_CATALOGUE:
        if rng.random() >= inc * exposure:
            continue
        start = int(min(end_day, max(1, rng.exponential(onset))))
        u = rng.random()
        grade = (4 if rng.random() < 0.1 else 3) if u < p3 else (1 if rng.random() < 0.6 else 2)
        if grade == 1:
            action = "DOSE NOT CHANGED"
        elif grade == 2:
            action = str(rng.choice(["DOSE NOT CHANGED", "DRUG INTERRUPTED", "DOSE REDUCED"], p=[0.7, 0.2, 0.1]))
        elif grade == 3:
            action = str(rng.choice(["DOSE REDUCED", "DRUG INTERRUPTED", "DRUG WITHDRAWN"], p=[0.35, 0.5, 0.15]))
        else:
            action = "DRUG WITHDRAWN"
        if decod == "Pneumonitis" and grade >= 2:
            action = "DRUG WITHDRAWN"
        chronic = decod in ("Hypothyroidism", "Hypertension")
        dur = int(rng.exponential(200 if chronic else 25)) + 3
        serious = grade >= 3 and (rng.random() < 0.5 or decod in ("Pneumonitis", "Pneumonia"))
        aes.append(
            AdverseEvent(term, decod, soc, grade, serious, bool(rng.random() < prel), action, start, start + dur)
        )
    aes.sort(key=lambda a: (a.start_day, a.decod))
    withdrawn = [a for a in aes if a.action == "DRUG WITHDRAWN" and a.start_day < end_day]
    if withdrawn:
        end_day, reason = withdrawn[0].start_day, "ADVERSE EVENT"
    kept = []
    for a in aes:
        if a.start_day > min(end_day + 30, follow_up_days):
            continue
        if a.action == "DRUG WITHDRAWN" and a.start_day > end_day:
            a.action = "DOSE NOT CHANGED"
        if a.end_day is not None and (
            a.end_day > follow_up_days or (course.death_day is not None and a.end_day > course.death_day)
        ):
            a.end_day = None
        kept.append(a)
    cycles = []
    dose = 5
    reductions = sorted(a.start_day for a in kept if a.action == "DOSE REDUCED")
    interruptions = sorted(a.start_day for a in kept if a.action == "DRUG INTERRUPTED")
    for c in range(MAX_CYCLES):
        start = c * CYCLE_DAYS
        if c > 0 and start >= end_day:
            break
        adj = ""
        due = [d for d in reductions if start - CYCLE_DAYS < d <= start]
        if c > 0 and due and dose > 2:
            dose = 3 if dose == 5 else 2
            adj = "DOSE REDUCED"
        elif any(start <= d < start + CYCLE_DAYS for d in interruptions):
            adj = "DOSE INTERRUPTED"
        stop = min(
            start + CYCLE_DAYS - 1, max(start, end_day - 1) if not ongoing or withdrawn else end_day, follow_up_days
        )
        cycles.append((start, stop, dose, adj))
    new_therapy = None
    if course.pd_day is not None and rng.random() < 0.6:
        day = course.pd_day + int(rng.integers(14, 60))
        if day <= follow_up_days and (course.death_day is None or day < course.death_day):
            new_therapy = day
    return Treatment(end_day, reason, end_day, cycles, kept, new_therapy)
