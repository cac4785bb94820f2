"""A TMB run's inputs resolved before any record is read: the preset with its overrides, and the territory.

Shared by the one-tumour pipeline (:func:`biomarker.tmb.compute_tmb`), the cohort reader and the batch.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from biomarker.errors import ConfigError, InputError
from biomarker.tmb.callers import TUMOUR_NAMES
from biomarker.tmb.params import TmbParams, load_preset
from biomarker.tmb.territory import Territory, canonical_contig, covered_territory, read_bed

_SUFFIX = re.compile(r"(\.vcf\.gz|\.vcf\.bgz|\.vcf|\.bcf|\.maf\.gz|\.maf|\.tsv|\.txt)$", re.I)


def resolve_params(
    preset: str | os.PathLike[str] | TmbParams = "wes",
    overrides: dict[str, Any] | None = None,
    off: Sequence[str] = (),
) -> TmbParams:
    """A preset (name, YAML path or object) with parameter overrides and filters switched off.

    Examples
    --------
    >>> resolve_params("wes", {"min_vaf": 0.1}, off=["depth"]).min_vaf
    0.1
    """
    params = preset if isinstance(preset, TmbParams) else load_preset(preset)
    if overrides:
        from biomarker.tmb.params import params_from_mapping

        params = params_from_mapping({**params.as_dict(), **overrides}, f"preset {params.name} with overrides")
    return params.switched_off(list(off)) if off else params


def build_territory(
    targets: str | os.PathLike[str],
    callable_bed: str | os.PathLike[str] | None = None,
    bam: str | os.PathLike[str] | None = None,
    min_bam_depth: int = 20,
) -> Territory:
    """Capture BED, optionally intersected with a callable BED and the BAM's well-covered positions.

    Raises
    ------
    InputError
        When an intersection leaves nothing.
    """
    territory = read_bed(targets)
    if callable_bed is not None:
        territory = territory.intersect(read_bed(callable_bed))
        if territory.bp == 0:
            raise InputError(
                callable_bed,
                "no overlap with the targets BED",
                hint="check both BEDs use the same genome build and contig names",
            )
    if bam is not None:
        territory = covered_territory(bam, territory, min_bam_depth)
        if territory.bp == 0:
            raise InputError(
                bam,
                f"no target position is covered by >= {min_bam_depth} reads",
                hint="lower --min-depth or check the BAM matches the BED",
            )
    return territory


def resolve_territory(
    targets: str | os.PathLike[str] | None,
    territory: Territory | None,
    territory_mb: float | None,
    params: TmbParams,
    callable_bed: str | os.PathLike[str] | None = None,
    bam: str | os.PathLike[str] | None = None,
    min_bam_depth: int = 20,
) -> tuple[Territory | None, int, bool]:
    """``(territory or None, its size in bp, stated?)`` from a BED, or a stated size in Mb (no restriction).

    A size stated on the command line wins over the preset's (``maftools``: 50 Mb); a BED and a stated size
    together are a contradiction.

    Raises
    ------
    ConfigError
        For both or neither.
    """
    if territory_mb is not None and (targets is not None or territory is not None):
        raise ConfigError("give --targets BED or --territory-mb, not both (a BED is measured; a size is stated)")
    if territory_mb is not None or (targets is None and territory is None):
        if callable_bed is not None or bam is not None:
            raise ConfigError(
                "--callable and --bam shrink a BED territory: give --targets BED with them, not a stated --territory-mb"
            )
        mb = territory_mb if territory_mb is not None else params.territory_mb
        if mb is None:
            raise ConfigError(
                "a territory is needed: --targets BED (measured), or --territory-mb X when only the "
                "panel's size is known"
            )
        if mb <= 0:
            raise ConfigError(f"--territory-mb must be > 0, got {mb:g}")
        return None, round(mb * 1e6), True
    if territory is None:
        territory = build_territory(targets, callable_bed, bam, min_bam_depth)  # type: ignore[arg-type]
    return territory, territory.bp, False


def sample_id_of(requested: str | None, tumour: str, path: str) -> str:
    if requested:
        return requested
    if tumour and tumour not in TUMOUR_NAMES:
        return re.sub(r"[^\w.-]+", "_", tumour)
    return _SUFFIX.sub("", Path(path).name)


def check_contigs(path: str, names: Sequence[str], territory: Territory, what: str) -> None:
    keys = {canonical_contig(c) for c in names}
    if keys and not keys & territory.contig_keys():
        raise InputError(
            path,
            f"no contig of the {what} matches the targets BED",
            where="contig names",
            hint=f"VCF has {', '.join(sorted(names)[:4])}; BED has {', '.join(sorted(territory.names.values())[:4])}; "
            "use a BED of the same genome build",
        )
