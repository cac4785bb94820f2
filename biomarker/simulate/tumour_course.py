"""Tumour lesions, CT scans and survival of one patient, planted from a response class.

The planted class (CR/PR/SD/PD/NE) fixes the trajectory of the sum of target diameters so that a
RECIST 1.1 derivation of the written measurements recovers it: CR/PR shrink by >= 38% and are
confirmed on the next scan (>= 36 days later), SD stays between -22% (-24% for the two
investigator-discordant subjects) and +5% for at least the first scan (>= 42 days after the first
dose), PD grows by >= 35% and >= 5 mm over the nadir, or shows a new lesion or unequivocal
non-target progression. :func:`timepoint_response` and :func:`best_overall_response` are this
module's own RECIST 1.1 derivation, used to check every planted course.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

SCAN_INTERVAL_DAYS = 42
MIN_SD_DAYS = 42
MIN_CONFIRM_DAYS = 28
DAYS_PER_MONTH = 30.4375

_ORGANS = (
    ("LUNG", "RIGHT UPPER LOBE"),
    ("LUNG", "LEFT LOWER LOBE"),
    ("LUNG", "RIGHT LOWER LOBE"),
    ("LIVER", "SEGMENT VI"),
    ("LIVER", "SEGMENT II"),
    ("ADRENAL GLAND", "LEFT"),
    ("ADRENAL GLAND", "RIGHT"),
    ("LYMPH NODE", "MEDIASTINAL SUBCARINAL"),
    ("LYMPH NODE", "RIGHT HILAR"),
    ("LYMPH NODE", "LEFT SUPRACLAVICULAR"),
    ("PLEURA", "RIGHT"),
    ("SOFT TISSUE", "CHEST WALL"),
)
_NT_SITES = (
    "BONE, THORACIC SPINE",
    "PLEURAL EFFUSION",
    "LUNG, MULTIPLE NODULES",
    "LYMPH NODE, PARATRACHEAL",
    "BRAIN",
    "LIVER, MULTIPLE LESIONS",
)
_NEW_SITES = ("LIVER", "BONE, PELVIS", "BRAIN", "LUNG, LEFT UPPER LOBE", "ADRENAL GLAND, LEFT")


@dataclass
class Lesion:
    """A lesion as identified in TU."""

    link_id: str  # T01, NT01, NEW01
    role: str  # TARGET / NON-TARGET / NEW
    location: str
    nodal: bool
    baseline_mm: int = 0


@dataclass
class Scan:
    """One CT assessment (baseline = index 0)."""

    index: int
    visit: str
    day: int  # days after first dose (baseline negative)
    target_mm: dict[str, int] = field(default_factory=dict)
    nontarget: dict[str, str] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)
    derived: str = ""
    investigator: str = ""


@dataclass
class Course:
    """Everything about one patient's disease course (days are relative to the first dose)."""

    klass: str
    lesions: list[Lesion]
    scans: list[Scan]
    pd_day: int | None
    death_day: int | None  # observed (<= cut-off) death
    withdrawal_day: int | None
    pfs_day: int
    pfs_event: bool
    os_day: int
    os_event: bool
    bor: str
    bor_day: int | None
    first_response_day: int | None
    investigator_bor: str
    discordant: bool


def timepoint_response(scan: Scan, baseline_sum: int, nadir_sum: int, nodal: dict[str, bool]) -> str:
    """RECIST 1.1 overall response at one time point (no missing data in simulated scans)."""
    total = sum(scan.target_mm.values())
    all_gone = all((mm < 10) if nodal[k] else (mm == 0) for k, mm in scan.target_mm.items())
    if total - nadir_sum >= 0.2 * nadir_sum and total - nadir_sum >= 5:
        target = "PD"
    elif all_gone:
        target = "CR"
    elif total <= 0.7 * baseline_sum:
        target = "PR"
    else:
        target = "SD"
    states = list(scan.nontarget.values())
    if "UNEQUIVOCAL PROGRESSION" in states:
        nt = "PD"
    elif all(s == "ABSENT" for s in states):
        nt = "CR"
    else:
        nt = "NON-CR/NON-PD"
    if target == "PD" or nt == "PD" or scan.new:
        return "PD"
    if target == "CR":
        return "CR" if nt == "CR" else "PR"
    return target


def derive_responses(scans: list[Scan], nodal: dict[str, bool]) -> list[str]:
    """Time-point responses of the post-baseline scans (``scans[0]`` is the baseline)."""
    base = sum(scans[0].target_mm.values())
    nadir = base
    out = []
    for scan in scans[1:]:
        out.append(timepoint_response(scan, base, nadir, nodal))
        nadir = min(nadir, sum(scan.target_mm.values()))
    return out


def best_overall_response(days: list[int], responses: list[str]) -> tuple[str, int | None, int | None]:
    """Confirmed BOR (RECIST 1.1), the day it was first met, and the first response day.

    ``days`` are days after first dose of the post-baseline scans. CR/PR need a second CR/PR
    >= 28 days later (before any PD); SD needs a non-PD response >= 42 days after first dose.
    """
    stop = responses.index("PD") if "PD" in responses else len(responses)
    seq = list(zip(days[:stop], responses[:stop], strict=True))
    for level, ok in (("CR", ("CR",)), ("PR", ("CR", "PR"))):
        for i, (d1, r1) in enumerate(seq):
            if r1 in ok and any(r2 in ok and d2 - d1 >= MIN_CONFIRM_DAYS for d2, r2 in seq[i + 1 :]):
                first = next(d for d, r in seq if r in ("CR", "PR"))
                return level, d1, first
    for d, r in seq:
        if r in ("CR", "PR", "SD") and d >= MIN_SD_DAYS:
            return "SD", d, None
    if stop < len(responses):
        return "PD", days[stop], None
    return "NE", None, None


def _lesions(rng: np.random.Generator, klass: str) -> list[Lesion]:
    n_t = int(rng.choice([1, 2, 3, 4, 5], p=[0.2, 0.3, 0.25, 0.15, 0.1]))
    per_organ: dict[str, int] = {}
    lesions: list[Lesion] = []
    order = rng.permutation(len(_ORGANS))
    for i in order.tolist():
        organ, where = _ORGANS[i]
        if per_organ.get(organ, 0) >= 2 or len(lesions) >= n_t:
            continue
        per_organ[organ] = per_organ.get(organ, 0) + 1
        nodal = organ == "LYMPH NODE"
        size = int(rng.integers(16, 36)) if nodal else int(np.clip(round(rng.lognormal(math.log(28), 0.4)), 12, 90))
        loc = f"{organ} {where}" if nodal else f"{organ}, {where}"
        lesions.append(Lesion(f"T{len(lesions) + 1:02d}", "TARGET", loc, nodal, size))
    n_nt = int(rng.choice([0, 1, 2, 3], p=[0.3, 0.35, 0.25, 0.1]))
    if klass == "PR" and n_nt == 0 and all(les.nodal for les in lesions):
        n_nt = 1  # all-nodal targets below 10 mm with no non-target would read as CR
    for j, site in enumerate(rng.choice(_NT_SITES, size=n_nt, replace=False).tolist()):
        lesions.append(Lesion(f"NT{j + 1:02d}", "NON-TARGET", site, site.startswith("LYMPH NODE")))
    return lesions


def simulate_course(rng: np.random.Generator, klass: str, follow_up_days: int, discordant: bool = False) -> Course:
    """Plant one course; ``follow_up_days`` = days from first dose to the data cut-off.

    Parameters
    ----------
    rng
        The patient's generator.
    klass
        Planted confirmed BOR: CR, PR, SD, PD or NE.
    follow_up_days
        Days between first dose and data cut-off (scans and deaths after it are not observed).
    discordant
        SD patient whose investigator calls a (confirmed) PR at scans 2 and 3.
    """
    lesions = _lesions(rng, klass)
    targets = [les for les in lesions if les.role == "TARGET"]
    nts = [les for les in lesions if les.role == "NON-TARGET"]
    nodal = {les.link_id: les.nodal for les in targets}
    base_sum = sum(les.baseline_mm for les in targets)
    scan_days = [SCAN_INTERVAL_DAYS * k + int(rng.integers(0, 5)) for k in range(1, 60)]
    baseline_day = -int(rng.integers(1, 28))

    # --- event times (latent, before the cut-off is applied)
    if klass == "NE":
        death = bool(rng.random() < 0.5)
        day = int(rng.integers(8, 38))
        pd_scan = None
        latent_death = day if death else day + int(rng.exponential(150)) + 10
        withdraw = None if death else day
        n_scans = 0
        first_ok = 1
    else:
        first_ok = {"PD": 1, "SD": 2, "PR": 3, "CR": 3}[klass]
        resp_scan = 1
        if klass in ("PR", "CR") and rng.random() < 0.3:
            resp_scan, first_ok = 2, 4
        if discordant:
            first_ok = 5
        median = {"PD": 0, "SD": 170, "PR": 330, "CR": 600}[klass]
        ttp = 0 if klass == "PD" else min(int(rng.lognormal(math.log(median), 0.6)), 2000)
        pd_scan = max(first_ok, next(k + 1 for k, d in enumerate(scan_days) if d >= ttp))
        pd_day_latent = scan_days[pd_scan - 1]
        pps = {"PD": 210, "SD": 300, "PR": 400, "CR": 450}[klass]
        latent_death = pd_day_latent + 5 + int(rng.exponential(pps))
        withdraw = None
        n_scans = pd_scan
        last_required = scan_days[first_ok - 2] if first_ok >= 2 else 0
        u = rng.random()
        if klass != "PD" and u < 0.07:  # death before progression
            latent_death = int(rng.integers(last_required + 7, pd_day_latent))
            n_scans = sum(1 for d in scan_days[:pd_scan] if d < latent_death)
            pd_scan = None
        elif klass != "PD" and u < 0.13:  # withdrawal by subject
            n_scans = int(rng.integers(first_ok, pd_scan)) if pd_scan > first_ok else first_ok
            withdraw = scan_days[n_scans - 1] + int(rng.integers(3, 20))
            pd_scan = None if n_scans < (pd_scan or 0) else pd_scan
            if pd_scan is not None:
                withdraw = None
        if withdraw is not None:
            latent_death = max(latent_death, withdraw + 1)
    observed = [d for d in scan_days[:n_scans] if d <= follow_up_days]
    n_obs = len(observed)
    if klass != "NE" and n_obs < max(first_ok - 1, 1):
        raise ValueError("follow-up too short for the planted class")

    # --- trajectory of the target sum (ratio to baseline) for each latent scan
    n_plan = n_scans
    for attempt in range(60):
        scans = [
            Scan(
                0,
                "SCREENING",
                baseline_day,
                {t.link_id: t.baseline_mm for t in targets},
                dict.fromkeys((n.link_id for n in nts), "PRESENT"),
            )
        ]
        planned: list[str] = []
        nadir = 1.0
        ratio = 1.0
        noise = 0.03 if attempt < 40 else 0.0
        level = float(rng.uniform(0.80, 1.05))
        pd_mech = "target"
        if pd_scan is not None:
            opts = ["target", "new", "nt"] if nts else ["target", "new"]
            pd_mech = str(rng.choice(opts, p=[0.6, 0.25, 0.15] if nts else [0.7, 0.3]))
        new_lesions: dict[str, str] = {}
        residual = {t.link_id: int(rng.integers(4, 9)) if t.nodal else 0 for t in targets}
        for k in range(1, n_plan + 1):
            is_pd = pd_scan is not None and k == pd_scan
            gone = False
            nt_state = "PRESENT"
            if is_pd:
                planned.append("PD")
                if pd_mech == "target" and klass != "CR" and base_sum * nadir >= 25:
                    ratio = nadir * float(rng.uniform(1.38, 1.6))
                else:
                    ratio = ratio * float(rng.uniform(0.97, 1.03))
                    if klass == "CR":
                        gone = True
                        nt_state = "ABSENT"
                    if pd_mech == "nt":
                        nt_state = "UNEQUIVOCAL PROGRESSION"
                    else:
                        new_lesions = {"NEW01": "PRESENT"}
            elif klass == "SD":
                ratio = level * float(rng.uniform(0.99, 1.01))
                if discordant and k >= 2:
                    ratio = float(rng.uniform(0.76, 0.8))
                planned.append("SD")
            elif klass in ("PR", "CR"):
                if k < resp_scan:
                    ratio = float(rng.uniform(0.82, 0.92)) if klass == "PR" else float(rng.uniform(0.42, 0.58))
                    planned.append("SD" if klass == "PR" else "PR")
                elif klass == "PR":
                    ratio = float(rng.uniform(0.38, 0.58)) if k == resp_scan else ratio * float(rng.uniform(0.9, 1.0))
                    ratio = max(ratio, 0.2)
                    planned.append("PR")
                else:
                    gone = True
                    nt_state = "ABSENT"
                    planned.append("CR")
            sizes = {}
            for t in targets:
                if gone:
                    sizes[t.link_id] = residual[t.link_id]
                else:
                    eps = float(np.exp(rng.normal(0, noise))) if noise else 1.0
                    sizes[t.link_id] = max(1, round(t.baseline_mm * ratio * eps))
            scan = Scan(
                k,
                f"WEEK {6 * k}",
                scan_days[k - 1],
                sizes,
                dict.fromkeys((n.link_id for n in nts), nt_state),
                dict(new_lesions),
            )
            scans.append(scan)
            nadir = min(nadir, ratio)
        derived = derive_responses(scans, nodal)
        if derived == planned:
            break
    else:  # pragma: no cover - the margins make this unreachable
        raise AssertionError(f"could not plant a {klass} course: planned {planned}, derived {derived}")
    scans = scans[: n_obs + 1]
    derived = derived[:n_obs]
    for scan, resp in zip(scans[1:], derived, strict=True):
        scan.derived = resp
        scan.investigator = resp
    if discordant:
        for scan in scans[2:4]:
            scan.investigator = "PR"
    if any(scan.new for scan in scans[1:]):
        first_new = next(scan for scan in scans[1:] if scan.new)
        lesions.append(Lesion("NEW01", "NEW", str(rng.choice(_NEW_SITES)), False))
        first_new.new = {"NEW01": "PRESENT"}
    days = [s.day for s in scans[1:]]
    bor, bor_day, first_resp = best_overall_response(days, derived)
    inv_bor, _, _ = best_overall_response(days, [s.investigator for s in scans[1:]])
    if klass != "NE" and bor != klass:
        raise AssertionError(f"planted {klass} but derived {bor}")

    # --- observed events under the cut-off
    pd_day = scans[-1].day if scans[-1].derived == "PD" else None
    death_day = latent_death if latent_death <= follow_up_days else None
    if withdraw is not None and withdraw > follow_up_days:
        withdraw = None
    if pd_day is not None:
        pfs_day, pfs_event = pd_day, True
    elif death_day is not None and (withdraw is None or death_day <= withdraw):
        pfs_day, pfs_event = death_day, True
    else:
        pfs_day, pfs_event = (scans[-1].day if len(scans) > 1 else 0), False
    if death_day is not None and (withdraw is None or death_day <= withdraw):
        os_day, os_event = death_day, True
    elif withdraw is not None:
        os_day, os_event, death_day = withdraw, False, None
    else:
        os_day, os_event = follow_up_days, False
    return Course(
        klass,
        lesions,
        scans,
        pd_day,
        death_day,
        withdraw,
        pfs_day,
        pfs_event,
        os_day,
        os_event,
        bor,
        bor_day,
        first_resp,
        inv_bor,
        discordant,
    )


def months(days: int) -> float:
    """Days from first dose (day 0) to months, counting the first dose day: (days + 1) / 30.4375."""
    return (days + 1) / DAYS_PER_MONTH


def day_to_date(first_dose: date, day: int) -> date:
    """Calendar date of study day offset ``day`` (0 = first dose)."""
    return first_dose + timedelta(days=int(day))
