"""The result of one TMB run: the number, its interval, the audit and the provenance."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker.tmb.params import FILTER_ORDER, TmbParams
from biomarker.tmb.vcf_scan import VARIANT_COLUMNS, Row

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


@dataclass
class TmbResult:
    """Per-sample TMB with its exact 95% CI, per-filter counts and provenance.

    Attributes
    ----------
    fates
        ALT alleles per fate: ``counted`` and each filter of :data:`FILTER_ORDER` (zeros included).
    variants_path
        ``SAMPLE.variants.tsv`` when the run wrote one; else the rows are held in memory.
    """

    sample: str
    tumor_sample: str
    input_path: str
    input_type: str
    caller: str
    annotator: str
    params: TmbParams
    territory_bp: int
    counted: int
    tmb_per_mb: float
    ci95_low: float
    ci95_high: float
    fates: dict[str, int]
    records: int
    alleles: int
    provenance: dict[str, Any]
    variants_path: Path | None = None
    json_path: Path | None = None
    vcf_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    territory_stated: bool = False
    _rows: list[Row] | None = field(default=None, repr=False)

    @property
    def tmb_high(self) -> bool:
        """TMB-high: counted mutations >= ``tmb_high_min_count`` when the preset sets one (blood TMB is
        published as "bTMB >= 16 mutations"), else TMB >= ``tmb_high_cutoff`` per Mb (default 10)."""
        if self.params.tmb_high_min_count is not None:
            return self.counted >= self.params.tmb_high_min_count
        return self.tmb_per_mb >= self.params.tmb_high_cutoff

    @property
    def tmb_high_rule(self) -> str:
        """The TMB-high rule in words."""
        if self.params.tmb_high_min_count is not None:
            return f">= {self.params.tmb_high_min_count} counted mutations"
        return f">= {self.params.tmb_high_cutoff:g} mutations/Mb"

    @property
    def territory_mb(self) -> float:
        """Callable territory in Mb."""
        return self.territory_bp / 1e6

    def removed_by(self) -> dict[str, int]:
        """ALT alleles removed by each filter, in filter order."""
        return {name: self.fates.get(name, 0) for name in FILTER_ORDER}

    def to_dict(self) -> dict[str, Any]:
        """Everything in ``SAMPLE.tmb.json``."""
        return {
            "sample": self.sample,
            "tumor_sample": self.tumor_sample,
            "preset": self.params.name,
            "tmb_per_mb": round(self.tmb_per_mb, 6),
            "tmb_ci95_low_per_mb": round(self.ci95_low, 6),
            "tmb_ci95_high_per_mb": round(self.ci95_high, 6),
            "ci_method": "exact Poisson (Garwood)",
            "tmb_high": self.tmb_high,
            "tmb_high_cutoff_per_mb": self.params.tmb_high_cutoff,
            "tmb_high_min_count": self.params.tmb_high_min_count,
            "tmb_high_rule": self.tmb_high_rule,
            "territory_source": (
                "stated (territory_mb), not measured; variants not restricted to a territory"
                if self.territory_stated
                else "measured from the BED"
            ),
            "warnings": list(self.warnings),
            "counted_variants": self.counted,
            "territory_bp": self.territory_bp,
            "records": self.records,
            "alleles": self.alleles,
            "removed_by_filter": self.removed_by(),
            "filter_order": list(FILTER_ORDER),
            "input_type": self.input_type,
            "caller": self.caller,
            "annotator": self.annotator,
            "provenance": self.provenance,
        }

    def to_json(self) -> str:
        """The JSON text written to ``SAMPLE.tmb.json`` (sorted keys: same inputs, same bytes)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @property
    def summary(self) -> pd.DataFrame:
        """One-row tidy table (snake_case, units in names): :meth:`store_row` plus the sample, preset, territory
        in Mb and the ALT alleles each filter removed (``removed_<filter>``)."""
        import pandas as pd

        row = {"sample": self.sample, "preset": self.params.name, "territory_mb": self.territory_mb, **self.store_row()}
        row.update({f"removed_{k}": v for k, v in self.removed_by().items()})
        return pd.DataFrame([row])

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """``tmb_summary`` (one row), ``tmb_filter_audit`` (sample, filter, removed) and, when kept, ``variants``."""
        import pandas as pd

        out = {
            "tmb_summary": self.summary,
            "tmb_filter_audit": pd.DataFrame(
                {
                    "sample": self.sample,
                    "filter": list(FILTER_ORDER),
                    "removed": [self.fates.get(k, 0) for k in FILTER_ORDER],
                }
            ),
        }
        if self._rows is not None or self.variants_path is not None:
            out["variants"] = self.variants()
        return out

    def plot(self, name: str | None = None) -> Figure:
        """The filter audit as a stacked bar (``name``: ``audit``, the only figure of one tumour)."""
        from biomarker.plots.tmb import tmb_audit

        if name not in (None, "audit"):
            raise ValueError("one tumour's TMB has one figure: 'audit'")
        tables = self.tables
        return tmb_audit(tables["tmb_filter_audit"], tables["tmb_summary"])

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write ``SAMPLE.tmb.json`` and, when the rows are held, ``SAMPLE.variants.tsv`` (atomically)."""
        from biomarker.files import atomic_replace, atomic_write

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        if self._rows is not None:
            rows = self._rows
            paths["variants"] = atomic_replace(
                out / f"{self.sample}.variants.tsv",
                lambda p: p.write_text("\t".join(VARIANT_COLUMNS) + "\n" + "".join("\t".join(r) + "\n" for r in rows)),
            )
        with atomic_write(out / f"{self.sample}.tmb.json") as fh:
            fh.write(self.to_json())
        paths["json"] = out / f"{self.sample}.tmb.json"
        return paths

    def store_row(self) -> dict[str, Any]:
        """The result's part of a ``tmb_results`` store row (the caller adds sample keys and hashes).

        ``warnings`` is every warning joined by ``"; "`` (empty when there is none).
        """
        return {
            "counted_variants": self.counted,
            "territory_bp": self.territory_bp,
            "tmb_per_mb": self.tmb_per_mb,
            "tmb_ci95_low_per_mb": self.ci95_low,
            "tmb_ci95_high_per_mb": self.ci95_high,
            "tmb_high": self.tmb_high,
            "caller": self.caller,
            "annotator": self.annotator,
            "warnings": "; ".join(self.warnings),
        }

    def variants(self) -> pd.DataFrame:
        """Every ALT allele with its fate (``counted`` or the first filter that removed it).

        Numbers are numbers: ``pos``, ``depth`` and ``alt_depth`` nullable integers, ``vaf`` and
        ``population_af`` floats (missing is NA); the rest text.
        """
        import pandas as pd

        if self._rows is not None:
            frame = pd.DataFrame(self._rows, columns=list(VARIANT_COLUMNS))
        elif self.variants_path is None:
            raise ValueError("this result kept no variant table")
        else:
            frame = pd.read_csv(self.variants_path, sep="\t", dtype=str, keep_default_na=False)
        for col in ("pos", "depth", "alt_depth"):
            frame[col] = pd.to_numeric(frame[col].replace("", None)).astype("Int64")
        for col in ("vaf", "population_af"):
            frame[col] = pd.to_numeric(frame[col].replace("", None)).astype("float64")
        return frame
