"""The result of a genomic-features run: tidy tables, provenance, plots and an atomic writer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

#: Tables of :class:`GenomicResult`, in writing order.
TABLES = ("genomic_features", "signature_exposures", "sbs96_catalogue", "comutation_variants")
#: Reference-free columns of ``genomic_features`` that are baseline features of a patient.
BASELINE_COLUMNS = (
    "snv_count",
    "indel_count",
    "transversion_frac",
    "transversion_high",
    "c_to_a_frac",
    "apobec_frac",
    "indel_frac",
    "signature_cosine_similarity",
)


def baseline_features(features: pd.DataFrame, flags: list[str] | None = None) -> pd.DataFrame:
    """One row per ``usubjid`` (its primary tumour): the columns a patient table joins as baseline features.

    Parameters
    ----------
    features
        The ``genomic_features`` table (from a result or the store).
    flags
        Co-mutation flag columns (default: every ``*_lof``/``*_mut``/``*_exo``/``kras_g12c`` column present).

    Returns
    -------
    DataFrame
        ``usubjid``, :data:`BASELINE_COLUMNS`, every ``sbs*_exposure_frac`` and the flags.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"usubjid": ["a", "a"], "sample": ["t", "t.maf"], "is_primary": [True, False],
    ...                   "snv_count": [120, 118], "sbs4_exposure_frac": [0.5, 0.49], "stk11_lof": [True, True]})
    >>> baseline_features(f).to_dict("records")
    [{'usubjid': 'a', 'snv_count': 120, 'sbs4_exposure_frac': 0.5, 'stk11_lof': True}]
    """
    import re

    if flags is None:
        flags = [c for c in features.columns if re.fullmatch(r"[a-z0-9]+_(lof|mut|exo)|kras_g12c", c)]
    sigs = [c for c in features.columns if c.startswith("sbs") and c.endswith("_exposure_frac")]
    cols = ["usubjid", *(c for c in BASELINE_COLUMNS if c in features.columns), *sigs, *flags]
    rows = features[features["is_primary"].astype(bool)] if "is_primary" in features.columns else features
    return rows[cols].reset_index(drop=True)


@dataclass
class GenomicResult:
    """Per-tumour SBS96 catalogues, spectrum features, signature exposures and co-mutation flags.

    Attributes
    ----------
    tables
        ``genomic_features`` (one row per sample: features, wide ``sbsN_exposure_frac``, flags),
        ``signature_exposures`` (long, with 95% bootstrap CIs), ``sbs96_catalogue`` (long counts),
        ``comutation_variants`` (the alleles behind each flag).
    provenance
        Package version, parameters, inputs with SHA-256, signature reference name/version/SHA-256.
    warnings
        Loud warnings carried into the output (JSON ``warnings``, the store, the terminal).
    """

    tables: dict[str, pd.DataFrame]
    provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per sample: SNVs, the headline features, SBS4 exposure and the co-mutation flags set."""
        f = self.tables["genomic_features"]
        flags = list(self.provenance["parameters"]["comutation_flags"])
        cols = [
            c
            for c in (
                "usubjid",
                "sample",
                "snv_count",
                "transversion_frac",
                "transversion_high",
                "apobec_frac",
                "indel_frac",
                "sbs4_exposure_frac",
                "signature_cosine_similarity",
            )
            if c in f.columns
        ]
        out = f[cols].copy()
        hit = f[flags].fillna(False).astype(bool)
        out["comutations"] = [",".join(fl for fl in flags if row[fl]) for _, row in hit.iterrows()] if flags else ""
        return out

    def plot(
        self,
        name: str | None = None,
        *,
        sample: str | None = None,
        response: pd.DataFrame | None = None,
    ) -> Figure:
        """Draw one figure: ``profile`` (one tumour's SBS96, ``sample``; default the first), ``exposures``
        or ``comutations`` (the primary tumour of each patient, by response when ``response`` with
        ``usubjid`` and ``bor`` is given).
        """
        from biomarker.plots import signatures as plots

        name = name or "profile"
        if name == "profile":
            cat = self.tables["sbs96_catalogue"]
            chosen = sample or str(cat["sample"].iloc[0])
            return plots.sbs96_profile(cat[cat["sample"] == chosen], title=chosen)
        feats = self.tables["genomic_features"]
        primary = feats[feats["is_primary"]] if "is_primary" in feats else feats  # one tumour per patient
        if name == "exposures":
            exp = self.tables["signature_exposures"]
            exp = exp[exp["sample"].isin(set(primary["sample"]))]
            return plots.exposures_by_response(_with_response(exp, response))
        if name == "comutations":
            flags = list(self.provenance["parameters"]["comutation_flags"])
            return plots.comutation_grid(_with_response(primary, response), flags)
        raise ValueError(f"unknown plot {name!r}: use profile, exposures or comutations")

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write every table as TSV and ``genomic.json`` (provenance + warnings), atomically."""
        from biomarker.files import atomic_write, write_table

        out = Path(out_dir)
        written: dict[str, Path] = {}
        for name in TABLES:
            frame = self.tables[name]
            written[name] = write_table(frame, out / f"{name}.tsv", na_rep="NA")
        with atomic_write(out / "genomic.json") as fh:
            fh.write(
                json.dumps(
                    {"provenance": self.provenance, "warnings": self.warnings}, indent=2, sort_keys=True, default=str
                )
                + "\n"
            )
        written["json"] = out / "genomic.json"
        return written


def _with_response(frame: pd.DataFrame, response: pd.DataFrame | None) -> pd.DataFrame:
    if response is None:
        out = frame.copy()
        out["bor"] = "all"
        return out
    return frame.merge(response[["usubjid", "bor"]], on="usubjid", how="left").fillna({"bor": "NE"})
