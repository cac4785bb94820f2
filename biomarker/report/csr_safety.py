"""The safety tables of a study report computed from store tables (pure functions, no I/O).

The AE overview, AEs by SOC and PT (all grades and grade >= 3, or a column per maximum grade), subjects by
maximum grade, and deaths with their grade 5 terms; each function returns a
:class:`~biomarker.report.tables.CsrTable`. The efficacy and baseline tables are in :mod:`biomarker.report.csr`.
"""

from __future__ import annotations

import pandas as pd

from biomarker.report.tables import CsrTable, fmt_n_pct


def safety_overview_table(measures: pd.DataFrame) -> CsrTable:
    """Subjects with any AE, grade >= 3, SAE, drug-related ... as ``n (%)`` of the safety population."""
    overall = measures[measures["level"] == "overall"] if "level" in measures else measures
    n = int(overall["n_population"].iloc[0]) if len(overall) else 0
    frame = pd.DataFrame(
        {
            "Subjects with": overall["measure_label"].astype(str),
            f"n (%) (N = {n})": [fmt_n_pct(int(k), n) for k in overall["n_subjects"]],
            "Events (n)": overall["n_events"].astype(int).astype(str),
        }
    )
    data = overall[["measure", "measure_label", "n_subjects", "n_events", "n_population", "pct_subjects"]]
    return CsrTable(
        "ae_overview",
        "Overview of adverse events",
        frame,
        data,
        [
            "Safety population: every subject who received at least one dose. A subject counts once "
            "per row; events are counted in full."
        ],
    )


def ae_by_soc_pt_table(grades: pd.DataFrame, n_population: int) -> CsrTable:
    """AEs by system organ class and preferred term, most frequent first, all grades and grade >= 3."""
    socs = grades[grades["level"] == "soc"].sort_values(["any_grade", "soc"], ascending=[False, True])
    pts = grades[grades["level"] == "pt"]
    rows, data = [], []
    for soc in socs.itertuples(index=False):
        rows.append(
            (
                str(soc.soc).upper(),
                fmt_n_pct(int(soc.any_grade), n_population),
                fmt_n_pct(int(soc.grade_3_plus), n_population),
            )
        )
        data.append({"soc": soc.soc, "pt": "", "any_grade": soc.any_grade, "grade_3_plus": soc.grade_3_plus})
        for pt in pts[pts["soc"] == soc.soc].sort_values(["any_grade", "pt"], ascending=[False, True]).itertuples():
            rows.append(
                (
                    f"  {pt.pt}",
                    fmt_n_pct(int(pt.any_grade), n_population),
                    fmt_n_pct(int(pt.grade_3_plus), n_population),
                )
            )
            data.append({"soc": soc.soc, "pt": pt.pt, "any_grade": pt.any_grade, "grade_3_plus": pt.grade_3_plus})
    frame = pd.DataFrame(
        rows,
        columns=[
            "System organ class / preferred term",
            f"All grades, n (%) (N = {n_population})",
            f"Grade >= 3, n (%) (N = {n_population})",
        ],
    )
    return CsrTable(
        "ae_by_soc_pt",
        "Adverse events by system organ class and preferred term",
        frame,
        pd.DataFrame(data),
        [
            "Sorted by decreasing frequency (all grades). A subject counts once per "
            "term at the worst grade. Grades by CTCAE."
        ],
    )


def ae_by_max_grade_table(worst: pd.DataFrame, n_population: int) -> CsrTable:
    """Subjects by their maximum AE grade (1-5), and with no AE."""
    per_subject = worst[worst["level"] == "pt"].groupby("usubjid")["worst_grade"].max()
    rows, data = [], []
    n_none = n_population - len(per_subject)
    rows.append(("No adverse event", fmt_n_pct(n_none, n_population)))
    data.append({"maximum_grade": 0, "n_subjects": n_none})
    for grade in range(1, 6):
        k = int((per_subject == grade).sum())
        rows.append((f"Grade {grade}", fmt_n_pct(k, n_population)))
        data.append({"maximum_grade": grade, "n_subjects": k})
    frame = pd.DataFrame(rows, columns=["Maximum grade", f"Subjects, n (%) (N = {n_population})"])
    return CsrTable(
        "ae_by_max_grade",
        "Subjects by maximum adverse-event grade",
        frame,
        pd.DataFrame(data),
        ["Each subject counted once, at the worst grade of any event (CTCAE)."],
    )


def deaths_table(os_table: pd.DataFrame, worst: pd.DataFrame | None) -> CsrTable:
    """Every death with its time from first dose, and the grade 5 AE terms of the same subject."""
    deaths = os_table[os_table["os_event"] == 1].sort_values(["os_months", "usubjid"])
    grade5 = {}
    if worst is not None and len(worst):
        g5 = worst[(worst["level"] == "pt") & (worst["worst_grade"] == 5)]
        grade5 = g5.groupby("usubjid")["pt"].apply(lambda s: "; ".join(sorted(map(str, s)))).to_dict()
    frame = pd.DataFrame(
        {
            "Subject": deaths["usubjid"].astype(str),
            "Date of death": pd.to_datetime(deaths["os_date"]).dt.strftime("%Y-%m-%d"),
            "Months from first dose": deaths["os_months"].map(lambda v: f"{v:.1f}"),
            "Grade 5 adverse event": deaths["usubjid"].map(grade5).fillna("none recorded"),
        }
    )
    data = deaths[["usubjid", "os_date", "os_months"]].assign(grade5_ae=deaths["usubjid"].map(grade5))
    return CsrTable(
        "deaths",
        f"Deaths (n = {len(deaths)}) and grade 5 adverse events",
        frame,
        data,
        ["Deaths from the overall-survival derivation (every dated death record)."],
    )


def ae_grade_columns_table(grades: pd.DataFrame, n_population: int) -> CsrTable:
    """AEs by SOC/PT with a column per maximum grade 1-5, ``n (%)`` (the endpoints step's ``ae_by_max_grade``)."""
    grade_cols = [c for c in ("grade_1", "grade_2", "grade_3", "grade_4", "grade_5") if c in grades.columns]
    rows = []
    for row in grades.itertuples(index=False):
        level = getattr(row, "level", "pt")
        label = str(row.soc).upper() if level == "soc" else f"  {row.pt}" if level == "pt" else str(row.soc)
        rows.append([label, *(fmt_n_pct(int(getattr(row, c) or 0), n_population) for c in grade_cols)])
    header = [
        "System organ class / preferred term",
        *(f"Grade {c[-1]}, n (%) (N = {n_population})" for c in grade_cols),
    ]
    return CsrTable(
        "ae_by_max_grade_per_term",
        "Adverse events by SOC, PT and maximum grade",
        pd.DataFrame(rows, columns=header),
        grades,
        ["A subject counts once per term, at the worst grade of that term (CTCAE)."],
    )
