"""Stream a somatic VCF/BCF through the filter chain, one row per ALT allele, in constant memory.

The per-record loop touches only FILTER and position until a record survives those cheap checks;
read support is parsed next, and the annotation (the costly CSQ split) only for ALTs that survive
every read-support filter.
"""

from __future__ import annotations

import bisect
import os
import re
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from biomarker.errors import InputError
from biomarker.tmb.allele_judge import AlleleJudge, Row
from biomarker.tmb.callers import choose_tumour_sample, detect_caller
from biomarker.tmb.params import TmbParams
from biomarker.tmb.territory import Territory, canonical_contig

#: Columns of ``SAMPLE.variants.tsv``.
VARIANT_COLUMNS: tuple[str, ...] = (
    "chrom",
    "pos",
    "ref",
    "alt",
    "filter",
    "vaf",
    "depth",
    "alt_depth",
    "consequence",
    "gene",
    "transcript",
    "population_af",
    "fate",
    "reason",
)
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def check_not_truncated(path: str) -> None:
    """Refuse a BGZF file whose end-of-file marker is missing (a cut-off copy reads as shorter data).

    Raises
    ------
    InputError
        When the file is BGZF-compressed and lacks the 28-byte EOF block.
    """
    with open(path, "rb") as fh:
        head = fh.read(18)
        if len(head) < 18 or head[:2] != b"\x1f\x8b" or head[12:14] != b"BC":
            return
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 28))
        if fh.read() != BGZF_EOF:
            raise InputError(
                path,
                "truncated: the BGZF end-of-file marker is missing",
                where="end of file",
                hint="the copy is incomplete; copy or download it again",
            )


@dataclass
class VcfLayout:
    """What the header says: tumour sample, caller, annotator, FORMAT/INFO IDs, contigs."""

    path: str
    samples: list[str]
    tumour: str
    caller: str
    annotator: str
    format_ids: set[str]
    infos: dict[str, str]
    contigs: list[str]
    indexed: bool
    unfiltered_header: bool = False
    raw_header: str = field(default="", repr=False)
    handle: Any = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # the open cyvcf2 reader stays in this process; workers open their own
        return {**self.__dict__, "handle": None}

    def take_handle(self) -> Any:
        """The header's open reader (once), so a whole-file scan does not open the file a second time."""
        handle, self.handle = self.handle, None
        return handle

    def close(self) -> None:
        """Close the open reader if nobody took it."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def read_layout(
    path: str, tumor_sample: str | None = None, caller: str | None = None, annotator: str | None = None
) -> VcfLayout:
    """Open the VCF header and work out its layout.

    Raises
    ------
    InputError
        For a file that is not a readable VCF/BCF, or an ambiguous tumour sample.
    """
    from cyvcf2 import VCF

    if not os.path.isfile(path):
        raise InputError(path, "no such file", hint="check the path")
    check_not_truncated(path)
    try:
        vcf = VCF(path, lazy=True)
    except (OSError, Exception) as exc:  # cyvcf2 raises bare Exception for a bad header
        raise InputError(
            path,
            f"not a readable VCF/BCF ({exc})",
            where="header",
            hint="check it is VCF, VCF.gz or BCF and not truncated; a MAF needs its standard "
            "columns, and a plain variant table --columns",
        ) from None
    keep = False
    try:
        infos, fmts = {}, set()
        for h in vcf.header_iter():
            info = h.info()
            if info.get("HeaderType") == "INFO":
                infos[info["ID"]] = info.get("Description", "")
            elif info.get("HeaderType") == "FORMAT":
                fmts.add(info["ID"])
        raw = vcf.raw_header
        samples = list(vcf.samples)
        tumour = choose_tumour_sample(path, samples, raw, tumor_sample)
        the_caller = caller or detect_caller(raw, fmts)
        from biomarker.tmb.annotation import detect_annotator

        contigs = list(vcf.seqnames) if "##contig" in raw or path.endswith(".bcf") else []
        indexed = any(os.path.exists(path + ext) for ext in (".tbi", ".csi"))
        unfiltered = bool(re.search(r"^##filtering_status=.*unfiltered", raw, re.M | re.I))
        layout = VcfLayout(
            path,
            samples,
            tumour,
            the_caller,
            annotator or detect_annotator(set(infos)),
            fmts,
            infos,
            contigs,
            indexed,
            unfiltered,
            raw,
            handle=vcf,
        )
        keep = True
        return layout
    finally:
        if not keep:
            vcf.close()


@dataclass
class ScanTally:
    """Counts from one scan (or one region of it)."""

    fates: Counter[str] = field(default_factory=Counter)
    records: int = 0
    alleles: int = 0
    contigs_seen: set[str] = field(default_factory=set)
    unfiltered: int = 0  # records with FILTER '.'
    unknown_terms: Counter[str] = field(default_factory=Counter)

    def add(self, other: ScanTally) -> None:
        """Add another region's tally to this one."""
        self.fates.update(other.fates)
        self.records += other.records
        self.alleles += other.alleles
        self.contigs_seen |= other.contigs_seen
        self.unfiltered += other.unfiltered
        self.unknown_terms.update(other.unknown_terms)


def scan_vcf(
    layout: VcfLayout,
    params: TmbParams,
    territory: Territory | None,
    emit: Callable[[Row], None],
    *,
    regions: Sequence[str] | None = None,
    hotspots: frozenset = frozenset(),
    export_path: str | os.PathLike[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScanTally:
    """Judge every ALT allele of the VCF (or of ``regions``, in order) and pass one row per allele to ``emit``.

    Parameters
    ----------
    territory
        The callable territory; ``None`` when its size is stated (``territory_mb``) and variants are not
        restricted to it.
    export_path
        Also write the records (all samples) as VCF.gz with a per-ALT ``TMB_FILTER`` INFO tag.
    progress
        Called with the number of records read, every 50,000 records.

    Raises
    ------
    InputError
        When a switched-on filter needs a FORMAT field the file lacks, or the file breaks mid-way.
    """
    from cyvcf2 import VCF

    path = layout.path
    writer = None
    if export_path is not None:
        from cyvcf2 import Writer

        vcf = VCF(path, lazy=True)
        sample_index = layout.samples.index(layout.tumour)
        vcf.add_info_to_header(
            {
                "ID": "TMB_FILTER",
                "Number": "A",
                "Type": "String",
                "Description": "biomarker tmb: counted, or the first filter that removed the ALT",
            }
        )
        writer = Writer(str(export_path), vcf, mode="wz")
    else:
        reuse = layout.take_handle() if regions is None else None
        if reuse is not None:
            vcf = reuse
            vcf.set_samples([layout.tumour])
        else:
            vcf = VCF(path, lazy=True, samples=[layout.tumour])
        sample_index = 0
    tally = ScanTally()
    judge = AlleleJudge.for_layout(layout, sample_index, params, hotspots, tally.fates)
    fates = tally.fates
    stated = territory is None
    starts_by, ends_by = ({}, {}) if territory is None else (territory.starts, territory.ends)
    empty = array("q")
    cache_contig = None
    starts = ends = empty
    bisect_right = bisect.bisect_right
    records = chain.from_iterable(vcf(r) for r in regions) if regions is not None else iter(vcf)
    last = "the first contig"
    # the hot path for records FILTER or the territory removes (most of a file): a line written straight to
    # the variants file when there is one, the FILTER rule inlined, counters kept in locals
    handle = getattr(emit, "handle", None)
    write = handle.write if handle is not None and writer is None else None
    require_pass, count_unfiltered = params.require_pass, params.count_unfiltered
    n_records = n_alleles = n_unfiltered = 0
    try:
        while True:
            try:
                v = next(records)
            except StopIteration:
                break
            except Exception as exc:  # cyvcf2 signals a broken stream with a bare Exception
                raise InputError(
                    path,
                    f"unreadable record ({exc})",
                    where=f"record {n_records + 1} (on {last})",
                    hint="the file is truncated or corrupt; regenerate or re-download it",
                ) from None
            chrom = v.CHROM
            pos = v.POS
            ref = v.REF
            alts = v.ALT or ["."]
            if not ref.isupper():
                ref = ref.upper()
            if len(alts) == 1:
                if not alts[0].isupper():
                    alts = [alts[0].upper()]
            elif not all(a.isupper() for a in alts):
                alts = [a.upper() for a in alts]
            filters = v.FILTERS
            if not filters:
                n_unfiltered += 1
            n_records += 1
            n_alleles += len(alts)
            if progress is not None and not n_records % 50_000:
                progress(n_records)
            if chrom != cache_contig:
                cache_contig = chrom
                last = chrom
                key = canonical_contig(chrom)
                starts = starts_by.get(key, empty)
                ends = ends_by.get(key, empty)
                tally.contigs_seen.add(chrom)
            filt = ";".join(filters) or "."
            if not require_pass or filt == "PASS":
                fate = None
            elif not filters:
                fate = None if count_unfiltered else ("filter", "FILTER . (unfiltered)")
            else:
                fate = ("filter", "FILTER " + filt)
            if fate is None and not stated:
                i = bisect_right(starts, pos - 1) - 1
                if i < 0 or pos - 1 >= ends[i]:
                    fate = ("territory", "outside territory")
            if fate is not None:
                fates[fate[0]] += len(alts)
                for alt in alts:
                    if write is not None:
                        write(f"{chrom}\t{pos}\t{ref}\t{alt}\t{filt}\t\t\t\t\t\t\t\t{fate[0]}\t{fate[1]}\n")
                    else:
                        emit((chrom, str(pos), ref, alt, filt, "", "", "", "", "", "", "", fate[0], fate[1]))
                if writer is not None:
                    v.INFO["TMB_FILTER"] = ",".join([fate[0]] * len(alts))
                    writer.write_record(v)
                continue
            record_fates = judge.judge(v, chrom, pos, ref, alts, filt, emit)
            if writer is not None:
                v.INFO["TMB_FILTER"] = ",".join(record_fates)
                writer.write_record(v)
    finally:
        tally.records, tally.alleles, tally.unfiltered = n_records, n_alleles, n_unfiltered
        if writer is not None:
            writer.close()
        vcf.close()
    tally.unknown_terms.update(judge.unknown_terms)
    return tally
