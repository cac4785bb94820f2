"""What an annotation says about one ALT allele: the :class:`Annotation` record and the helpers that read its values.

Shared by every reader of annotation (VCF annotators in :mod:`biomarker.tmb.annotation`, MAF and variant
tables) and by the co-mutation rules (:data:`AA3`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from biomarker.tmb.consequences import RANK, UNKNOWN_RANK

#: Population allele-frequency fields looked for inside annotations (VEP CSQ, Funcotator, MAF columns) and, except
#: the bare ``AF``, among INFO tags written by annotators (maximum of those present). A bare INFO/AF is never read as
#: a population frequency: FreeBayes, VarDict, LoFreq, ``SelectVariants -sn`` and ``bcftools +fill-tags`` write the
#: sample's own allele fraction there. A user names such an INFO tag explicitly with ``population_af_info``.
DEFAULT_POPULATION_AF_FIELDS: tuple[str, ...] = (
    "gnomADe_AF",
    "gnomADg_AF",
    "gnomAD_AF",
    "ExAC_AF",
    "AF",  # VEP CSQ (AF is 1000 Genomes)
    "MAX_AF",  # VEP --max_af: highest sub-population AF, so a variant common in any ancestry counts as germline
    "gnomAD_exome_AF",
    "gnomAD_genome_AF",  # Funcotator
    "gnomAD_genomes_AF",
    "gnomAD_exomes_AF",
    "gnomad_AF",  # INFO from bcftools annotate / SnpSift
    "gnomAD_exome_ALL",
    "gnomAD_genome_ALL",
    "ExAC_ALL",
    "1000g2015aug_all",  # ANNOVAR
)
#: Fields holding a COSMIC sample count (VEP --custom, ANNOVAR, bcftools annotate).
COSMIC_COUNT_FIELDS: tuple[str, ...] = ("COSMIC_CNT", "COSMIC_COUNT", "CNT", "cosmic_count")
#: INFO tags never read as population frequencies unless named in ``population_af_info``.
SAMPLE_LEVEL_INFO_AF: frozenset[str] = frozenset({"AF"})
COSMIC_ID = re.compile(r"COS[VM]\d+")
#: Three-letter amino-acid codes -> one letter (HGVS protein notation), shared with the co-mutation rules.
AA3 = {
    "Ala": "A",
    "Arg": "R",
    "Asn": "N",
    "Asp": "D",
    "Cys": "C",
    "Gln": "Q",
    "Glu": "E",
    "Gly": "G",
    "His": "H",
    "Ile": "I",
    "Leu": "L",
    "Lys": "K",
    "Met": "M",
    "Phe": "F",
    "Pro": "P",
    "Ser": "S",
    "Thr": "T",
    "Trp": "W",
    "Tyr": "Y",
    "Val": "V",
    "Ter": "*",
    "Sec": "U",
    "Pyl": "O",
    "Xaa": "X",
}
_AA3_RE = re.compile("|".join(AA3))


def short_protein(text: str) -> str:
    """A protein change in one-letter short form, whatever the notation (``''`` when there is none).

    Examples
    --------
    >>> short_protein("ENSP00000256078.5:p.Gly12Cys"), short_protein("p.G12C"), short_protein("G12C")
    ('G12C', 'G12C', 'G12C')
    >>> short_protein("p.(Arg273Ter)")
    'R273*'
    """
    text = text.strip()
    if not text or text in (".", "-"):
        return ""
    text = text.rsplit(":", 1)[-1]
    if text.startswith("p."):
        text = text[2:]
    text = text.strip("()")
    return _AA3_RE.sub(lambda m: AA3[m.group(0)], text)


@dataclass(frozen=True)
class Annotation:
    """The annotation TMB needs for one ALT allele.

    ``terms`` holds every SO term over all the allele's transcripts (for pyTMB's any-transcript rule);
    ``protein`` the chosen transcript's protein change as the annotator wrote it (``ENSP...:p.Gly12Cys``;
    :func:`short_protein` makes it ``G12C`` when a driver list needs it).
    """

    consequence: str
    gene: str = ""
    transcript: str = ""
    population_af: float | None = None
    cosmic_id: bool = False
    cosmic_count: int | None = None
    terms: frozenset[str] = frozenset()
    protein: str = ""

    @property
    def rank(self) -> int:
        """Severity rank of the consequence (0 is most severe)."""
        return RANK.get(self.consequence, UNKNOWN_RANK)


def max_float(values: Sequence[str]) -> float | None:
    """The largest number among strings that may hold several (``&``- or ``,``-joined); ``None`` if none."""
    best: float | None = None
    for raw in values:
        if not raw or raw == ".":
            continue
        for part in raw.replace("&", ",").split(","):
            try:
                x = float(part)
            except ValueError:
                continue
            if not math.isnan(x) and (best is None or x > best):
                best = x
    return best


def vep_allele(ref: str, alts: Sequence[str]) -> list[str]:
    """The ALT alleles as VEP writes them in CSQ: a shared first base is stripped, empty is ``-``.

    Examples
    --------
    >>> vep_allele("AG", ["A"]), vep_allele("A", ["AT"]), vep_allele("C", ["T", "G"])
    (['-'], ['T'], ['T', 'G'])
    """
    if all(a and a[0] == ref[0] for a in alts) and ref and all(len(a) != 1 or len(ref) != 1 for a in alts):
        return [a[1:] or "-" for a in alts]
    return list(alts)
