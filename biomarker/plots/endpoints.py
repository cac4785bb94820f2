"""The trial-endpoint figure set, drawn from an endpoint result's tables (no statistics computed here)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def endpoint_figures(tables: Mapping[str, pd.DataFrame], only: str | None = None) -> dict:
    """Endpoint figures drawn from the result tables (name -> Figure); ``only`` draws just one.

    Names: ``waterfall``, ``spider``, ``swimmer``, ``km_pfs``, ``km_os``, ``km_dor`` (the DoR curve runs in
    months from the first response).

    Examples
    --------
    >>> figs = endpoint_figures(result.tables)  # doctest: +SKIP
    """
    from biomarker import plots

    def wanted(name: str) -> bool:
        return only is None or only == name

    figs = {}
    bor = tables.get("bor")
    tp = tables.get("recist_timepoints")
    has_change = bor is not None and bor.get("best_pct_change_from_baseline", pd.Series(dtype=float)).notna().any()
    if wanted("waterfall") and has_change:
        figs["waterfall"] = plots.waterfall(bor)
    if wanted("spider") and tp is not None and bor is not None and tp["pct_change_from_baseline"].notna().any():
        spider = tp.merge(bor[["usubjid", "bor"]], on="usubjid", how="left")
        spider["weeks_from_first_dose"] = spider["days_from_first_dose"].clip(lower=0) / 7.0
        figs["spider"] = plots.spider(spider)
    if wanted("swimmer") and "swimmer_lanes" in tables and len(tables["swimmer_lanes"]):
        figs["swimmer"] = plots.swimmer(tables["swimmer_lanes"], tables["swimmer_events"])
    if "km_curves" in tables:
        titles = {"pfs": "Progression-free survival", "os": "Overall survival", "dor": "Duration of response"}
        for endpoint, curves in tables["km_curves"].groupby("endpoint", sort=True):
            if not wanted(f"km_{endpoint}"):
                continue
            risk = tables["km_at_risk"][tables["km_at_risk"]["endpoint"] == endpoint]
            figs[f"km_{endpoint}"] = plots.km_plot(
                curves.rename(columns={"endpoint": "group"}),
                risk.rename(columns={"endpoint": "group"}),
                title=titles.get(str(endpoint), str(endpoint)),
                x_label="Months from first response" if endpoint == "dor" else "Months from first dose",
            )
    return figs
