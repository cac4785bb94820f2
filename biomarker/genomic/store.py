"""Write a :class:`~biomarker.genomic.result.GenomicResult` into the cohort store (whole-study tables)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from biomarker.genomic.result import TABLES, GenomicResult


def store_genomic(result: GenomicResult, store_path: str | os.PathLike[str]) -> list[str]:
    """Replace the genomic tables of the store with ``result``'s, plus a one-row ``genomic_provenance``.

    Tables: ``genomic_features`` (one row per sample; ``is_primary`` marks the one standing for its
    ``usubjid`` as a baseline feature), ``signature_exposures``, ``sbs96_catalogue``,
    ``comutation_variants`` and ``genomic_provenance`` (package version, signature reference name,
    version and SHA-256, parameters, inputs with SHA-256, warnings; JSON text columns).

    Returns
    -------
    list of str
        The tables written.
    """
    import pandas as pd

    from biomarker.store import Store

    prov = result.provenance
    run = pd.DataFrame(
        [
            {
                "package_version": prov.get("version"),
                "signature_reference": prov.get("signature_reference"),
                "signature_reference_version": prov.get("signature_reference_version"),
                "signature_reference_sha256": prov.get("signature_reference_sha256"),
                "signatures_fitted": ",".join(prov.get("signatures_fitted", [])),
                "parameters_json": json.dumps(prov.get("parameters"), sort_keys=True, default=str),
                "inputs_json": json.dumps(prov.get("inputs"), sort_keys=True),
                "warnings_json": json.dumps(result.warnings),
            }
        ]
    )
    written = []
    with Store(Path(store_path)) as store:
        for name in TABLES:
            store.replace_table(name, result.tables[name])
            written.append(name)
        store.replace_table("genomic_provenance", run)
        written.append("genomic_provenance")
    return written
