"""A synthetic GRCh38-shaped genome: contigs, an exome capture BED and a small gene model.

The capture is generated, not real: exon-sized targets (100-300 bp) grouped into genes on the
real GRCh38 contigs (real names and lengths), plus the two real hotspot exons (KRAS exon 2 and
TP53 exon 8) so that the KRAS G12C and TP53 R273H drivers sit on their true coordinates.
Reference bases come from a deterministic hash of the position (:func:`ref_bases`), so the same
position always has the same base in every file of every study.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from biomarker.simulate._io import atomic_write_text, write_csv
from biomarker.simulate.rng_draws import quarter_ints

log = logging.getLogger(__name__)

#: GRCh38 primary contigs used by the simulator, with their real lengths.
CONTIGS: tuple[tuple[str, int], ...] = (
    ("chr1", 248956422),
    ("chr2", 242193529),
    ("chr3", 198295559),
    ("chr4", 190214555),
    ("chr5", 181538259),
    ("chr6", 170805979),
    ("chr7", 159345973),
    ("chr8", 145138636),
    ("chr9", 138394717),
    ("chr10", 133797422),
    ("chr11", 135086622),
    ("chr12", 133275309),
    ("chr13", 114364328),
    ("chr14", 107043718),
    ("chr15", 101991189),
    ("chr16", 90338345),
    ("chr17", 83257441),
    ("chr18", 80373285),
    ("chr19", 58617616),
    ("chr20", 64444167),
    ("chr21", 46709983),
    ("chr22", 50818468),
    ("chrX", 156040895),
)
CONTIG_INDEX: dict[str, int] = {name: i for i, (name, _) in enumerate(CONTIGS)}

#: Bases of intron captured on each side of an exon (the target is the exon plus this padding).
PAD = 12
#: Seed of the reference (BED + genes): the same for every study, so studies share one capture.
GENOME_SEED = 20240607


@dataclass(frozen=True)
class Hotspot:
    """A real driver mutation planted on its GRCh38 coordinate."""

    symbol: str
    gene_id: str
    contig: str
    pos: int  # 1-based
    ref: str
    alt: str
    hgvsc: str
    hgvsp: str
    protein_position: int
    amino_acids: str
    codons: str
    existing: str
    target: tuple[int, int]  # 0-based half-open capture target
    mane: tuple[str, str, str]  # (ENST, NM, ENSP)
    other: tuple[str, str]  # a second protein-coding transcript (ENST, ENSP)


HOTSPOTS: tuple[Hotspot, ...] = (
    Hotspot(
        "KRAS",
        "ENSG00000133703",
        "chr12",
        25245350,
        "C",
        "A",
        "c.34G>T",
        "p.Gly12Cys",
        12,
        "G/C",
        "Ggt/Tgt",
        "rs121913530&COSV55497469",
        (25245262, 25245407),
        ("ENST00000311936.8", "NM_004985.5", "ENSP00000308495.3"),
        ("ENST00000256078.10", "ENSP00000256078.5"),
    ),
    Hotspot(
        "TP53",
        "ENSG00000141510",
        "chr17",
        7673802,
        "C",
        "T",
        "c.818G>A",
        "p.Arg273His",
        273,
        "R/H",
        "cGt/cAt",
        "rs28934576&COSV52661038",
        (7673688, 7673849),
        ("ENST00000269305.9", "NM_000546.6", "ENSP00000269305.4"),
        ("ENST00000445888.6", "ENSP00000391478.2"),
    ),
)


#: Four, so one is drawn with :func:`~biomarker.simulate.rng_draws.quarter_ints`.
_EXTRA_BIOTYPES = ("protein_coding", "nonsense_mediated_decay", "processed_transcript", "retained_intron")


@dataclass
class Gene:
    """One gene of the synthetic model.

    Coordinates are 0-based half-open. ``flags`` says how VEP would flag its transcripts:
    ``"mane"`` (transcript 1 is MANE Select and canonical), ``"canonical"`` (transcript 1 is
    canonical, no MANE) or ``"none"`` (no transcript flagged). Transcript 2 skips exon
    ``skip_exon`` (genomic order; ``-1`` = skips none); transcript 3, when present, is a
    non-coding ``retained_intron`` transcript; ``extra`` lists the biotypes of further
    transcripts (``protein_coding``, ``nonsense_mediated_decay``, ``processed_transcript``), so a
    record carries about as many CSQ entries as a real VEP ``--everything`` annotation.
    """

    index: int
    symbol: str
    gene_id: str
    contig: str
    strand: int
    exon_starts: np.ndarray
    exon_ends: np.ndarray
    flags: str
    skip_exon: int
    has_noncoding: bool
    extra: tuple[str, ...] = ()
    hotspot: Hotspot | None = None
    tx_ids: tuple[str, ...] = field(default_factory=tuple)
    #: Values derived from the gene by the modules that annotate on it, computed once per gene (a gene made
    #: with ``dataclasses.replace`` starts with an empty memo, so nothing derived from old fields leaks).
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def start(self) -> int:
        """Start of the gene's first capture target (0-based)."""
        return int(self.exon_starts[0]) - PAD

    @property
    def end(self) -> int:
        """End of the gene's last capture target (0-based, exclusive)."""
        return int(self.exon_ends[-1]) + PAD


@dataclass
class Exome:
    """The capture targets (BED) and gene model of the synthetic genome."""

    starts: dict[str, np.ndarray]
    ends: dict[str, np.ndarray]
    gene_of_target: dict[str, np.ndarray]
    genes: list[Gene]
    territory_bp: int

    def in_targets(self, contig: str, pos0: int, length: int = 1) -> bool:
        """Whether ``[pos0, pos0 + length)`` lies entirely inside one capture target."""
        i = int(self.starts[contig].searchsorted(pos0, side="right")) - 1  # the method: no dispatch wrapper
        return i >= 0 and pos0 + length <= int(self.ends[contig][i])

    def distance_to_targets(self, contig: str, pos0: int) -> int:
        """Distance in bp from ``pos0`` to the nearest target (0 when inside one)."""
        starts, ends = self.starts[contig], self.ends[contig]
        i = int(np.searchsorted(starts, pos0, side="right")) - 1
        best = 10**12
        for j in (i, i + 1):
            if 0 <= j < len(starts):
                s, e = int(starts[j]), int(ends[j])
                d = 0 if s <= pos0 < e else (s - pos0 if pos0 < s else pos0 - e + 1)
                best = min(best, d)
        return best

    def gene_at(self, contig: str, pos0: int) -> Gene | None:
        """The gene whose span (first target start to last target end) contains ``pos0``."""
        starts = self.starts[contig]
        i = int(np.searchsorted(starts, pos0, side="right")) - 1
        for j in (i, i + 1):
            if 0 <= j < len(starts):
                gene = self.genes[int(self.gene_of_target[contig][j])]
                if gene.start <= pos0 < gene.end:
                    return gene
        return None


def ref_bases(contig: str, pos: int, length: int = 1) -> str:
    """Reference bases of the synthetic genome at 1-based ``pos`` (deterministic hash).

    The hotspot positions return their real GRCh38 reference base.
    """
    for hot in HOTSPOTS:
        if hot.contig == contig and pos <= hot.pos < pos + length:
            break
    else:
        hot = None
    ci = CONTIG_INDEX[contig] + 1
    mask = (1 << 64) - 1
    bases = []
    for p in range(pos, pos + length):
        if hot is not None and p == hot.pos:
            bases.append(hot.ref)
            continue
        h = (p * 0x9E3779B97F4A7C15 + ci * 0xBF58476D1CE4E5B9) & mask
        h ^= h >> 31
        h = (h * 0x94D049BB133111EB) & mask
        h ^= h >> 29
        bases.append("ACGT"[h & 3])
    return "".join(bases)


def build_exome(exome_mb: float = 35.0) -> Exome:
    """Generate the capture and gene model (independent of the study seed).

    Parameters
    ----------
    exome_mb
        Approximate capture size in Mb (35 = a typical WES kit; tests use ~1-3).

    Returns
    -------
    Exome

    Examples
    --------
    >>> ex = build_exome(1.0)
    >>> 0.9e6 < ex.territory_bp < 1.1e6
    True
    """
    rng = np.random.default_rng([GENOME_SEED, round(exome_mb * 1000)])
    total_len = sum(length for _, length in CONTIGS)
    n_total = max(int(exome_mb * 1e6 / 200), 10 * len(CONTIGS))
    genes: list[Gene] = []
    starts_by: dict[str, np.ndarray] = {}
    ends_by: dict[str, np.ndarray] = {}
    gene_by: dict[str, np.ndarray] = {}
    for contig, length in CONTIGS:
        n_targets = max(round(n_total * length / total_len), 10)
        counts: list[int] = []
        while sum(counts) < n_targets:
            counts.append(int(min(1 + rng.poisson(8), 40)))
        counts[-1] -= sum(counts) - n_targets
        if counts[-1] <= 0:
            counts.pop()
        n_genes = len(counts)
        widths = rng.integers(100, 301, size=n_targets)
        introns = np.clip(rng.lognormal(np.log(1500), 1.0, size=n_targets), 300, 40000).astype(np.int64)
        budget = int(0.9 * length) - int(widths.sum())
        intron_total = int(introns.sum())
        if intron_total > 0.5 * budget:
            introns = (introns * (0.5 * budget / intron_total)).astype(np.int64) + 300
        # gene boundaries: the gap before the first exon of each gene is intergenic
        first_of_gene = np.zeros(n_targets, dtype=bool)
        first_of_gene[np.cumsum([0, *counts[:-1]])] = True
        intergenic_budget = budget - int(introns[~first_of_gene].sum())
        gaps = rng.exponential(1.0, size=n_genes)
        gaps = (gaps / gaps.sum() * intergenic_budget).astype(np.int64) + 5000
        spacing = introns.copy()
        spacing[first_of_gene] = gaps
        starts = int(0.04 * length) + np.cumsum(spacing) + np.concatenate([[0], np.cumsum(widths)[:-1]])
        ends = starts + widths
        gene_idx = np.repeat(np.arange(n_genes), counts)
        keep = np.ones(n_targets, dtype=bool)
        hot_here = [h for h in HOTSPOTS if h.contig == contig]
        for hot in hot_here:  # drop whole synthetic genes near a hotspot exon
            near = (ends > hot.target[0] - 20000) & (starts < hot.target[1] + 20000)
            keep &= ~np.isin(gene_idx, np.unique(gene_idx[near]))
        c_starts: list[int] = []
        c_ends: list[int] = []
        c_genes: list[int] = []
        offsets = np.cumsum([0, *counts]).tolist()
        starts_l, ends_l, keep_l = starts.tolist(), ends.tolist(), keep.tolist()
        for g in range(n_genes):
            lo, hi = offsets[g], offsets[g + 1]
            idx = [j for j in range(lo, hi) if keep_l[j]]
            if not idx:
                continue
            # a slice (a view) when the whole gene is kept: the same values as the fancy index, cheaper
            g_starts, g_ends = (starts[lo:hi], ends[lo:hi]) if len(idx) == hi - lo else (starts[idx], ends[idx])
            genes.append(_synthetic_gene(len(genes), contig, g_starts, g_ends, rng))
            c_starts.extend([starts_l[j] for j in idx])
            c_ends.extend([ends_l[j] for j in idx])
            c_genes.extend([genes[-1].index] * len(idx))
        for hot in hot_here:
            genes.append(_hotspot_gene(len(genes), hot))
            c_starts.append(hot.target[0])
            c_ends.append(hot.target[1])
            c_genes.append(genes[-1].index)
        order = np.argsort(np.asarray(c_starts), kind="stable")
        starts_by[contig] = np.asarray(c_starts, dtype=np.int64)[order]
        ends_by[contig] = np.asarray(c_ends, dtype=np.int64)[order]
        gene_by[contig] = np.asarray(c_genes, dtype=np.int64)[order]
        assert np.all(starts_by[contig][1:] >= ends_by[contig][:-1]), contig
        assert ends_by[contig][-1] < length
    territory = int(sum(int((ends_by[c] - starts_by[c]).sum()) for c in starts_by))
    log.debug("exome: %d genes, %d bp", len(genes), territory)
    return Exome(starts_by, ends_by, gene_by, genes, territory)


def _synthetic_gene(
    index: int, contig: str, t_starts: np.ndarray, t_ends: np.ndarray, rng: np.random.Generator
) -> Gene:
    n = len(t_starts)
    u = rng.random()
    flags = "mane" if u < 0.85 else ("canonical" if u < 0.96 else "none")
    skip = int(rng.integers(1, n - 1)) if n >= 3 else -1
    number = index + 1
    gene = Gene(
        index=index,
        symbol=f"SYN{number:05d}",
        gene_id=f"ENSG9{number:010d}",
        contig=contig,
        strand=1 if rng.random() < 0.5 else -1,
        exon_starts=np.asarray(t_starts, dtype=np.int64) + PAD,
        exon_ends=np.asarray(t_ends, dtype=np.int64) - PAD,
        flags=flags,
        skip_exon=skip,
        has_noncoding=bool(rng.random() < 0.5),
        # = rng.choice(_EXTRA_BIOTYPES, size=rng.integers(0, 7)): the same draws, a sixth of the cost
        extra=tuple(_EXTRA_BIOTYPES[i] for i in quarter_ints(rng, int(rng.integers(0, 7)))),
    )
    gene.tx_ids = tuple(f"ENST9{number * 10 + k:010d}.1" for k in range(3 + len(gene.extra)))
    return gene


def _hotspot_gene(index: int, hot: Hotspot) -> Gene:
    gene = Gene(
        index=index,
        symbol=hot.symbol,
        gene_id=hot.gene_id,
        contig=hot.contig,
        strand=-1,
        exon_starts=np.array([hot.target[0] + PAD]),
        exon_ends=np.array([hot.target[1] - PAD]),
        flags="mane",
        skip_exon=-1,
        has_noncoding=False,
        hotspot=hot,
    )
    gene.tx_ids = (hot.mane[0], hot.other[0])
    return gene


def write_bed(exome: Exome, path: Path) -> Path:
    """Write the capture as a sorted, non-overlapping BED3 (0-based half-open)."""
    parts: list[str] = []
    for contig, _ in CONTIGS:
        s, e = exome.starts[contig], exome.ends[contig]
        parts.append("".join(f"{contig}\t{a}\t{b}\n" for a, b in zip(s.tolist(), e.tolist(), strict=True)))
    return atomic_write_text(path, "".join(parts))


def write_genes(exome: Exome, path: Path) -> Path:
    """Write the gene model, one row per gene (tab-separated, 0-based half-open spans)."""
    rows = []
    for g in exome.genes:
        tx1 = g.tx_ids[0]
        rows.append(
            (
                g.gene_id,
                g.symbol,
                g.contig,
                g.start,
                g.end,
                "+" if g.strand > 0 else "-",
                len(g.exon_starts),
                tx1 if g.flags == "mane" else "",
                tx1 if g.flags in ("mane", "canonical") else "",
                ",".join(g.tx_ids),
            )
        )
    return write_csv(
        path,
        ("gene_id", "symbol", "contig", "start", "end", "strand", "n_exons", "mane_select", "canonical", "transcripts"),
        rows,
        delimiter="\t",
    )
