"""The 96 single-base-substitution channels (trinucleotide context, pyrimidine-centred), in COSMIC plot order.

A substitution is named by the pyrimidine of its base pair: a G>T on the forward strand in context
``CGA`` is written on the reverse strand, ``T[C>A]G``. :data:`CHANNELS` are in the order of COSMIC's
SBS96 plots: substitution type (C>A, C>G, C>T, T>A, T>C, T>G), then the 5' base, then the 3' base.
COSMIC and SigProfiler *files* list the rows alphabetically (5' base first, :data:`FILE_ORDER`); this
package matches rows by name, but SigProfilerAssignment reads a matrix by position, so anything
written for it must be in :data:`FILE_ORDER`.
"""

from __future__ import annotations

BASES = "ACGT"
SUBSTITUTIONS: tuple[str, ...] = ("C>A", "C>G", "C>T", "T>A", "T>C", "T>G")
#: Channel names ``A[C>A]A`` ... ``T[T>G]T`` in COSMIC plot order.
CHANNELS: tuple[str, ...] = tuple(f"{left}[{sub}]{right}" for sub in SUBSTITUTIONS for left in BASES for right in BASES)
CHANNEL_INDEX: dict[str, int] = {name: i for i, name in enumerate(CHANNELS)}
#: Row order of COSMIC / SigProfiler SBS96 files (alphabetical).
FILE_ORDER: tuple[str, ...] = tuple(sorted(CHANNELS))
_COMPLEMENT = str.maketrans("ACGTacgt", "TGCAtgca")
#: Transversions: a purine replaced by a pyrimidine or the reverse (C>A, C>G, T>A, T>G).
TRANSVERSIONS: frozenset[str] = frozenset({"C>A", "C>G", "T>A", "T>G"})


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string.

    Examples
    --------
    >>> reverse_complement("ACG")
    'CGT'
    """
    return seq.translate(_COMPLEMENT)[::-1]


def channel_of(context: str, alt: str) -> int | None:
    """Index of the channel of a substitution, given the forward-strand trinucleotide and the ALT base.

    Parameters
    ----------
    context
        Three forward-strand reference bases centred on the substituted base (upper case).
    alt
        The ALT base on the forward strand.

    Returns
    -------
    int or None
        The channel index, or ``None`` when a base is not A/C/G/T (N in the reference).

    Examples
    --------
    >>> CHANNELS[channel_of("ACA", "A")]
    'A[C>A]A'
    >>> CHANNELS[channel_of("TGT", "T")]  # G>T on the forward strand is C>A on the reverse
    'A[C>A]A'
    >>> CHANNELS[channel_of("CGA", "T")]
    'T[C>A]G'
    """
    if len(context) != 3 or any(b not in BASES for b in context) or alt not in BASES or alt == context[1]:
        return None
    ref = context[1]
    if ref in "AG":
        context = reverse_complement(context)
        alt = alt.translate(_COMPLEMENT)
        ref = context[1]
    return CHANNEL_INDEX[f"{context[0]}[{ref}>{alt}]{context[2]}"]


def substitution_of(channel: str) -> str:
    """The substitution type (``C>A``...) of a channel name.

    Examples
    --------
    >>> substitution_of("T[C>T]A")
    'C>T'
    """
    return channel[2:5]


def is_apobec(channel: str) -> bool:
    """Whether a channel is an APOBEC-motif change: T[C>T]W or T[C>G]W (W = A or T).

    The TCW motif of APOBEC3A/B (Roberts et al. 2013, Nat Genet 45:970), whose C>T and C>G
    products make COSMIC SBS2 and SBS13.

    Examples
    --------
    >>> is_apobec("T[C>T]A"), is_apobec("T[C>G]T"), is_apobec("T[C>T]G"), is_apobec("A[C>T]A")
    (True, True, False, False)
    """
    return channel[0] == "T" and channel[2:5] in ("C>T", "C>G") and channel[6] in "AT"
