"""COSMIC SBS signature exposures by non-negative least squares, with bootstrap CIs.

The reference matrix comes from a user file (COSMIC TSV: a ``Type`` column of the 96 channels, one
column per signature) or from the COSMIC v3.x matrices that the optional package SigProfilerAssignment
ships inside its wheel (``pip install nsclc-biomarker[signatures]``; read as a file, no network).

Fit: the catalogue's channel fractions ``x`` are approximated by ``W h`` with ``h >= 0``
(``scipy.optimize.nnls``); exposures are ``h / sum(h)`` (fractions of the tumour's SNVs) and
``exposure_snvs = exposure_frac * snv_count``. The fit's cosine similarity to ``x`` says how well the
chosen signatures explain the catalogue. CIs: percentile bootstrap over ``n_boot`` catalogues drawn
multinomially from the observed one (same SNV count), each refitted.

Below ``min_snvs`` SNVs (default :data:`MIN_SNVS`) no exposure is reported: with fewer SNVs than
about half the 96 channels most channels hold 0 or 1 mutation, the bootstrap intervals of the flat
signatures (SBS5, SBS40) span most of 0-1, and planted mixtures are not recovered to 0.1 (see
``tests/genomic/test_signatures.py`` and docs/signatures.md for the measured errors).

Default signature set :data:`LUNG_SIGNATURES`: the signatures COSMIC v3 reports in most lung
adenocarcinomas and squamous carcinomas (Alexandrov et al. 2020, Nature 578:94): SBS1 and SBS5
(clock-like), SBS2 and SBS13 (APOBEC), SBS4 (tobacco smoking), SBS18 (reactive oxygen species) and
SBS40 (flat, unknown). Signatures seen in few lung tumours (SBS3, SBS15, SBS17a/b) are left out: an
exome catalogue of 100-1,000 SNVs cannot separate many similar profiles (cosine SBS5/SBS40a 0.81,
SBS5/SBS3 0.79, SBS4/SBS18 0.73 in v3.4). ``signature_set="all"`` fits every column.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from biomarker.errors import ConfigError, InputError
from biomarker.genomic.channels import CHANNELS

log = logging.getLogger(__name__)
MIN_SNVS = 50
N_BOOT = 200
LUNG_SIGNATURES: tuple[str, ...] = ("SBS1", "SBS2", "SBS4", "SBS5", "SBS13", "SBS18", "SBS40")
DEFAULT_COSMIC_VERSION = "3.4"


@dataclass(frozen=True)
class SignatureReference:
    """A 96 x K signature matrix (rows in :data:`~biomarker.genomic.channels.CHANNELS` order) and where it came from."""

    matrix: pd.DataFrame
    name: str
    version: str
    source: str
    sha256: str

    @property
    def signatures(self) -> list[str]:
        """Signature names (columns)."""
        return [str(c) for c in self.matrix.columns]

    def provenance(self) -> dict[str, str]:
        """Name, version, file and SHA-256 of the matrix."""
        return {
            "signature_reference": self.name,
            "signature_reference_version": self.version,
            "signature_reference_file": self.source,
            "signature_reference_sha256": self.sha256,
        }


def read_signature_file(
    path: str | os.PathLike[str], name: str | None = None, version: str = "user file"
) -> SignatureReference:
    """Read a COSMIC-format SBS96 matrix (tab-separated; ``Type``/``MutationType`` + one column per signature).

    Raises
    ------
    InputError
        When the file lacks channels, holds non-numbers or negative values, or a column sums to 0.
    """
    path = str(path)
    if not os.path.isfile(path):
        raise InputError(path, "no such signature file", hint="give a COSMIC SBS96 TSV (--signatures)")
    frame = pd.read_csv(path, sep="\t")
    first = frame.columns[0]
    frame = frame.set_index(first)
    missing = [c for c in CHANNELS if c not in frame.index]
    if missing:
        raise InputError(
            path,
            f"{len(missing)} of the 96 SBS channels are missing (e.g. {missing[0]})",
            where=f"column {first}",
            hint="give a COSMIC SBS96 matrix (rows A[C>A]A ... T[T>G]T)",
        )
    frame = frame.loc[list(CHANNELS)]
    try:
        frame = frame.astype(float)
    except ValueError:
        raise InputError(path, "a signature value is not a number", hint="check the file") from None
    if (frame.values < 0).any() or np.isnan(frame.values).any():
        raise InputError(path, "negative or missing signature values", hint="check the file")
    sums = frame.sum(axis=0)
    if (sums <= 0).any():
        raise InputError(path, f"signature {sums[sums <= 0].index[0]} sums to 0", hint="check the file")
    if (abs(sums - 1) > 0.01).any():
        log.warning("%s: signature columns do not sum to 1; normalised", path)
    frame = frame / sums
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return SignatureReference(frame, name or Path(path).name, version, path, digest)


def packaged_cosmic(
    version: str = DEFAULT_COSMIC_VERSION, genome: str = "GRCh38", exome: bool = False
) -> SignatureReference:
    """The COSMIC SBS matrix shipped inside SigProfilerAssignment (read as a file; no network).

    Raises
    ------
    ConfigError
        When SigProfilerAssignment is not installed, or does not ship that version/genome.
    """
    spec = importlib.util.find_spec("SigProfilerAssignment")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "no signature matrix: install the optional extra (pip install "
            "'nsclc-biomarker[signatures]', which brings SigProfilerAssignment and its COSMIC "
            "matrices) or give a COSMIC SBS96 file with --signatures FILE"
        )
    root = Path(next(iter(spec.submodule_search_locations))) / "data" / "Reference_Signatures" / genome
    fname = f"COSMIC_v{version}_SBS_{genome}{'_exome' if exome else ''}.txt"
    path = root / fname
    if not path.is_file():
        have = sorted(p.name for p in root.glob("COSMIC_v*_SBS_*.txt")) if root.is_dir() else []
        raise ConfigError(f"SigProfilerAssignment ships no {fname}; available: {', '.join(have) or 'none'}")
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        spa = dist_version("SigProfilerAssignment")
    except PackageNotFoundError:  # pragma: no cover - found by spec but not by metadata
        spa = "unknown"
    ref = read_signature_file(
        path,
        name=f"COSMIC v{version} SBS96 {genome}{' exome' if exome else ''}",
        version=f"COSMIC v{version} (SigProfilerAssignment {spa})",
    )
    return ref


def select_signatures(
    reference: SignatureReference,
    signature_set: str | list[str] | tuple[str, ...] = "lung",
) -> tuple[list[str], list[str]]:
    """The columns to fit and the warnings about requested ones the matrix lacks.

    ``lung`` takes :data:`LUNG_SIGNATURES` (``SBS40`` matching ``SBS40a`` of COSMIC v3.4+);
    ``all`` takes every column; a list names them.
    """
    have = reference.signatures
    if signature_set == "all":
        return have, []
    wanted = list(LUNG_SIGNATURES) if signature_set == "lung" else list(signature_set)
    chosen, warnings = [], []
    for sig in wanted:
        if sig in have:
            chosen.append(sig)
        elif f"{sig}a" in have:
            chosen.append(f"{sig}a")
        elif signature_set != "lung":
            raise ConfigError(f"signature {sig} is not in {reference.name}; it has {', '.join(have[:12])}...")
        else:
            warnings.append(f"{sig} of the lung default set is not in {reference.name}")
    if not chosen:
        raise ConfigError(
            f"none of the lung default signatures is in {reference.name}; pass --signature-set all or name them"
        )
    return chosen, warnings


@dataclass
class Exposures:
    """Exposures of one catalogue (``None`` arrays when below the SNV minimum)."""

    signatures: list[str]
    snv_count: int
    frac: np.ndarray | None
    ci_low: np.ndarray | None
    ci_high: np.ndarray | None
    cosine: float | None
    reason: str = ""


def _fit(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    from scipy.optimize import nnls

    h, _ = nnls(w, x)
    s = h.sum()
    return h / s if s > 0 else h


def fit_exposures(
    counts: np.ndarray,
    w: np.ndarray,
    signatures: list[str],
    *,
    min_snvs: int = MIN_SNVS,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | None = None,
) -> Exposures:
    """NNLS exposures of one SBS96 catalogue onto the columns of ``w``, with percentile-bootstrap 95% CIs.

    Parameters
    ----------
    counts
        SBS96 counts (:data:`~biomarker.genomic.channels.CHANNELS` order).
    w
        96 x K signature matrix (columns sum to 1).
    min_snvs
        Below this many SNVs nothing is fitted (see the module docstring).
    n_boot
        Bootstrap catalogues (multinomial draws of the same size); 0 gives no CI.
    rng
        Random generator of the bootstrap (same seed, same CIs).

    Examples
    --------
    >>> w = np.zeros((96, 2)); w[:48, 0] = 1 / 48; w[48:, 1] = 1 / 48
    >>> e = fit_exposures(np.r_[np.full(48, 3), np.full(48, 1)], w, ["A", "B"], n_boot=0)
    >>> e.frac.round(2).tolist(), round(e.cosine, 3)
    ([0.75, 0.25], 1.0)
    """
    counts = np.asarray(counts, dtype=float)
    n = int(counts.sum())
    if n < min_snvs:
        return Exposures(
            signatures, n, None, None, None, None, f"{n} SNVs, below the minimum of {min_snvs} for a signature fit"
        )
    x = counts / n
    frac = _fit(w, x)
    recon = w @ frac
    cosine = float(recon @ x / (np.linalg.norm(recon) * np.linalg.norm(x))) if recon.any() else 0.0
    low = high = None
    if n_boot > 0:
        rng = rng or np.random.default_rng(0)
        draws = rng.multinomial(n, x, size=n_boot) / n
        boot = np.vstack([_fit(w, d) for d in draws])
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
    return Exposures(signatures, n, frac, low, high, cosine)
