"""The ``genomic`` step of a study run: signatures, spectrum features and co-mutations of the samplesheet's tumours.

The ``genomic:`` block of study.yaml (paths relative to the config)::

    genomic:
      fasta: study/reference/genome.fa.gz       # required: the reference the calls were made on
      signatures: study/reference/sbs96.tsv      # else COSMIC as SigProfilerAssignment ships it
      signature_set: lung                        # lung, all, or a list of names
      min_snvs: 50                               # no exposures below this many SNVs
      bootstrap: 200                             # bootstrap catalogues for the exposure CIs

Other keys: ``variants`` (``counted`` or ``passing``), ``cosmic_version``, ``genome``, ``exome``, ``seed``,
``transversion_high_cutoff``, ``comutation_rules`` (a YAML file). The TMB ``preset`` is the study's. Only tumours
whose TMB is ``ok`` in the store are used (a failed or stale tumour has no features: its calls are not trusted).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker.errors import ConfigError, InputError
from biomarker.results import make_provenance

if TYPE_CHECKING:
    import pandas as pd

    from biomarker.genomic import GenomicConfig, GenomicResult, GenomicSample

log = logging.getLogger(__name__)

#: study.yaml key -> GenomicConfig field.
KEYS = {
    "fasta": "fasta",
    "signatures": "signatures",
    "signature_set": "signature_set",
    "min_snvs": "min_snvs",
    "bootstrap": "n_boot",
    "variants": "variant_set",
    "cosmic_version": "cosmic_version",
    "genome": "genome",
    "exome": "exome",
    "seed": "seed",
    "transversion_high_cutoff": "transversion_high_cutoff",
    "comutation_rules": "rules",
}
#: Keys naming files (resolved against the config's folder and checked to exist).
PATH_KEYS = ("fasta", "signatures", "comutation_rules")
#: The store tables of the step.
TABLES = (
    "genomic_features",
    "signature_exposures",
    "sbs96_catalogue",
    "comutation_variants",
    "genomic_provenance",
    "genomic_sample_status",
)
_INTS = {"min_snvs": 1, "bootstrap": 0, "seed": 0}


def genomic_config(block: dict[str, Any], preset: str = "wes", *, check_reference: bool = True) -> GenomicConfig:
    """A :class:`~biomarker.genomic.GenomicConfig` from the ``genomic:`` block (keys, types and, with
    ``check_reference``, the signature matrix and ``signature_set`` checked: one-line errors naming the key).

    Examples
    --------
    >>> genomic_config({"min_snvs": 5}, check_reference=False)
    Traceback (most recent call last):
    ...
    biomarker.errors.ConfigError: genomic: fasta is required (the reference FASTA the calls were made on)
    >>> genomic_config({"fasta": "g.fa", "bootstrapp": 5}, check_reference=False)
    Traceback (most recent call last):
    ...
    biomarker.errors.ConfigError: genomic: unknown key(s) bootstrapp; allowed: bootstrap, comutation_rules, \
cosmic_version, exome, fasta, genome, min_snvs, seed, signature_set, signatures, transversion_high_cutoff, variants
    """
    from biomarker.genomic import GenomicConfig
    from biomarker.genomic.comutations import DEFAULT_RULES, load_rules

    unknown = sorted(set(map(str, block)) - set(KEYS))
    if unknown:
        raise ConfigError(f"genomic: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(KEYS))}")
    if not block.get("fasta"):
        raise ConfigError("genomic: fasta is required (the reference FASTA the calls were made on)")
    for key, low in _INTS.items():
        value = block.get(key, low)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ConfigError(f"genomic: {key} must be a whole number >= {low}, not {value!r}")
    if block.get("variants", "counted") not in ("counted", "passing"):
        raise ConfigError(f"genomic: variants is 'counted' or 'passing', not {block['variants']!r}")
    values: dict[str, Any] = {KEYS[k]: v for k, v in block.items() if k != "comutation_rules"}
    sig_set = values.get("signature_set", "lung")
    if isinstance(sig_set, list):
        values["signature_set"] = tuple(str(s) for s in sig_set)
    elif not isinstance(sig_set, str):
        raise ConfigError(f"genomic: signature_set is lung, all or a list of names, not {sig_set!r}")
    for key in ("fasta", "signatures"):
        if values.get(key) is not None:
            values[key] = str(values[key])
    rules = block.get("comutation_rules")
    values["rules"] = dict(DEFAULT_RULES) if rules is None else load_rules(rules)
    try:
        config = GenomicConfig(preset=preset, **values)
    except TypeError as exc:
        raise ConfigError(f"genomic: {exc}") from None
    if check_reference:
        from biomarker.genomic.run import load_reference
        from biomarker.genomic.signatures import select_signatures

        try:
            select_signatures(load_reference(config), config.signature_set)
        except ConfigError as exc:
            raise ConfigError(f"genomic: {exc}") from None
    return config


def ok_samples(samplesheet: str | Path, tmb_results: pd.DataFrame | None) -> tuple[list[GenomicSample], list[str]]:
    """The samplesheet's tumours whose TMB is ``ok`` in the store (all of them when the store holds no TMB),
    and the names left out."""
    from biomarker.genomic import samples_from_sheet

    samples = samples_from_sheet(samplesheet)
    if tmb_results is None or tmb_results.empty:
        return samples, []
    ok = set(tmb_results.loc[tmb_results["status"] == "ok", "sample"].astype(str))
    return [s for s in samples if s.sample in ok], [s.sample for s in samples if s.sample not in ok]


def provenance_inputs(samples: list[GenomicSample], config: GenomicConfig) -> dict[str, Any]:
    """Every file the step reads (name -> path): FASTA, signature matrix, each tumour's calls and BED."""
    inputs: dict[str, Any] = {"fasta": config.fasta, "signatures": config.signatures}
    for s in samples:
        inputs[f"calls/{s.sample}"] = s.path
        if s.bed is not None:
            inputs[f"bed/{Path(s.bed).name}"] = s.bed
    return inputs


def compute_genomic_step(
    samples: list[GenomicSample], config: GenomicConfig, left_out: list[str], progress: Any = None
) -> tuple[GenomicResult, dict[str, pd.DataFrame], dict[str, Any]]:
    """Run :func:`~biomarker.genomic.compute_genomic`; a tumour whose calls cannot be read or do not match the
    FASTA fails alone (the others are computed). Returns the result, the store tables (with the one-row
    ``genomic_provenance`` and ``genomic_sample_status``: every tumour ``ok``, ``failed`` or ``left_out`` with
    the reason) and the step's provenance (``step_key`` included)."""
    import json

    import pandas as pd

    from biomarker.genomic import compute_genomic
    from biomarker.steps import step_key

    failed: list[tuple[str, str]] = []
    try:
        result = compute_genomic(samples, config, progress=progress)
    except InputError:  # one tumour's calls unlike the FASTA (say) fail alone: find which, run the others
        for s in samples:
            try:
                compute_genomic([s], config)
            except InputError as exc:
                failed.append((s.sample, " ".join(str(exc).split())))
                log.warning("genomic features of %s failed: %s", s.sample, failed[-1][1])
        bad = {name for name, _ in failed}
        samples = [s for s in samples if s.sample not in bad]
        result = compute_genomic(samples, config, progress=progress)
    warnings = list(result.warnings) + [f"genomic features of {name} failed: {why}" for name, why in failed]
    if left_out:
        warnings.append(
            f"{len(left_out)} tumour(s) without an ok TMB left out of the genomic features: "
            f"{', '.join(left_out[:10])}{' ...' if len(left_out) > 10 else ''}"
        )
    prov = result.provenance
    provenance = make_provenance(
        "genomic",
        config.as_dict(),
        provenance_inputs(samples, config),
        signatures_fitted=prov.get("signatures_fitted", []),
        warnings=warnings,
        **{k: v for k, v in prov.items() if k.startswith("signature_reference")},
    )
    provenance["step_key"] = step_key(provenance)
    row = pd.DataFrame(
        [
            {
                "package_version": prov.get("version"),
                "signature_reference": prov.get("signature_reference"),
                "signature_reference_version": prov.get("signature_reference_version"),
                "signature_reference_sha256": prov.get("signature_reference_sha256"),
                "signatures_fitted": ",".join(prov.get("signatures_fitted", [])),
                "parameters_json": json.dumps(provenance["parameters"], sort_keys=True, default=str),
                "inputs_json": json.dumps(prov.get("inputs"), sort_keys=True, default=str),
                "warnings_json": json.dumps(warnings),
            }
        ]
    )
    status = pd.DataFrame(
        [
            *((s.usubjid, s.sample, "ok", "") for s in samples),
            *((None, name, "failed", why) for name, why in failed),
            *((None, name, "left_out", "its TMB is not ok (failed or stale)") for name in left_out),
        ],
        columns=["usubjid", "sample", "status", "reason"],
    )
    return result, {**result.tables, "genomic_provenance": row, "genomic_sample_status": status}, provenance


def genomic_result(tables: dict[str, pd.DataFrame]) -> GenomicResult | None:
    """The genomic result read back from its store tables (``None`` when the store holds none)."""
    from biomarker.genomic import GenomicResult
    from biomarker.genomic.result import TABLES as RESULT_TABLES

    if any(name not in tables for name in RESULT_TABLES):
        return None
    provenance = dict(tables["genomic_features"].attrs.get("provenance", {}))
    params = provenance.setdefault("parameters", {})
    if "comutation_flags" not in params:
        params["comutation_flags"] = sorted(tables["comutation_variants"]["flag"].dropna().unique().tolist())
    return GenomicResult({n: tables[n] for n in RESULT_TABLES}, provenance, list(provenance.get("warnings", [])))


__all__ = [
    "KEYS",
    "PATH_KEYS",
    "TABLES",
    "compute_genomic_step",
    "genomic_config",
    "genomic_result",
    "ok_samples",
    "provenance_inputs",
]
