"""Run one tumour's VCF scan: choose the reader, split the work over processes, gather the audit rows in order.

A text VCF (plain, gzip, BGZF) is read by :func:`biomarker.tmb.vcf_text_scan.scan_vcf_text`; with several
workers a BGZF or plain file is cut into byte ranges, each scanned by one process. A BCF, or a run that exports
an annotated VCF, is read by cyvcf2 record by record (:func:`biomarker.tmb.vcf_scan.scan_vcf`); with several
workers an indexed BCF is split by contig.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any

from biomarker.parent_watch import watch_parent
from biomarker.tmb.allele_judge import Row
from biomarker.tmb.judge import Drivers
from biomarker.tmb.params import TmbParams
from biomarker.tmb.territory import Territory, canonical_contig
from biomarker.tmb.vcf_scan import ScanTally, VcfLayout, scan_vcf
from biomarker.tmb.vcf_text import is_bcf, open_text
from biomarker.tmb.vcf_text_scan import scan_vcf_text


class Sink:
    """Sends rows to a TSV file (tab-joined, one line each), to a list, or nowhere."""

    def __init__(self, handle: Any | None, keep: bool = True) -> None:
        self.handle = handle
        self.rows: list[Row] | None = [] if handle is None and keep else None

    def __call__(self, row: Row) -> None:
        if self.handle is not None:
            self.handle.write("\t".join(row) + "\n")
        elif self.rows is not None:
            self.rows.append(row)


def reads_as_text(path: str, export: bool) -> bool:
    """Whether the text reader scans ``path`` (every VCF but a BCF, unless an annotated VCF is exported)."""
    return not export and not path.lower().endswith(".bcf") and not is_bcf(path)


def contig_groups(contigs: list[str], territory: Territory | None, n_groups: int) -> list[list[str]]:
    """Split contigs, keeping their order, into about ``n_groups`` runs of similar territory size.

    Records of a capture VCF sit mostly in the territory, so its size is the work estimate; contigs
    without territory still get scanned (their records are reported as outside it).

    Examples
    --------
    >>> t = Territory.from_intervals({"1": [(0, 100)], "2": [(0, 100)], "3": [(0, 100)], "4": [(0, 100)]})
    >>> contig_groups(["chr1", "chr2", "chr3", "chr4", "chrUn"], t, 2)
    [['chr1', 'chr2'], ['chr3', 'chr4', 'chrUn']]
    """
    sizes = [territory.contig_bp.get(canonical_contig(c), 0) if territory is not None else 1 for c in contigs]
    total = sum(sizes) or 1
    groups: list[list[str]] = [[]]
    done = 0
    for contig, size in zip(contigs, sizes, strict=True):
        if groups[-1] and len(groups) < n_groups and done >= total * len(groups) / n_groups:
            groups.append([])
        groups[-1].append(contig)
        done += size
    return groups


def scan_text(
    layout: VcfLayout,
    params: TmbParams,
    territory: Territory | None,
    hotspots: Drivers,
    sink: Sink,
    *,
    jobs: int = 1,
    work_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    started: Callable[[], Any] | None = None,
) -> ScanTally:
    """Scan a text VCF into ``sink`` (its file handle, or its row list), in ``jobs`` processes when it splits.

    ``started`` is called once the scan is under way (after the worker processes are forked: a thread
    started before a fork can leave a lock held in the child).
    """
    text = open_text(layout.path, need_offsets=jobs > 1)
    out = _byte_stream(sink)
    if jobs > 1 and len(text.offsets) > 2:
        # several ranges per worker: the pool evens out the load
        shared = (layout, text, params, territory, hotspots)
        tally = _in_parts(_text_part, text.ranges(4 * jobs), shared, out, jobs, work_dir, started)
    else:
        if started is not None:
            started()
        tally = scan_vcf_text(layout, text, params, territory, out, hotspots=hotspots, progress=progress)
    _keep_rows(sink, out)
    return tally


def scan_by_contig(
    layout: VcfLayout,
    params: TmbParams,
    territory: Territory | None,
    hotspots: Drivers,
    sink: Sink,
    *,
    jobs: int = 2,
    work_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    started: Callable[[], Any] | None = None,
) -> ScanTally:
    """Scan an indexed VCF/BCF contig by contig in ``jobs`` processes; rows keep header contig order."""
    out = _byte_stream(sink)
    groups = contig_groups(layout.contigs, territory, 2 * jobs)
    tally = _in_parts(_contig_part, groups, (layout, params, territory, hotspots), out, jobs, work_dir, started)
    _keep_rows(sink, out)
    return tally


def _byte_stream(sink: Sink) -> IO[bytes] | None:
    """Where a scan writes its rows as bytes: the sink's file (its text layer flushed), a buffer, or nowhere."""
    if sink.handle is not None:
        sink.handle.flush()
        return sink.handle.buffer
    return io.BytesIO() if sink.rows is not None else None


def _keep_rows(sink: Sink, out: IO[bytes] | None) -> None:
    """Move the rows a scan wrote into a buffer onto the sink's row list (one row per line)."""
    if sink.handle is None and sink.rows is not None and isinstance(out, io.BytesIO):
        sink.rows.extend(tuple(line.split("\t")) for line in out.getvalue().decode().split("\n")[:-1])


#: What every part of one parallel scan shares (layout, settings, territory, drivers...): set before the
#: workers fork, so they inherit it instead of each task pickling a territory of megabytes.
_SHARED: dict[str, Any] = {}


def _text_part(args: tuple[tuple[int, int], str]) -> ScanTally:
    """Worker: scan one byte range of a text VCF into a part file."""
    span, part = args
    layout, text, params, territory, hotspots = _SHARED["scan"]
    with open(part, "wb") as fh:
        return scan_vcf_text(layout, text, params, territory, fh, span=span, hotspots=hotspots)


def _contig_part(args: tuple[list[str], str]) -> ScanTally:
    """Worker: scan some contigs of an indexed file into a part file."""
    contigs, part = args
    layout, params, territory, hotspots = _SHARED["scan"]
    # header contigs without records (alts, decoys, HLA) are expected: cyvcf2 would warn for each
    warnings.filterwarnings("ignore", message="no intervals found", category=UserWarning)
    with open(part, "w", encoding="utf-8", newline="") as fh:
        return scan_vcf(layout, params, territory, Sink(fh), regions=contigs, hotspots=hotspots)


def _in_parts(
    worker: Callable[[tuple[Any, str]], ScanTally],
    items: Sequence[Any],
    shared: tuple[Any, ...],
    out: IO[bytes] | None,
    jobs: int,
    work_dir: Path | None,
    started: Callable[[], Any] | None,
) -> ScanTally:
    """Scan ``items`` (byte ranges or contig groups) in ``jobs`` processes, each into a part file, and copy the
    parts into ``out`` in order.

    The part files go inside ``work_dir`` (the run's ``OUT/.tmb-*`` folder) when there is one, so a run killed
    with ``kill -9`` leaves one folder that the next run's leftover cleaning removes, nothing in the system
    temporary folder; without an output folder they go to the system temporary folder.
    """
    parts_dir = Path(tempfile.mkdtemp(prefix=".tmb-parts-", dir=work_dir))
    total = ScanTally()
    _SHARED["scan"] = shared
    try:
        args = [(item, str(parts_dir / f"{i:05d}.tsv")) for i, item in enumerate(items)]
        with _pool(jobs) as pool:
            results = pool.map(worker, args)  # every worker is forked here, inheriting _SHARED
            _SHARED.clear()
            if started is not None:
                started()
            for tally, (_, part) in zip(results, args, strict=True):
                total.add(tally)
                if out is not None:
                    with open(part, "rb") as fh:
                        shutil.copyfileobj(fh, out)
    finally:
        _SHARED.clear()
        shutil.rmtree(parts_dir, ignore_errors=True)
    return total


def _pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=get_context("fork"),
        initializer=watch_parent,  # end if we are killed
        initargs=(os.getpid(),),
    )
