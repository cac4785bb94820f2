"""Judge the ALT alleles of a record that passed FILTER and the territory: read support, duplicates, annotation.

Both VCF readers (:mod:`biomarker.tmb.vcf_scan`, cyvcf2 on every record; :mod:`biomarker.tmb.vcf_text_scan`,
cyvcf2 on the survivors of a text pre-scan) hand their survivors here, so the rules live once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from biomarker.tmb.annotation import RecordAnnotator
from biomarker.tmb.callers import ReadSupport, Support
from biomarker.tmb.judge import judge_allele, judge_annotation, judge_support
from biomarker.tmb.params import TmbParams

if TYPE_CHECKING:
    from biomarker.tmb.vcf_scan import VcfLayout

Row = tuple[str, ...]


def _fmt_float(x: float | None, spec: str) -> str:
    return "" if x is None else format(x, spec)


class AlleleJudge:
    """Judges one record's ALTs at a time, remembering the alleles already seen at the current position.

    Parameters
    ----------
    path, format_ids, infos, caller, annotator
        What the VCF's header says (see :class:`biomarker.tmb.vcf_scan.VcfLayout`).
    sample_index
        The tumour's column among the samples of the records that will be judged.
    fates
        The tally every allele's fate is counted into.

    Raises
    ------
    InputError
        When a switched-on filter needs a FORMAT field the file lacks.
    """

    def __init__(
        self,
        path: str,
        format_ids: set[str],
        infos: dict[str, str],
        caller: str,
        annotator: str,
        sample_index: int,
        params: TmbParams,
        hotspots: Any,
        fates: Counter[str],
    ) -> None:
        self.support = ReadSupport(path, format_ids, caller, sample_index)
        self.support.require(params.min_vaf is not None, params.min_depth is not None, params.min_alt_depth is not None)
        self.annotator = RecordAnnotator(
            path,
            infos,
            annotator,
            params.transcript_choice,
            params.population_af_fields,
            params.population_af_info,
        )
        self.params = params
        self.hotspots = hotspots
        self.fates = fates
        self._seen_pos: tuple[str, int] | None = None
        self._seen_alleles: set[tuple[str, str]] = set()

    @classmethod
    def for_layout(
        cls, layout: VcfLayout, sample_index: int, params: TmbParams, hotspots: Any, fates: Counter[str]
    ) -> AlleleJudge:
        """The judge of one VCF, from what its header says (``sample_index``: the tumour's column as read)."""
        return cls(
            layout.path,
            layout.format_ids,
            layout.infos,
            layout.caller,
            layout.annotator,
            sample_index,
            params,
            hotspots,
            fates,
        )

    def judge(
        self,
        v: Any,
        chrom: str,
        pos: int,
        ref: str,
        alts: Sequence[str],
        filt: str,
        emit: Callable[[Row], None],
        support: Support | None = None,
    ) -> list[str]:
        """Judge every ALT of record ``v`` (``ref``/``alts`` upper-cased), pass one row each to ``emit``.

        ``support`` is the record's read support when the caller has already read it (from the text).

        Returns
        -------
        list of str
            Each ALT's fate (``counted`` or the first filter that removed it).
        """
        sup = self.support.read(v) if support is None else support
        anns = None
        record_fates = []
        if self._seen_pos != (chrom, pos):
            self._seen_pos = (chrom, pos)
            self._seen_alleles.clear()
        seen, params, fates = self._seen_alleles, self.params, self.fates
        for k, alt in enumerate(alts):
            vaf, alt_depth = sup.vaf[k], sup.alt_depth[k]
            if (ref, alt) in seen:
                fate = ("duplicate", "same position, REF and ALT as an earlier record")
            else:
                seen.add((ref, alt))
                fate = judge_allele(alt) or judge_support(ref, alt, vaf, sup.depth, alt_depth, params)
            ann = None
            if fate is None:
                if anns is None:
                    anns = self.annotator.annotate(v)
                ann = anns[k]
                fate = judge_annotation(ann, alt, params, self.hotspots, (chrom, pos, ref))
            fates[fate[0]] += 1
            record_fates.append(fate[0])
            emit(
                (
                    chrom,
                    str(pos),
                    ref,
                    alt,
                    filt,
                    _fmt_float(vaf, ".4f"),
                    "" if sup.depth is None else str(sup.depth),
                    "" if alt_depth is None else str(alt_depth),
                    "" if ann is None else ann.consequence,
                    "" if ann is None else ann.gene,
                    "" if ann is None else ann.transcript,
                    "" if ann is None else _fmt_float(ann.population_af, ".6g"),
                    fate[0],
                    fate[1],
                )
            )
        return record_fates

    @property
    def unknown_terms(self) -> Counter[str]:
        """Consequence terms with no stated class met so far, with their counts."""
        return Counter(self.annotator.unknown_terms)
