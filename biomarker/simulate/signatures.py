"""Planted mutational signatures and co-mutations of the simulated tumours.

The simulator plants from its own small SBS96 matrix, written as ``reference/signatures_sbs96.tsv``
in the COSMIC TSV layout. Its five profiles are synthetic, built here from a few rules that give
each COSMIC signature its recognisable shape; they are not the COSMIC values (that matrix is read,
when wanted, from the package that ships it):

- ``SBS1``: C>T at CpG (N[C>T]G), the clock-like deamination of 5-methylcytosine;
- ``SBS2``: C>T in the APOBEC motif T[C>T]W; ``SBS13``: C>G (and a little C>A) in T[C>N]W;
- ``SBS4``: tobacco smoking, mostly C>A spread over every context, some C>T and T>A;
- ``SBS5``: flat, with more C>T and T>C (most at A[T>C]N).

Each tumour's mixture is drawn from a Dirichlet whose mean follows smoking status (:data:`MIXTURES`),
so smokers' tumours are SBS4-rich and never-smokers' tumours SBS1/SBS5/APOBEC-rich.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from biomarker.simulate._io import atomic_write_text

BASES = "ACGT"
SUBS = ("C>A", "C>G", "C>T", "T>A", "T>C", "T>G")
CHANNELS: tuple[str, ...] = tuple(f"{a}[{s}]{b}" for s in SUBS for a in BASES for b in BASES)
SIGNATURES: tuple[str, ...] = ("SBS1", "SBS2", "SBS4", "SBS5", "SBS13")
MATRIX_NAME = "biomarker-sim SBS96 v1 (synthetic COSMIC-like profiles)"
#: Dirichlet mean of the exposures (order of :data:`SIGNATURES`) by smoking status; concentration 20.
MIXTURES: dict[bool, tuple[float, ...]] = {
    True: (0.08, 0.10, 0.50, 0.20, 0.12),  # current or former smoker
    False: (0.25, 0.17, 0.03, 0.40, 0.15),  # never smoker
}
CONCENTRATION = 20.0
_COMP = str.maketrans("ACGT", "TGCA")


def _profile(weight) -> np.ndarray:  # type: ignore[no-untyped-def]
    w = np.array([weight(ch[0], ch[2:5], ch[6]) for ch in CHANNELS], dtype=float)
    return w / w.sum()


def signature_matrix() -> np.ndarray:
    """The 96 x 5 planted matrix (columns of :data:`SIGNATURES`, each summing to 1)."""
    sbs1 = _profile(
        lambda left, sub, right: 40.0 if (sub == "C>T" and right == "G") else (1.5 if sub in ("C>T", "T>C") else 0.3)
    )
    sbs2 = _profile(
        lambda left, sub, right: (
            60.0 if (sub == "C>T" and left == "T" and right in "AT") else (6.0 if sub == "C>T" and left == "T" else 0.2)
        )
    )
    sbs13 = _profile(
        lambda left, sub, right: (
            55.0
            if (sub == "C>G" and left == "T" and right in "AT")
            else (8.0 if sub in ("C>A", "C>G") and left == "T" else 0.2)
        )
    )
    sbs4 = _profile(
        lambda left, sub, right: {
            "C>A": 9.0 + 3.0 * (right == "G") + 2.0 * (left == "C"),
            "C>G": 1.2,
            "C>T": 2.2,
            "T>A": 2.0,
            "T>C": 1.4,
            "T>G": 0.8,
        }[sub]
    )
    sbs5 = _profile(lambda left, sub, right: 1.0 + 1.2 * (sub in ("C>T", "T>C")) + 1.5 * (sub == "T>C" and left == "A"))
    return np.column_stack([sbs1, sbs2, sbs4, sbs5, sbs13])


def draw_mixture(rng: np.random.Generator, smoker: bool) -> np.ndarray:
    """One tumour's planted exposure fractions (order of :data:`SIGNATURES`)."""
    return rng.dirichlet(CONCENTRATION * np.asarray(MIXTURES[smoker]))


def channel_contexts(index: int) -> tuple[tuple[str, str], tuple[str, str]]:
    """The two forward-strand ``(trinucleotide, alt)`` forms of channel ``index``.

    >>> channel_contexts(CHANNELS.index("A[C>A]A"))
    (('ACA', 'A'), ('TGT', 'T'))
    """
    ch = CHANNELS[index]
    tri, alt = ch[0] + ch[2] + ch[6], ch[4]
    return (tri, alt), (tri.translate(_COMP)[::-1], alt.translate(_COMP))


def write_signature_matrix(path: Path) -> Path:
    """Write the planted matrix as a COSMIC-layout TSV (``Type`` + one column per signature).

    Rows are in the COSMIC files' alphabetical order, which SigProfilerAssignment assumes.
    """
    m = signature_matrix()
    lines = ["\t".join(("Type", *SIGNATURES))]
    lines += ["\t".join([ch, *(f"{v:.10f}" for v in m[CHANNELS.index(ch)])]) for ch in sorted(CHANNELS)]
    return atomic_write_text(path, "\n".join(lines) + "\n")


#: Planted co-mutations: flag -> (gene symbol, Ensembl gene id, probability by KRAS status (mutant, wild type)).
#: STK11 and KEAP1 co-occur with KRAS in lung adenocarcinoma (Skoulidis 2018).
COMUTATIONS: dict[str, tuple[str, str, tuple[float, float]]] = {
    "stk11_lof": ("STK11", "ENSG00000118046", (0.35, 0.10)),
    "keap1_lof": ("KEAP1", "ENSG00000079999", (0.25, 0.10)),
}
