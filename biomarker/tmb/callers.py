"""Variant callers: which sample is the tumour, and its VAF, depth and alt depth per ALT allele.

Each caller stores read support differently; :class:`ReadSupport` reads the tumour's values from
one cyvcf2 record whatever wrote it:

========== ============================================ ===========================================
caller     VAF                                          depth / alt depth
========== ============================================ ===========================================
Mutect2    FORMAT/AF (Number=A); AD when AF is missing  DP (else sum of AD) / AD[alt]
Strelka2   SNV: tier-1 ``{ALT}U`` / sum of A/C/G/T U;    sum of tier-1 counts / ``{ALT}U``;
           indel: TIR / (TAR + TIR)                     DP / TIR
VarScan2   FREQ ("45%", "45,2%")                        DP / AD (alt only, Number=1), RD is ref
MuSE       AD (no AF)                                   DP / AD[alt]
FreeBayes  AO / (RO + sum AO)                           DP / AO[alt]
========== ============================================ ===========================================
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from biomarker.errors import InputError

#: Sample names that mark the tumour / normal column in tumour-normal VCFs.
TUMOUR_NAMES = ("TUMOR", "TUMOUR", "tumor", "tumour", "Tumor", "Tumour")
NORMAL_NAMES = ("NORMAL", "normal", "Normal")

INT_MISSING = -2147483648
INT_END = -2147483647
_HEADER_CALLER = (
    (re.compile(r"^##(source=)?Mutect2|^##GATKCommandLine=<ID=Mutect2", re.M), "mutect2"),
    (re.compile(r"^##source=strelka", re.M | re.I), "strelka2"),
    (re.compile(r"^##MuSE_version", re.M), "muse"),
    (re.compile(r"^##source=VarScan", re.M | re.I), "varscan2"),
    (re.compile(r"^##source=freeBayes", re.M | re.I), "freebayes"),
)
CALLERS = ("mutect2", "strelka2", "varscan2", "muse", "freebayes", "ad")


def detect_caller(raw_header: str, format_ids: set[str]) -> str:
    """Name the caller from header lines, else from the FORMAT fields present.

    Examples
    --------
    >>> detect_caller("##fileformat=VCFv4.2\\n", {"GT", "DP", "RD", "AD", "FREQ"})
    'varscan2'
    """
    for pattern, name in _HEADER_CALLER:
        if pattern.search(raw_header):
            return name
    if {"TIR", "TAR"} <= format_ids or {"AU", "CU", "GU", "TU"} <= format_ids:
        return "strelka2"
    if "FREQ" in format_ids and "RD" in format_ids:
        return "varscan2"
    if {"AO", "RO"} <= format_ids:
        return "freebayes"
    if "AF" in format_ids:
        return "mutect2"
    return "ad"


def choose_tumour_sample(path: str, samples: list[str], raw_header: str, requested: str | None = None) -> str:
    """Pick the tumour sample column.

    Order: ``requested``; Mutect2's ``##tumor_sample=``; a column named TUMOR/TUMOUR; the only sample.
    A file with three or more samples (tumour, normal and a metastasis; Mutect2 multi-sample mode) or naming
    several tumours in its header is never resolved by guessing: ``--tumor-sample`` is required.

    Raises
    ------
    InputError
        When the requested sample is absent, or the choice is ambiguous (the message lists the samples).
    """
    if requested is not None:
        if requested not in samples:
            raise InputError(
                path, f"no sample {requested!r}", where="header", hint=f"samples are: {', '.join(samples) or 'none'}"
            )
        return requested
    if not samples:
        raise InputError(
            path,
            "the VCF has no sample columns",
            where="header",
            hint="TMB needs the tumour's FORMAT fields; give a VCF with genotypes",
        )
    declared = [m.strip() for m in re.findall(r"^##tumor_sample=(.+)$", raw_header, re.M)]
    if len(samples) > 2 or len(declared) > 1:
        raise InputError(
            path,
            f"{len(samples)} samples ({', '.join(samples)}), so the tumour is not certain",
            where="header",
            hint=f"pass --tumor-sample, one of: {', '.join(samples)}",
        )
    if declared and declared[0] in samples:
        return declared[0]
    named = [s for s in samples if s in TUMOUR_NAMES]
    if len(named) == 1:
        return named[0]
    if len(samples) == 1:
        return samples[0]
    raise InputError(
        path,
        "cannot tell which sample is the tumour",
        where="header",
        hint=f"pass --tumor-sample, one of: {', '.join(samples)}",
    )


def _parse_freq(value: str) -> float | None:
    text = value.strip().rstrip("%").replace(",", ".")
    if not text or text == ".":
        return None
    try:
        return float(text) / 100.0
    except ValueError:
        return None


@dataclass(frozen=True)
class Support:
    """Tumour read support of one record: one VAF and alt depth per ALT, one depth."""

    vaf: list[float | None]
    depth: int | None
    alt_depth: list[int | None]


def _int(x: int) -> int | None:
    return None if x in (INT_MISSING, INT_END) else int(x)


class ReadSupport:
    """Reads the tumour's VAF/depth/alt depth from cyvcf2 records of one file.

    Parameters
    ----------
    path
        The VCF (for error messages).
    format_ids
        FORMAT IDs declared in the header.
    caller
        One of :data:`CALLERS` (from :func:`detect_caller`, or the user's override).
    sample_index
        Column of the tumour among the samples cyvcf2 was opened with.
    """

    def __init__(self, path: str, format_ids: set[str], caller: str, sample_index: int) -> None:
        if caller not in CALLERS:
            raise InputError(None, f"unknown caller {caller!r}", hint=f"use one of {', '.join(CALLERS)}")
        self.path = path
        self.caller = caller
        self.i = sample_index
        self.ids = format_ids
        has = format_ids.__contains__
        strelka = caller == "strelka2"
        self.has_vaf = (
            (strelka and (has("TIR") or has("AU")))
            or has("AF")
            or has("FREQ")
            or has("AD")
            or (has("AO") and has("RO"))
        )
        self.has_depth = has("DP") or has("AD") or (strelka and has("AU"))
        self.has_alt_depth = has("AD") or has("AO") or (strelka and (has("TIR") or has("AU")))
        self.need_indel_counts = True

    def require(self, vaf: bool, depth: bool, alt_depth: bool) -> None:
        """Raise if a switched-on filter needs a field this file does not have.

        Raises
        ------
        InputError
            Naming the missing field and the option that switches its filter off.
        """
        missing = [
            (name, fields)
            for need, has, name, fields in (
                (vaf, self.has_vaf, "vaf", "FORMAT/AF, AD, FREQ, AO/RO or Strelka tier counts"),
                (depth, self.has_depth, "depth", "FORMAT/DP or AD"),
                (alt_depth, self.has_alt_depth, "alt_depth", "FORMAT/AD, AO or Strelka tier counts"),
            )
            if need and not has
        ]
        self.need_indel_counts = vaf or alt_depth
        if missing:
            name, fields = missing[0]
            raise InputError(
                self.path,
                f"the {name} filter needs {fields}, which the file lacks",
                where="header",
                hint=f"switch it off with --off {name}, or give a VCF with it",
            )

    def _fmt(self, v, key: str):
        if key not in self.ids:
            return None
        arr = v.format(key)
        return None if arr is None else arr[self.i]

    def read(self, v) -> Support:
        """Support for every ALT of record ``v``."""
        n_alt = len(v.ALT)
        dp_arr = self._fmt(v, "DP")
        depth = _int(dp_arr[0]) if dp_arr is not None else None
        if self.caller == "strelka2":
            return self._strelka(v, n_alt, depth)
        if self.caller == "varscan2":
            return self._varscan(v, n_alt, depth)
        if self.caller == "freebayes":
            return self._freebayes(v, n_alt, depth)
        ad = self._fmt(v, "AD")
        af = self._fmt(v, "AF")
        ad_vals = [] if ad is None else [_int(x) for x in ad if x != INT_END]
        alt_depth: list[int | None] = [None] * n_alt
        vaf: list[float | None] = [None] * n_alt
        total = sum(x for x in ad_vals if x is not None) if ad_vals else None
        for k in range(n_alt):
            if len(ad_vals) == n_alt + 1:
                alt_depth[k] = ad_vals[k + 1]
            if af is not None and k < len(af) and not math.isnan(af[k]):
                vaf[k] = float(af[k])
            elif alt_depth[k] is not None and total:
                vaf[k] = alt_depth[k] / total
        if depth is None and ad_vals and None not in ad_vals:
            depth = total
        return Support(vaf, depth, alt_depth)

    def _strelka(self, v, n_alt: int, depth: int | None) -> Support:
        if v.is_snp and "AU" in self.ids:
            tier1 = {b: self._fmt(v, f"{b}U") for b in "ACGT"}
            counts = {b: (int(a[0]) if a is not None and a[0] >= 0 else 0) for b, a in tier1.items()}
            total = sum(counts.values())
            alts = [counts.get(a, 0) for a in v.ALT]
            return Support([a / total if total else None for a in alts], total or depth, list(alts))
        if not v.is_snp and ("TIR" not in self.ids or "TAR" not in self.ids) and self.need_indel_counts:
            raise InputError(
                self.path,
                "a Strelka2 indel, but the header declares no FORMAT/TAR and TIR (the indel read counts)",
                where=f"{v.CHROM}:{v.POS} {v.REF}>{','.join(v.ALT)}",
                hint="a merged SNV+indel file kept only the SNV header: merge with "
                "`bcftools concat -a` so both headers are kept, or --off vaf --off alt_depth",
            )
        tar, tir = self._fmt(v, "TAR"), self._fmt(v, "TIR")
        if tar is None or tir is None:
            return Support([None] * n_alt, depth, [None] * n_alt)
        ref_n, alt_n = max(int(tar[0]), 0), max(int(tir[0]), 0)
        vaf = alt_n / (ref_n + alt_n) if ref_n + alt_n else None
        return Support([vaf] * n_alt, depth, [alt_n] * n_alt)

    def _varscan(self, v, n_alt: int, depth: int | None) -> Support:
        freq = self._fmt(v, "FREQ")
        vaf = _parse_freq(str(freq)) if freq is not None else None
        ad = self._fmt(v, "AD")
        alt = _int(ad[0]) if ad is not None else None
        if vaf is None and alt is not None and depth:
            vaf = alt / depth
        return Support([vaf] * n_alt, depth, [alt] * n_alt)

    def _freebayes(self, v, n_alt: int, depth: int | None) -> Support:
        ro, ao = self._fmt(v, "RO"), self._fmt(v, "AO")
        if ro is None or ao is None:
            return Support([None] * n_alt, depth, [None] * n_alt)
        alts = [_int(x) for x in np.atleast_1d(ao)[:n_alt]]
        ref_n = _int(ro[0]) or 0
        total = ref_n + sum(a or 0 for a in alts)
        return Support([a / total if a is not None and total else None for a in alts], depth or total, alts)
