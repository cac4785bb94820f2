"""The callable territory: BED intervals merged, intersected, measured and queried.

BED is 0-based half-open. Contig names are compared through :func:`canonical_contig`, so ``chr1``
in a VCF meets ``1`` in a BED; the original spelling is kept for output.
"""

from __future__ import annotations

import bisect
import logging
import os
from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from biomarker.errors import InputError
from biomarker.files import open_text

log = logging.getLogger(__name__)

Interval = tuple[int, int]


def _return_freed_memory() -> None:
    """Hand the parse's freed heap back to the OS (glibc only; elsewhere a no-op).

    Reading a 190,000-line exome leaves ~3.5 MB of freed but retained heap; returning it keeps the
    whole ``biomarker tmb`` run under its 64 MB peak-RSS budget.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def canonical_contig(name: str) -> str:
    """Contig name with any ``chr`` prefix removed and the mitochondrion spelt ``MT``.

    Examples
    --------
    >>> canonical_contig("chr1"), canonical_contig("1"), canonical_contig("chrM")
    ('1', '1', 'MT')
    """
    core = name[3:] if name[:3].lower() == "chr" else name
    return "MT" if core in ("M", "m") else core


def _merge_arrays(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort and merge overlapping or touching half-open intervals held in two int64 arrays."""
    keep = ends > starts
    s, e = starts[keep], ends[keep]
    if not len(s):
        return s, e
    order = np.lexsort((e, s))
    s, e = s[order], e[order]
    reach = np.maximum.accumulate(e)
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] > reach[:-1]
    idx = np.flatnonzero(first)
    return s[idx], np.maximum.reduceat(e, idx)


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching half-open intervals.

    Examples
    --------
    >>> merge_intervals([(500, 1500), (0, 1000), (1500, 1600), (2000, 2100)])
    [(0, 1600), (2000, 2100)]
    """
    pairs = np.array(list(intervals), dtype=np.int64).reshape(-1, 2)
    s, e = _merge_arrays(pairs[:, 0], pairs[:, 1])
    return list(zip(s.tolist(), e.tolist(), strict=True))


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


class Territory:
    """Merged intervals per contig, keyed by canonical contig name, stored compactly.

    Starts and ends are ``array('q')`` (8 bytes per value: a 190,000-interval exome costs 3 MB, not the
    40 MB of Python tuples); :meth:`contains` bisects them.

    Examples
    --------
    >>> t = Territory.from_intervals({"chr1": [(0, 1000), (500, 1500)]})
    >>> t.bp, t.contains("1", 1499), t.contains("chr1", 1500)
    (1500, True, False)
    """

    def __init__(self, starts: dict[str, array], ends: dict[str, array], names: dict[str, str]) -> None:
        self.starts = starts
        self.ends = ends
        self.names = names
        #: base pairs per canonical contig (summed once: the arrays are immutable by convention)
        self.contig_bp: dict[str, int] = {
            k: int(np.frombuffer(ends[k], dtype=np.int64).sum() - np.frombuffer(starts[k], dtype=np.int64).sum())
            for k in starts
        }

    @classmethod
    def from_arrays(cls, raw: dict[str, tuple[Iterable[int], Iterable[int]]]) -> Territory:
        """Build from unsorted, possibly overlapping starts and ends keyed by any contig spelling.

        ``raw`` is consumed: each contig's input is dropped as soon as it is copied, which keeps the peak
        memory of a large exome BED low.
        """
        grouped: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        names: dict[str, str] = {}
        for contig in list(raw):
            st, en = raw.pop(contig)
            key = canonical_contig(contig)
            names.setdefault(key, contig)
            g = grouped.setdefault(key, ([], []))
            g[0].append(np.asarray(st, dtype=np.int64))
            g[1].append(np.asarray(en, dtype=np.int64))
        starts: dict[str, array] = {}
        ends: dict[str, array] = {}
        for key, (st_parts, en_parts) in grouped.items():
            s, e = _merge_arrays(np.concatenate(st_parts), np.concatenate(en_parts))
            if len(s):
                starts[key], ends[key] = array("q", s.tobytes()), array("q", e.tobytes())
        return cls(starts, ends, {k: names[k] for k in starts})

    @classmethod
    def from_intervals(cls, raw: dict[str, Iterable[Interval]]) -> Territory:
        """Build from possibly overlapping ``(start, end)`` pairs keyed by any contig spelling."""
        cols = {}
        for contig, ivs in raw.items():
            pairs = list(ivs)
            cols[contig] = ([s for s, _ in pairs], [e for _, e in pairs])
        return cls.from_arrays(cols)

    @property
    def intervals(self) -> dict[str, list[Interval]]:
        """Merged intervals as ``(start, end)`` pairs per canonical contig."""
        return {k: list(zip(self.starts[k], self.ends[k], strict=True)) for k in self.starts}

    @property
    def bp(self) -> int:
        """Total size in base pairs (overlaps counted once)."""
        return sum(self.contig_bp.values())

    @property
    def megabases(self) -> float:
        """Total size in Mb (10^6 bp)."""
        return self.bp / 1e6

    def contains(self, contig: str, pos0: int) -> bool:
        """Whether 0-based position ``pos0`` on ``contig`` (any spelling) lies in the territory."""
        key = canonical_contig(contig)
        starts = self.starts.get(key)
        if not starts:
            return False
        i = bisect.bisect_right(starts, pos0) - 1
        return i >= 0 and pos0 < self.ends[key][i]

    def intersect(self, other: Territory) -> Territory:
        """The part of this territory that ``other`` also covers."""
        mine, theirs = self.intervals, other.intervals
        out = {self.names[c]: inter for c in mine if c in theirs and (inter := intersect_intervals(mine[c], theirs[c]))}
        return Territory.from_intervals(out)

    def contig_keys(self) -> set[str]:
        """Canonical names of the contigs with territory."""
        return set(self.starts)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the merged territory as ``.npz`` (atomically), for workers to load instead of re-parsing a BED.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> t = Territory.from_intervals({"chr1": [(0, 10)], "2": [(5, 8)]})
        >>> Territory.load(t.save(pathlib.Path(tempfile.mkdtemp()) / "t.npz")).bp
        13
        """
        from biomarker.files import atomic_replace

        keys = sorted(self.starts)
        arrays = {"keys": np.array(keys), "names": np.array([self.names[k] for k in keys])}
        for i, k in enumerate(keys):
            arrays[f"starts_{i}"] = np.frombuffer(self.starts[k], dtype=np.int64)
            arrays[f"ends_{i}"] = np.frombuffer(self.ends[k], dtype=np.int64)

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        return atomic_replace(path, write)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Territory:
        """Read a territory written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            keys = [str(k) for k in data["keys"]]
            names = [str(n) for n in data["names"]]
            starts = {k: array("q", data[f"starts_{i}"].tobytes()) for i, k in enumerate(keys)}
            ends = {k: array("q", data[f"ends_{i}"].tobytes()) for i, k in enumerate(keys)}
        return cls(starts, ends, dict(zip(keys, names, strict=True)))


def read_bed(path: str | os.PathLike[str]) -> Territory:
    """Read a BED (plain or gzipped; ``track``/``browser``/``#`` lines skipped) into a merged territory.

    Raises
    ------
    InputError
        For a line with fewer than three columns, non-integer or negative coordinates, or end < start;
        for a file with no intervals at all.
    """
    raw: dict[str, tuple[array, array]] = {}
    n_lines = 0
    try:
        with open_text(path) as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                cols = line.split("\t", 3) if "\t" in line else line.split()
                if len(cols) < 3:
                    raise InputError(
                        path,
                        "a BED line needs chrom, start and end",
                        where=f"line {lineno}",
                        hint="check the file is tab-separated BED",
                    )
                try:
                    start, end = int(cols[1]), int(cols[2])
                except ValueError:
                    raise InputError(
                        path,
                        f"non-integer coordinates {cols[1]!r}, {cols[2]!r}",
                        where=f"line {lineno}",
                        hint="BED start and end are integers",
                    ) from None
                if start < 0 or end < start:
                    raise InputError(
                        path,
                        f"impossible interval {start}-{end}",
                        where=f"line {lineno}",
                        hint="BED is 0-based half-open: 0 <= start <= end",
                    )
                pair = raw.get(cols[0])
                if pair is None:
                    pair = raw[cols[0]] = (array("q"), array("q"))
                pair[0].append(start)
                pair[1].append(end)
                n_lines += 1
    except (OSError, EOFError) as exc:
        raise InputError(path, f"cannot read BED ({exc})", hint="check the file is complete") from None
    territory = Territory.from_arrays(raw)
    _return_freed_memory()
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
            raise InputError(
                bam_path,
                "no contig in common with the targets BED",
                hint=f"BAM has {sorted(bam.references)[:5]}, BED has {sorted(territory.names.values())[:5]}",
            )
        out: dict[str, list[Interval]] = {}
        for key in sorted(shared):
            name = bam_names[key]
            for start, end in zip(territory.starts[key], territory.ends[key], strict=True):
                cov = np.sum(
                    bam.count_coverage(name, start, end, quality_threshold=min_base_quality, read_callback="all"),
                    axis=0,
                )
                ok = np.concatenate(([False], cov >= min_depth, [False]))
                edges = np.flatnonzero(ok[1:] != ok[:-1])
                out.setdefault(territory.names[key], []).extend(
                    (start + int(s), start + int(e)) for s, e in zip(edges[::2], edges[1::2], strict=True)
                )
    return Territory.from_intervals(out)
