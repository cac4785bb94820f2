"""The callable territory: BED intervals merged, intersected, measured and queried.

BED is 0-based half-open. Contig names are compared through :func:`canonical_contig`, so ``chr1``
in a VCF meets ``1`` in a BED; the original spelling is kept for output.
"""

from __future__ import annotations

import bisect
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from biomarker.errors import InputError
from biomarker.files import open_text

log = logging.getLogger(__name__)

Interval = tuple[int, int]


def canonical_contig(name: str) -> str:
    """Contig name with any ``chr`` prefix removed and the mitochondrion spelt ``MT``.

    Examples
    --------
    >>> canonical_contig("chr1"), canonical_contig("1"), canonical_contig("chrM")
    ('1', '1', 'MT')
    """
    core = name[3:] if name[:3].lower() == "chr" else name
    return "MT" if core in ("M", "m") else core


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching half-open intervals.

    Examples
    --------
    >>> merge_intervals([(500, 1500), (0, 1000), (1500, 1600), (2000, 2100)])
    [(0, 1600), (2000, 2100)]
    """
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect_intervals(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Intersection of two merged, sorted interval lists.

    Examples
    --------
    >>> intersect_intervals([(0, 100), (200, 300)], [(50, 250)])
    [(50, 100), (200, 250)]
    """
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass
class Territory:
    """Merged intervals per contig, keyed by canonical contig name.

    Examples
    --------
    >>> t = Territory.from_intervals({"chr1": [(0, 1000), (500, 1500)]})
    >>> t.bp, t.contains("1", 1499), t.contains("chr1", 1500)
    (1500, True, False)
    """

    intervals: dict[str, list[Interval]]
    names: dict[str, str] = field(default_factory=dict)
    _starts: dict[str, list[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._starts = {c: [s for s, _ in iv] for c, iv in self.intervals.items()}

    @classmethod
    def from_intervals(cls, raw: dict[str, Iterable[Interval]]) -> Territory:
        """Build from possibly overlapping intervals keyed by any contig spelling."""
        grouped: dict[str, list[Interval]] = {}
        names: dict[str, str] = {}
        for contig, ivs in raw.items():
            key = canonical_contig(contig)
            names.setdefault(key, contig)
            grouped.setdefault(key, []).extend(ivs)
        merged = {c: m for c, iv in grouped.items() if (m := merge_intervals(iv))}
        return cls(merged, {c: names[c] for c in merged})

    @property
    def bp(self) -> int:
        """Total size in base pairs (overlaps counted once)."""
        return sum(e - s for iv in self.intervals.values() for s, e in iv)

    @property
    def megabases(self) -> float:
        """Total size in Mb (10^6 bp)."""
        return self.bp / 1e6

    def contains(self, contig: str, pos0: int) -> bool:
        """Whether 0-based position ``pos0`` on ``contig`` (any spelling) lies in the territory."""
        key = canonical_contig(contig)
        starts = self._starts.get(key)
        if not starts:
            return False
        i = bisect.bisect_right(starts, pos0) - 1
        return i >= 0 and pos0 < self.intervals[key][i][1]

    def intersect(self, other: Territory) -> Territory:
        """The part of this territory that ``other`` also covers."""
        out = {
            c: iv
            for c in self.intervals
            if c in other.intervals and (iv := intersect_intervals(self.intervals[c], other.intervals[c]))
        }
        return Territory(out, {c: self.names[c] for c in out})

    def contig_keys(self) -> set[str]:
        """Canonical names of the contigs with territory."""
        return set(self.intervals)


def read_bed(path: str | os.PathLike[str]) -> Territory:
    """Read a BED (plain or gzipped; ``track``/``browser``/``#`` lines skipped) into a merged territory.

    Raises
    ------
    InputError
        For a line with fewer than three columns, non-integer or negative coordinates, or end < start;
        for a file with no intervals at all.
    """
    raw: dict[str, list[Interval]] = {}
    n_lines = 0
    try:
        with open_text(path) as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                cols = line.rstrip("\r\n").split("\t")
                if len(cols) < 3:
                    cols = line.split()
                if len(cols) < 3:
                    raise InputError(path, "a BED line needs chrom, start and end", where=f"line {lineno}",
                                     hint="check the file is tab-separated BED")
                try:
                    start, end = int(cols[1]), int(cols[2])
                except ValueError:
                    raise InputError(path, f"non-integer coordinates {cols[1]!r}, {cols[2]!r}",
                                     where=f"line {lineno}", hint="BED start and end are integers") from None
                if start < 0 or end < start:
                    raise InputError(path, f"impossible interval {start}-{end}", where=f"line {lineno}",
                                     hint="BED is 0-based half-open: 0 <= start <= end")
                raw.setdefault(cols[0], []).append((start, end))
                n_lines += 1
    except (OSError, EOFError) as exc:
        raise InputError(path, f"cannot read BED ({exc})", hint="check the file is complete") from None
    territory = Territory.from_intervals(raw)
    if territory.bp == 0:
        raise InputError(path, "the BED has no intervals of non-zero size", hint="give the capture BED")
    log.info("%s: %d intervals, %d bp after merging", path, n_lines, territory.bp)
    return territory


def covered_territory(
    bam_path: str | os.PathLike[str],
    territory: Territory,
    min_depth: int,
    *,
    min_base_quality: int = 0,
) -> Territory:
    """The part of ``territory`` where the BAM/CRAM has at least ``min_depth`` reads.

    Uses pysam's per-base coverage (all four bases summed); contig names are matched to the BAM's
    by canonical name.

    Raises
    ------
    InputError
        If the BAM has no index or shares no contig with the territory.
    """
    import numpy as np
    import pysam

    try:
        bam = pysam.AlignmentFile(str(bam_path))
    except (OSError, ValueError) as exc:
        raise InputError(bam_path, f"cannot open alignment file ({exc})", hint="give an indexed BAM/CRAM") from None
    with bam:
        if not bam.has_index():
            raise InputError(bam_path, "no index (.bai/.crai)", hint="run samtools index first")
        bam_names = {canonical_contig(n): n for n in bam.references}
        shared = territory.contig_keys() & bam_names.keys()
        if not shared:
            raise InputError(bam_path, "no contig in common with the targets BED",
                             hint=f"BAM has {sorted(bam.references)[:5]}, "
                                  f"BED has {sorted(territory.names.values())[:5]}")
        out: dict[str, list[Interval]] = {}
        for key in sorted(shared):
            name = bam_names[key]
            for start, end in territory.intervals[key]:
                cov = np.sum(bam.count_coverage(name, start, end, quality_threshold=min_base_quality,
                                                read_callback="all"), axis=0)
                ok = np.concatenate(([False], cov >= min_depth, [False]))
                edges = np.flatnonzero(ok[1:] != ok[:-1])
                out.setdefault(territory.names[key], []).extend(
                    (start + int(s), start + int(e)) for s, e in zip(edges[::2], edges[1::2], strict=True)
                )
    return Territory.from_intervals(out)
