"""MultiQC custom-content files of a TMB batch, so a pipeline's MultiQC report shows TMB beside its other QC.

Three files, written atomically into the batch's output folder from the store's ``tmb_results`` and
``tmb_filter_audit``:

- ``biomarker_tmb_general_mqc.json``: General Statistics columns per tumour (TMB, its 95% CI, territory,
  counted variants, the filters that removed most alleles, warnings);
- ``biomarker_tmb_funnel_mqc.json``: a stacked bar plot of what each filter removed and what was counted;
- ``biomarker_tmb_mqc.tsv``: the per-tumour table, failed tumours included with their reason.

MultiQC finds them by the ``_mqc`` suffix (no plugin, no config needed); see ``docs/report.md`` for a
config snippet that orders and names the section.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker.files import atomic_write
from biomarker.tmb.params import FILTER_ORDER

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
NAMESPACE = "biomarker"
#: Filters of the TMB chain in order (the funnel's stacking order), then ``counted``.
FUNNEL_ORDER: tuple[str, ...] = (*FILTER_ORDER, "counted")


def _clean(value: Any) -> Any:
    """JSON-safe scalars: NaN/None -> None, numpy -> Python, text without tabs or line breaks."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def top_filters(audit: pd.DataFrame, k: int = 3) -> dict[str, str]:
    """``sample -> "consequence 256, population_af 87, filter 79"``: the ``k`` filters that removed most.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"sample": "s", "filter": ["vaf", "depth", "indel"], "removed": [5, 9, 0]})
    >>> top_filters(a)
    {'s': 'depth 9, vaf 5'}
    """
    out = {}
    for sample, g in audit[audit["removed"] > 0].groupby("sample", sort=True):
        top = g.sort_values(["removed", "filter"], ascending=[False, True]).head(k)
        out[str(sample)] = ", ".join(f"{f} {int(n)}" for f, n in zip(top["filter"], top["removed"], strict=True))
    return out


def general_stats(results: pd.DataFrame, audit: pd.DataFrame) -> dict[str, Any]:
    """The General Statistics custom-content document (one row per tumour with a TMB)."""
    tops = top_filters(audit)
    data: dict[str, dict[str, Any]] = {}
    for row in results[results["status"] == "ok"].sort_values("sample").itertuples(index=False):
        sample = str(row.sample)
        data[sample] = {
            k: _clean(v)
            for k, v in {
                "tmb_per_mb": row.tmb_per_mb,
                "tmb_ci95_low_per_mb": row.tmb_ci95_low_per_mb,
                "tmb_ci95_high_per_mb": row.tmb_ci95_high_per_mb,
                "territory_mb": None if row.territory_bp is None else row.territory_bp / 1e6,
                "counted_variants": row.counted_variants,
                "top_filters": tops.get(sample, ""),
                "warnings": getattr(row, "warnings", None) or "",
            }.items()
        }
    headers = {
        "tmb_per_mb": {
            "title": "TMB",
            "description": "Tumour mutational burden (mutations/Mb)",
            "suffix": " mut/Mb",
            "format": "{:,.1f}",
            "min": 0,
            "scale": "OrRd",
        },
        "tmb_ci95_low_per_mb": {
            "title": "TMB CI low",
            "description": "Exact Poisson 95% CI, lower (mut/Mb)",
            "format": "{:,.1f}",
        },
        "tmb_ci95_high_per_mb": {
            "title": "TMB CI high",
            "description": "Exact Poisson 95% CI, upper (mut/Mb)",
            "format": "{:,.1f}",
        },
        "territory_mb": {
            "title": "Territory",
            "description": "Callable territory (Mb)",
            "suffix": " Mb",
            "format": "{:,.2f}",
            "scale": "Blues",
        },
        "counted_variants": {
            "title": "Counted",
            "description": "Variants counted towards TMB",
            "format": "{:,.0f}",
            "scale": "Greens",
        },
        "top_filters": {"title": "Top filters", "description": "Filters that removed most ALT alleles", "scale": False},
        "warnings": {"title": "TMB warnings", "description": "Warnings carried with the result", "scale": False},
    }
    return {
        "id": "biomarker_tmb_general",
        "section_name": "TMB (biomarker)",
        "plot_type": "generalstats",
        "namespace": NAMESPACE,
        "pconfig": [{k: v} for k, v in headers.items()],
        "data": data,
    }


def funnel(results: pd.DataFrame, audit: pd.DataFrame) -> dict[str, Any]:
    """The filter-funnel bar plot document: ALT alleles removed by each filter, and counted, per tumour."""
    from biomarker.palette import FILTER_COLOURS

    ok = results[results["status"] == "ok"].set_index("sample")
    data: dict[str, dict[str, int]] = {}
    for sample, g in audit[audit["sample"].isin(ok.index)].groupby("sample", sort=True):
        removed = dict(zip(g["filter"].astype(str), g["removed"].astype(int), strict=True))
        removed["counted"] = int(ok.loc[sample, "counted_variants"] or 0)
        data[str(sample)] = removed
    present = {f for d in data.values() for f in d}
    order = [f for f in FUNNEL_ORDER if f in present] + sorted(present - set(FUNNEL_ORDER))
    categories = {f: {"name": f.replace("_", " "), "color": FILTER_COLOURS.get(f, "#999999")} for f in order}
    return {
        "id": "biomarker_tmb_funnel",
        "section_name": "TMB filter funnel (biomarker)",
        "description": "ALT alleles per tumour by the first TMB filter that removed them, and counted.",
        "plot_type": "bargraph",
        "categories": categories,
        "pconfig": {
            "id": "biomarker_tmb_funnel_plot",
            "title": "biomarker: TMB filter funnel",
            "ylab": "ALT alleles",
            "cpswitch_counts_label": "Alleles",
        },
        "data": data,
    }


def table_tsv(results: pd.DataFrame) -> str:
    """The per-tumour table as custom-content TSV (YAML header in ``#`` comments), failed tumours included."""
    cols = [
        c
        for c in (
            "sample",
            "status",
            "tmb_per_mb",
            "tmb_ci95_low_per_mb",
            "tmb_ci95_high_per_mb",
            "counted_variants",
            "territory_bp",
            "preset",
            "caller",
            "annotator",
            "warnings",
            "reason",
        )
        if c in results.columns
    ]
    header = [
        "# id: 'biomarker_tmb_table'",
        "# section_name: 'TMB per tumour (biomarker)'",
        "# description: 'Every tumour of the batch, with its status and reason when it failed.'",
        "# plot_type: 'table'",
        "# pconfig:",
        "#     id: 'biomarker_tmb_table_plot'",
        "#     namespace: 'biomarker'",
    ]
    lines = ["\t".join(cols)]
    for row in results.sort_values("sample")[cols].itertuples(index=False):
        cells = []
        for v in row:
            v = _clean(v)
            cells.append("" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v))
        lines.append("\t".join(cells))
    return "\n".join(header + lines) + "\n"


def write_multiqc(results: pd.DataFrame, audit: pd.DataFrame, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the three MultiQC custom-content files into ``out_dir`` (atomically); returns name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, doc in (("general", general_stats(results, audit)), ("funnel", funnel(results, audit))):
        path = out / f"biomarker_tmb_{name}_mqc.json"
        with atomic_write(path, encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, sort_keys=False, allow_nan=False)
        written[name] = path
    path = out / "biomarker_tmb_mqc.tsv"
    with atomic_write(path, encoding="utf-8") as fh:
        fh.write(table_tsv(results))
    written["table"] = path
    log.info("MultiQC custom content: %s", ", ".join(p.name for p in written.values()))
    return written


def write_multiqc_from_store(store_path: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """:func:`write_multiqc` from the store's ``tmb_results`` and ``tmb_filter_audit``."""
    from biomarker.store import Store

    with Store(store_path, read_only=True) as store:
        return write_multiqc(store.table("tmb_results"), store.table("tmb_filter_audit"), out_dir)
