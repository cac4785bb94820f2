"""Plan the variant records of one tumour: true somatic mutations plus everything a TMB must drop.

Every planted record carries its intended category; :func:`judge` then applies the ``wes``
counting rules to what will actually be written and the planner checks that each allele lands
where it was meant to (counted, or dropped for the intended first reason). The fates written
to ``truth/variants`` are these judged fates.

The records, and the ``wes`` rules that judge them, are in :mod:`biomarker.simulate.records`; the draws of
frequencies, reads and alleles in :mod:`biomarker.simulate.somatic_draws`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from biomarker.simulate.genome import HOTSPOTS, PAD, Exome, Gene, Hotspot, ref_bases
from biomarker.simulate.records import (  # noqa: F401 (MIN_* and REASONS re-exported from here)
    INDEL_KINDS,
    MAX_POP_AF,
    MIN_ALT,
    MIN_DEPTH,
    MIN_VAF,
    REASONS,
    Allele,
    Record,
    judge,
)
from biomarker.simulate.rng_draws import choice_cdf, pick, pick_weighted
from biomarker.simulate.signatures import channel_contexts
from biomarker.simulate.somatic_draws import (
    FILTERS,
    KIND_CONSEQUENCE,
    OTHER_BASES,
    SOMATIC_MIX,
    draw_alleles,
    draw_pop,
    draw_reads,
    expected_fate,
)
from biomarker.simulate.vep import PopAF, annotate, choose_transcript


class TumourPlanner:
    """Draw the records of tumours on one exome (re-used across patients)."""

    def __init__(self, exome: Exome) -> None:
        self.exome = exome
        contigs, idx = [], []
        hot_targets = {(h.contig, h.target[0]) for h in HOTSPOTS}
        for contig, starts in exome.starts.items():
            for i, s in enumerate(starts.tolist()):
                if (contig, s) not in hot_targets:
                    contigs.append(contig)
                    idx.append(i)
        self._t_contig: list[str] = contigs
        self._t_index: list[int] = idx
        # plain lists: indexing them per record is several times cheaper than indexing numpy arrays
        self._starts = {contig: starts.tolist() for contig, starts in exome.starts.items()}
        self._gene_of_target = {contig: g.tolist() for contig, g in exome.gene_of_target.items()}
        self._genes_by_flag = {
            flag: [g for g in exome.genes if g.flags == flag and g.hotspot is None and len(g.exon_starts) >= 1]
            for flag in ("mane", "canonical", "none")
        }
        lengths = np.asarray([len(exome.starts[c]) for c in exome.starts], dtype=float)
        self._contig_names = list(exome.starts)
        self._contig_cdf = choice_cdf(lengths / lengths.sum())
        self._filters = [f for f, _ in FILTERS]
        fp = np.asarray([p for _, p in FILTERS])
        self._filter_cdf = choice_cdf(fp / fp.sum())

    # ------------------------------------------------------------------ positions
    def _random_target(self, rng: np.random.Generator) -> tuple[Gene, int]:
        k = int(rng.integers(len(self._t_index)))
        contig, i = self._t_contig[k], self._t_index[k]
        gene = self.exome.genes[self._gene_of_target[contig][i]]
        exon_idx = int(gene.exon_starts.searchsorted(self._starts[contig][i] + PAD))
        return gene, exon_idx

    def _position(self, rng: np.random.Generator, region: str, gene: Gene, exon_idx: int, span: int) -> int:
        """0-based position of the first REF base for ``region`` in ``gene``'s exon ``exon_idx``."""
        es, ee = int(gene.exon_starts[exon_idx]), int(gene.exon_ends[exon_idx])
        plus = gene.strand > 0
        if region == "coding":
            return int(rng.integers(es + 8, ee - 8 - span))
        if region in ("splice_acceptor", "splice_donor"):
            before_exon = (region == "splice_acceptor") == plus  # acceptor is 5' of the exon in transcript
            return es - int(rng.integers(1, 3)) if before_exon else ee + int(rng.integers(0, 2))
        if region == "intron_bed":
            off = int(rng.integers(3, PAD))
            return es - 1 - off if rng.random() < 0.5 else ee + off
        raise ValueError(region)

    def _off_target(self, rng: np.random.Generator) -> tuple[str, int]:
        while True:
            contig = self._contig_names[pick_weighted(rng, self._contig_cdf)]
            starts = self.exome.starts[contig]
            i = int(rng.integers(len(starts) - 1))
            lo, hi = int(self.exome.ends[contig][i]) + 300, int(starts[i + 1]) - 300
            if hi - lo > 10:
                return contig, int(rng.integers(lo, hi))

    # ------------------------------------------------------------------ records
    def plan(
        self,
        rng: np.random.Generator,
        target_counted: int,
        scale: float,
        drivers: list[Hotspot],
        sbs: np.ndarray | None = None,
        comutations: tuple[tuple[str, str], ...] = (),
    ) -> list[Record]:
        """Records of one tumour (unsorted) with intents; see module docstring.

        ``target_counted`` is the number of ALTs that must be counted (drivers, the true ALT of
        multi-allelic records and the unflagged-gene trap included); ``scale`` scales the number of
        artefacts (1 for a 35 Mb exome). ``sbs`` (96 channel probabilities, COSMIC plot order) plants the
        trinucleotide context and ALT of every somatic SNV; ``comutations`` adds one counted
        loss-of-function record per ``(symbol, gene_id)``. Without them the draws are the historical
        ones (byte-identical files for the same seed).
        """
        self._used: set[tuple[str, int]] = set()
        self._sbs_cdf = None if sbs is None else choice_cdf(sbs)
        recs: list[Record] = []

        def n(base: float, lo: int = 1) -> int:
            return max(lo, int(rng.poisson(base * scale)))

        room = target_counted - len(drivers) - len(comutations)
        n_multi = min(max(room - 1, 0), n(3))
        n_unflagged = min(max(room - n_multi - 1, 0), max(1, round(0.005 * target_counted)))
        n_true = max(room - n_multi - n_unflagged, 0)
        mix_names = [m for m, _ in SOMATIC_MIX]
        mix_p = np.asarray([p for _, p in SOMATIC_MIX])
        kinds = rng.choice(mix_names, size=n_true, p=mix_p / mix_p.sum())
        for kind in kinds.tolist():
            recs.append(self._coding_record(rng, f"somatic_{kind}", kind, "good", "PASS", "somatic"))
        for hot in drivers:
            recs.append(self._hotspot_record(rng, hot))
        for symbol, gene_id in comutations:
            kind = pick(rng, ("stop_gained", "frameshift_del", "splice_donor"))
            recs.append(
                self._coding_record(
                    rng, f"somatic_comutation_{symbol}", kind, "good", "PASS", "somatic", as_gene=(symbol, gene_id)
                )
            )
        for _ in range(n_unflagged):
            recs.append(
                self._coding_record(
                    rng,
                    "somatic_unflagged_most_severe",
                    "synonymous",
                    "good",
                    "PASS",
                    "somatic",
                    trap="alt_missense",
                    flag="none",
                )
            )
        for _ in range(n_multi):
            recs.append(self._multiallelic_record(rng))
        for kind, frac in (("synonymous", 0.30), ("intron_bed", 0.06), ("utr5", 0.02), ("utr3", 0.03)):
            for _ in range(int(rng.binomial(max(target_counted, 10), frac))):
                recs.append(self._coding_record(rng, f"somatic_{kind}", kind, "good", "PASS", "somatic"))
        for _ in range(max(2, round(0.01 * target_counted))):
            recs.append(
                self._coding_record(
                    rng,
                    "somatic_mane_synonymous_alt_missense",
                    "synonymous",
                    "good",
                    "PASS",
                    "somatic",
                    trap="alt_missense",
                    flag="mane",
                )
            )
        recs.append(
            self._coding_record(
                rng,
                "somatic_canonical_synonymous_alt_missense",
                "synonymous",
                "good",
                "PASS",
                "somatic",
                trap="alt_missense",
                flag="canonical",
            )
        )
        for _ in range(n(0.15 * target_counted / scale + 15)):
            flt = self._filters[pick_weighted(rng, self._filter_cdf)]
            recs.append(self._coding_record(rng, "artefact_filtered", "missense", "good", flt, "somatic"))
        for _ in range(n(12)):
            recs.append(self._coding_record(rng, "germline_common_pass", "missense", "germline", "PASS", "common"))
        for _ in range(n(15)):
            recs.append(self._coding_record(rng, "germline_filtered", "missense", "germline", "germline", "common"))
        for _ in range(n(2)):
            recs.append(
                self._coding_record(
                    rng, "germline_rare_population_max_af", "missense", "germline", "PASS", "max_af_only"
                )
            )
        for _ in range(n(30)):
            recs.append(self._coding_record(rng, "artefact_low_vaf", "missense", "low_vaf", "PASS", "somatic"))
        for _ in range(n(12)):
            recs.append(self._coding_record(rng, "artefact_low_depth", "missense", "low_depth", "PASS", "somatic"))
        for _ in range(n(7)):
            recs.append(self._coding_record(rng, "artefact_low_alt_depth", "missense", "alt_depth", "PASS", "somatic"))
        for _ in range(n(45)):
            recs.append(self._off_target_record(rng))
        for rec in recs:
            self.judge_record(rec)
        return recs

    def _coding_record(
        self,
        rng: np.random.Generator,
        intent: str,
        kind: str,
        reads: str,
        filter_: str,
        pop_profile: str,
        trap: str = "",
        flag: str = "",
        as_gene: tuple[str, str] | None = None,
    ) -> Record:
        region = {"splice_acceptor": "splice_acceptor", "splice_donor": "splice_donor", "intron_bed": "intron_bed"}.get(
            kind, "coding"
        )
        forms = None  # planted signature: the channel's two forward-strand (context, alt) forms
        sbs_cdf = getattr(self, "_sbs_cdf", None)
        if sbs_cdf is not None and intent.startswith("somatic_") and kind not in INDEL_KINDS:
            forms = channel_contexts(pick_weighted(rng, sbs_cdf))
        planted_alt = ""
        for _ in range(1000):
            if flag:
                pool = self._genes_by_flag[flag]
                gene = pool[int(rng.integers(len(pool)))]
                choices = [i for i in range(len(gene.exon_starts)) if i != gene.skip_exon]
                exon_idx = pick(rng, choices)
            else:
                gene, exon_idx = self._random_target(rng)
            if kind in ("utr5", "utr3"):
                first = (kind == "utr5") == (gene.strand > 0)
                exon_idx = 0 if first else len(gene.exon_starts) - 1
            span_probe = 8
            pos0 = self._position(rng, region, gene, exon_idx, span_probe)
            key = (gene.contig, pos0)
            if any((gene.contig, p) in self._used for p in range(pos0 - 2, pos0 + 10)):
                continue
            if forms is not None:
                context = ref_bases(gene.contig, pos0, 3)
                planted_alt = next((a for tri, a in forms if tri == context), "")
                if not planted_alt:
                    continue
            self._used.add(key)
            break
        else:  # pragma: no cover - the exome is far larger than any tumour
            raise RuntimeError("could not place a variant")
        ref0 = ref_bases(gene.contig, pos0 + 1)
        ref_t, alt_t, span = (ref0, planted_alt, 1) if planted_alt else draw_alleles(rng, kind, ref0)
        if ref_t == "DEL":
            ref = ref_bases(gene.contig, pos0 + 1, span)
            alt = ref[0]
        elif ref_t == "INS":
            ref = ref0
            alt = ref0 + "".join("ACGT"[b] for b in rng.integers(0, 4, size=int(alt_t)).tolist())  # = choice(ACGT)
        else:
            ref, alt = ref_t, alt_t
        consequence = KIND_CONSEQUENCE.get(kind)
        if kind == "intron_bed":
            es, ee = int(gene.exon_starts[exon_idx]), int(gene.exon_ends[exon_idx])
            dist = es - pos0 if pos0 < es else pos0 - ee + 1
            consequence = "splice_region_variant&intron_variant" if dist <= 8 else "intron_variant"
        assert consequence is not None, kind
        pop = draw_pop(rng, pop_profile)
        named = gene if as_gene is None else replace(gene, symbol=as_gene[0], gene_id=as_gene[1])
        hits = annotate(named, pos0 + 1, ref, alt, consequence, pop, rng, trap=trap)
        t_ref, t_alt, t_extra, n_ref, n_alt, n_extra = draw_reads(rng, reads)
        expected = expected_fate(intent)
        allele = Allele(alt, t_alt, n_alt, pop, hits, intent, expected)
        return Record(
            gene.contig,
            pos0 + 1,
            ref,
            [allele],
            filter_,
            t_ref,
            t_extra,
            n_ref,
            n_extra,
            in_bed=self.exome.in_targets(gene.contig, pos0, len(ref)),
            germline=reads == "germline",
        )

    def _hotspot_record(self, rng: np.random.Generator, hot: Hotspot) -> Record:
        gene = next(g for g in self.exome.genes if g.hotspot is hot)
        self._used.add((hot.contig, hot.pos - 1))
        pop = PopAF(existing=hot.existing, somatic="0&1")
        hits = annotate(gene, hot.pos, hot.ref, hot.alt, "missense_variant", pop, rng)
        t_ref, t_alt, t_extra, n_ref, n_alt, n_extra = draw_reads(rng, "good")
        allele = Allele(hot.alt, t_alt, 0, pop, hits, f"somatic_hotspot_{hot.symbol}", "counted")
        return Record(
            hot.contig,
            hot.pos,
            hot.ref,
            [allele],
            "PASS",
            t_ref,
            t_extra,
            n_ref + n_alt,
            n_extra,
            in_bed=self.exome.in_targets(hot.contig, hot.pos - 1),
        )

    def _off_target_record(self, rng: np.random.Generator) -> Record:
        contig, pos0 = self._off_target(rng)
        self._used.add((contig, pos0))
        ref = ref_bases(contig, pos0 + 1)
        alt = pick(rng, OTHER_BASES[ref])
        gene = self.exome.gene_at(contig, pos0)
        pop = draw_pop(rng, "somatic")
        hits = annotate(gene, pos0 + 1, ref, alt, "intron_variant", pop, rng)
        t_ref, t_alt, t_extra, n_ref, n_alt, n_extra = draw_reads(rng, "good")
        allele = Allele(alt, t_alt, n_alt, pop, hits, "off_target", "territory")
        return Record(
            contig,
            pos0 + 1,
            ref,
            [allele],
            "PASS",
            t_ref,
            t_extra,
            n_ref,
            n_extra,
            in_bed=self.exome.in_targets(contig, pos0),
        )

    def _multiallelic_record(self, rng: np.random.Generator) -> Record:
        rec = self._coding_record(rng, "somatic_missense_multiallelic", "missense", "good", "PASS", "somatic")
        gene = self.exome.gene_at(rec.contig, rec.pos - 1)
        assert gene is not None
        first = rec.alts[0]
        alt2 = pick(rng, [b for b in "ACGT" if b not in (rec.ref, first.alt)])
        pop = PopAF()
        hits = annotate(gene, rec.pos, rec.ref, alt2, "missense_variant", pop, rng)
        rec.t_ref = max(rec.t_ref, 150)
        first.t_alt = max(first.t_alt, int(0.15 * rec.t_ref) + 1)
        rec.alts.append(Allele(alt2, 2, 0, pop, hits, "artefact_multiallelic_low_vaf", "vaf"))
        return rec

    @staticmethod
    def judge_record(rec: Record) -> None:
        """Set each allele's chosen transcript and fate; raise if it is not the planted one."""
        for i, allele in enumerate(rec.alts):
            chosen = choose_transcript(allele.hits)
            allele.chosen_consequence = chosen.consequence if chosen else ""
            allele.chosen_feature = chosen.get("Feature") if chosen else ""
            failed = judge(
                rec.filter,
                rec.in_bed,
                float(rec.t_af(i)),
                rec.t_dp,
                allele.t_alt,
                allele.pop.value,
                allele.chosen_consequence,
            )
            allele.fate = failed[0] if failed else "counted"
            allele.reasons = ";".join(failed)
            if allele.fate != allele.expected:
                raise AssertionError(
                    f"planted {allele.intent} at {rec.contig}:{rec.pos} judged {allele.reasons or 'counted'}, "
                    f"expected {allele.expected}"
                )


def more_germline(planner: TumourPlanner, rng: np.random.Generator, n: int) -> list[Record]:
    """Extra common germline records (PASS) that a tumour-only call set leaks; call right after ``plan``."""
    recs = [
        planner._coding_record(rng, "germline_common_pass", "missense", "germline", "PASS", "common") for _ in range(n)
    ]
    for rec in recs:
        planner.judge_record(rec)
    return recs
