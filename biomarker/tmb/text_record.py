"""A survivor record read from its VCF text, for the files whose fields need no htslib typing.

The text reader (:mod:`biomarker.tmb.vcf_text_scan`) judges a survivor from its text when the file is plain
enough: a caller whose support is FORMAT/AD, AF and DP declared with their standard types, and an annotation
held in one String INFO field (VEP CSQ, snpEff ANN, Funcotator FUNCOTATION). Each value is read as cyvcf2
reads it (AF through float32, as htslib stores it); any record whose values are not plain numbers (a missing
``.``, a malformed list) is left to cyvcf2, so the answer never depends on which path read it.
"""

from __future__ import annotations

import re

import numpy as np

from biomarker.tmb.annotation import RecordAnnotator
from biomarker.tmb.callers import Support

#: Callers whose read support is the generic FORMAT/AD, AF, DP reading of :class:`ReadSupport`.
_GENERIC_CALLERS = frozenset({"mutect2", "muse", "ad"})
_STANDARD_TYPES = {"AD": "Integer", "AF": "Float", "DP": "Integer"}


def _format_types(raw_header: str) -> dict[str, str]:
    return dict(re.findall(r"^##FORMAT=<ID=([^,>]+),[^\n]*?Type=(\w+)", raw_header, re.M))


class TextInfo:
    """``INFO.get(key)`` over the INFO column's text, as cyvcf2 gives a String (or Flag) field."""

    __slots__ = ("raw",)

    def __init__(self, raw: str) -> None:
        self.raw = raw

    def get(self, key: str, default: object = None) -> object:
        """The field's text (``True`` for a flag), or ``default`` when the record lacks it."""
        raw = self.raw
        if raw == ".":
            return default
        n = len(key)
        i = raw.find(key)
        while i >= 0:
            end = i + n
            if (i == 0 or raw[i - 1] == ";") and (end == len(raw) or raw[end] in "=;"):
                if end == len(raw) or raw[end] == ";":
                    return True
                stop = raw.find(";", end)
                return raw[end + 1 :] if stop < 0 else raw[end + 1 : stop]
            i = raw.find(key, end)
        return default


class TextVariant:
    """The parts of a cyvcf2 ``Variant`` the annotation reads: CHROM, POS, REF, ALT (as written) and INFO."""

    __slots__ = ("ALT", "CHROM", "INFO", "POS", "REF")

    def __init__(self, chrom: str, pos: int, ref: str, alt: str, info: str) -> None:
        self.CHROM, self.POS, self.REF = chrom, pos, ref
        self.ALT = [] if alt == "." else alt.split(",")
        self.INFO = TextInfo(info)


class TextSupport:
    """The tumour's read support from the FORMAT and sample columns' text, or ``None`` to let cyvcf2 read it.

    Parameters
    ----------
    caller, format_ids, raw_header
        What the header says.
    sample_index
        The tumour's column among the samples (0 = the first sample column).
    annotator
        The record annotator: the text is enough only when it reads one String INFO field.
    """

    def __init__(
        self, caller: str, format_ids: set[str], raw_header: str, sample_index: int, annotator: RecordAnnotator
    ) -> None:
        types = _format_types(raw_header)
        self.col = 9 + sample_index
        self._floats: dict[str, float] = {}
        self._layouts: dict[str, tuple[int, int | None, int | None, int | None]] = {}
        self.ids = {k for k in ("AD", "AF", "DP") if k in format_ids}
        self.usable = (
            caller in _GENERIC_CALLERS
            and all(types.get(k) == t for k, t in _STANDARD_TYPES.items() if k in self.ids)
            and annotator.kind in ("vep", "snpeff", "funcotator", "none")
            and not (annotator.info_af or annotator.info_cosmic or annotator.info_cosmic_count)
        )

    def _layout(self, fmt: str) -> tuple[int, int | None, int | None, int | None]:
        """``(number of keys, index of DP, AD, AF)`` in a FORMAT string (each declared one), remembered."""
        keys = fmt.split(":")
        found = tuple(keys.index(k) if k in self.ids and k in keys else None for k in ("DP", "AD", "AF"))
        where = (len(keys), *found)
        self._layouts[fmt] = where  # type: ignore[assignment]
        return where  # type: ignore[return-value]

    def _float32(self, text: str) -> float:
        """The number as htslib stores a Float (single precision), remembered: AFs repeat."""
        x = float(np.float32(text))
        if len(self._floats) > 200_000:
            self._floats.clear()
        self._floats[text] = x
        return x

    def read(self, fmt: str, sample: str, n_alt: int) -> Support | None:
        """Support for every ALT, as :meth:`ReadSupport.read` gives it; ``None`` for values that are not plain."""
        where = self._layouts.get(fmt)
        if where is None:
            where = self._layout(fmt)
        n_keys, i_dp, i_ad, i_af = where
        values = sample.split(":")
        if len(values) != n_keys:
            return None
        depth = None
        if i_dp is not None:
            dp = values[i_dp]
            if not dp.isdigit():
                return None
            depth = int(dp)
        ad_vals: list[int] = []
        if i_ad is not None:
            parts = values[i_ad].split(",")
            if not all(p.isdigit() for p in parts):
                return None
            ad_vals = [int(p) for p in parts]
        af: list[float] = []
        if i_af is not None:
            cache = self._floats
            try:
                af = [cache[p] if p in cache else self._float32(p) for p in values[i_af].split(",")]
            except ValueError:
                return None
            if any(x != x for x in af):  # a 'nan' written out: leave it to htslib's reading
                return None
        alt_depth: list[int | None] = [None] * n_alt
        vaf: list[float | None] = [None] * n_alt
        total = sum(ad_vals) if ad_vals else None
        for k in range(n_alt):
            if len(ad_vals) == n_alt + 1:
                alt_depth[k] = ad_vals[k + 1]
            if k < len(af):
                vaf[k] = af[k]
            elif alt_depth[k] is not None and total:
                vaf[k] = alt_depth[k] / total
        if depth is None and ad_vals:
            depth = total
        return Support(vaf, depth, alt_depth)
