"""Scan a text VCF (plain, gzip or BGZF) at the speed of its inflation: a text pre-scan, cyvcf2 on the survivors.

Most records of a somatic call set are removed by FILTER or the territory, which need only the first seven
columns. This reader takes those columns straight from the text (no per-record parse), writes the audit row of
every removed allele at once, and hands the records that survive (FILTER and territory) to cyvcf2 in batches,
through an in-memory VCF with the file's own header, so read support and annotation are judged by
:class:`biomarker.tmb.allele_judge.AlleleJudge` from cyvcf2 records exactly as in
:func:`biomarker.tmb.vcf_scan.scan_vcf`. Audit rows keep the file's order.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from typing import IO, Any

from biomarker.errors import InputError
from biomarker.tmb.allele_judge import AlleleJudge
from biomarker.tmb.params import TmbParams
from biomarker.tmb.territory import Territory, canonical_contig
from biomarker.tmb.text_record import TextSupport, TextVariant
from biomarker.tmb.vcf_scan import ScanTally, VcfLayout
from biomarker.tmb.vcf_text import TextFile, owned_spans

#: Survivors parsed by cyvcf2 at a time (about 5 MB of VEP-annotated text).
BATCH = 2000
#: Audit rows held back (waiting for the survivors before them) before a batch is judged early.
QUEUED_BYTES = 8 << 20
_NO_PASS_FIELDS = b"\t\t\t\t\t\t\t\t"


def _as_lines(rows: list[tuple[str, ...]]) -> bytes:
    """Audit rows as TSV lines."""
    return "".join("\t".join(r) + "\n" for r in rows).encode()


def _declared(raw_header: str, kind: str) -> set[str]:
    return set(re.findall(rf"^##{kind}=<ID=([^,>]+)", raw_header, re.M))


@contextmanager
def _memory_file() -> Any:
    """A file in memory (Linux memfd) or, elsewhere, a temporary file, as ``(binary handle, path)``."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("biomarker-survivors")
        fh = open(fd, "w+b")  # noqa: SIM115
        try:
            yield fh, f"/proc/self/fd/{fd}"
        finally:
            fh.close()
    else:  # pragma: no cover - macOS, Windows
        fh = tempfile.NamedTemporaryFile(suffix=".vcf", delete=False)  # noqa: SIM115
        try:
            yield fh, fh.name
        finally:
            fh.close()
            os.unlink(fh.name)


class _Survivors:
    """Records that passed FILTER and the territory, parsed by cyvcf2 a batch at a time, rows kept in order."""

    def __init__(self, layout: VcfLayout, judge: AlleleJudge, out: IO[bytes] | None, mem: tuple[IO[bytes], str]):
        text = TextSupport(
            layout.caller, layout.format_ids, layout.raw_header, layout.samples.index(layout.tumour), judge.annotator
        )
        self.text: TextSupport | None = text if text.usable else None
        self.layout = layout
        self.judge = judge
        self.out = out
        self.fh, self.path = mem
        self.header = layout.raw_header.encode()
        self.contigs = _declared(layout.raw_header, "contig")
        self.filters = _declared(layout.raw_header, "FILTER") | {"PASS"}
        self.lines: list[bytes] = []
        self.keys: list[tuple[str, int, str, list[str], str]] = []
        self.pending: list[bytes | None] = []  # audit rows; None where a survivor's rows go
        self.queued = 0  # bytes of audit rows in pending

    def queue(self, rows: bytes) -> None:
        """Queue the audit rows of removed records, to be written after the survivors before them."""
        self.pending.append(rows)
        self.queued += len(rows)

    def add(self, line: bytes, chrom: str, pos: int, ref: str, alts: list[str], filt: str) -> None:
        """Judge a survivor from its text when it is plain, else queue it for cyvcf2 (for good, in this range)."""
        if self.text is not None:
            rows = self._judge_text(self.text, line, chrom, pos, ref, alts, filt)
            if rows is not None:
                self.queue(rows)
                return
            self.text = None  # keep the file's order of judging: every later survivor goes to cyvcf2 too
        self.lines.append(line)
        self.keys.append((chrom, pos, ref, alts, filt))
        self.pending.append(None)
        if len(self.lines) >= BATCH:
            self.flush()

    def _judge_text(
        self, text: TextSupport, line: bytes, chrom: str, pos: int, ref: str, alts: list[str], filt: str
    ) -> bytes | None:
        cols = line.decode().rstrip("\r").split("\t")
        if len(cols) <= text.col:
            return None
        support = text.read(cols[8], cols[text.col], len(alts))
        if support is None:
            return None
        rows: list[tuple[str, ...]] = []
        v = TextVariant(chrom, pos, cols[3], cols[4], cols[7])
        self.judge.judge(v, chrom, pos, ref, alts, filt, rows.append, support)
        return _as_lines(rows)

    def flush(self) -> None:
        """Judge the batch's survivors and write every pending row in file order."""
        rows: list[bytes] = []
        if self.lines:
            rows = self._judge_batch()
        out = self.out
        if out is not None:
            k = 0
            parts = []
            for row in self.pending:
                if row is None:
                    parts.append(rows[k])
                    k += 1
                else:
                    parts.append(row)
            out.write(b"".join(parts))
        self.pending.clear()
        self.queued = 0
        self.lines.clear()
        self.keys.clear()

    def _judge_batch(self) -> list[bytes]:
        from cyvcf2 import VCF

        extra = [f"##contig=<ID={c}>" for c in dict.fromkeys(k[0] for k in self.keys) if c not in self.contigs]
        for filt in dict.fromkeys(k[4] for k in self.keys):
            extra += [f'##FILTER=<ID={f},Description="">' for f in filt.split(";") if f not in self.filters | {"."}]
        header = self.header
        if extra:
            cut = header.rfind(b"\n#CHROM") + 1
            header = header[:cut] + "\n".join(dict.fromkeys(extra)).encode() + b"\n" + header[cut:]
        fh = self.fh
        fh.seek(0)
        fh.truncate()
        fh.write(header)
        fh.write(b"\n".join(self.lines))
        fh.write(b"\n")
        fh.flush()
        vcf = VCF(self.path, lazy=True)
        out: list[bytes] = []
        rows: list[tuple[str, ...]] = []
        records = iter(vcf)
        try:
            for chrom, pos, ref, alts, filt in self.keys:
                try:
                    v = next(records)
                except StopIteration:
                    v = None
                except Exception as exc:  # cyvcf2 signals a broken record with a bare Exception
                    raise InputError(
                        self.layout.path,
                        f"unreadable record ({exc})",
                        where=f"{chrom}:{pos}",
                        hint="the file is corrupt; check it with bcftools view",
                    ) from None
                if v is None or (chrom, pos) != (v.CHROM, v.POS):
                    raise InputError(
                        self.layout.path,
                        "cyvcf2 reads this record differently from its text",
                        where=f"{chrom}:{pos}",
                        hint="check the record is valid VCF (bcftools view FILE > /dev/null)",
                    )
                rows.clear()
                self.judge.judge(v, chrom, pos, ref, alts, filt, rows.append)
                out.append(_as_lines(rows))
        finally:
            vcf.close()
        return out


def _pos(text: bytes, path: str, n: int, chrom: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(
            path,
            f"POS is not a number ({text.decode(errors='replace')!r})",
            where=f"record {n:,} (on {chrom})",
            hint="the file is corrupt; check it with bcftools view",
        ) from None


def scan_vcf_text(
    layout: VcfLayout,
    text: TextFile,
    params: TmbParams,
    territory: Territory | None,
    out: IO[bytes] | None,
    *,
    span: tuple[int, int | None] = (0, None),
    hotspots: Any = frozenset(),
    progress: Callable[[int], None] | None = None,
) -> ScanTally:
    """Judge every ALT of the records ``span`` of ``text`` owns, writing one audit row per ALT to ``out``.

    Parameters
    ----------
    text
        The file's text (:func:`biomarker.tmb.vcf_text.open_text`).
    out
        A binary handle the rows (``VARIANT_COLUMNS``, tab-separated) are written to; ``None`` for none.
    span
        ``(first, last)`` indices into ``text.offsets``: the range scanned (default: the whole file).
    progress
        Called with the number of records read, every 50,000 records.

    Raises
    ------
    InputError
        For a record with fewer than eight columns or a POS that is not a number, a broken stream, or a
        switched-on filter whose FORMAT field the file lacks.
    """
    path = layout.path
    tally = ScanTally()
    fates = tally.fates
    judge = AlleleJudge.for_layout(layout, layout.samples.index(layout.tumour), params, hotspots, fates)
    stated = territory is None
    starts_by, ends_by = ({}, {}) if territory is None else (territory.starts, territory.ends)
    from array import array
    from bisect import bisect_right

    empty = array("q")
    starts = ends = empty
    cache_contig: bytes | None = None
    chrom = ""
    require_pass, count_unfiltered = params.require_pass, params.count_unfiltered
    n_records = n_alleles = n_unfiltered = 0
    n_filter = n_territory = 0
    filter_tails: dict[bytes, bytes] = {}
    territory_tails: dict[bytes, bytes] = {}
    write = out.write if out is not None else None
    with _memory_file() as mem:
        survivors = _Survivors(layout, judge, out, mem)
        spans = owned_spans(text, span[0], span[1])
        while True:
            try:
                buf, i, end = next(spans)
            except StopIteration:
                break
            except InputError as exc:  # a broken stream: say how far the records were whole
                where = f"after record {n_records:,} (on {chrom or 'the first contig'}), {exc.where}"
                raise InputError(exc.path, exc.problem, where=where, hint=exc.hint) from None
            find = buf.find
            rows: list[bytes] = []
            while i < end:
                j = find(b"\n", i, end)
                if j < 0:
                    j = end
                if i == j or buf[i] == 35:  # blank or '#'
                    i = j + 1
                    continue
                line = buf[i:j]
                n_records += 1
                try:
                    chrom_b, pos_b, _, ref_b, alt_b, _, filt_b, _ = line.split(b"\t", 7)
                except ValueError:
                    raise InputError(
                        path,
                        "a record with fewer than 8 tab-separated columns",
                        where=f"record {n_records:,} ({line[:60].decode(errors='replace')})",
                        hint="the file is corrupt or not tab-separated; check it with bcftools view",
                    ) from None
                if chrom_b != cache_contig:
                    cache_contig = chrom_b
                    chrom = chrom_b.decode()
                    key = canonical_contig(chrom)
                    starts = starts_by.get(key, empty)
                    ends = ends_by.get(key, empty)
                    tally.contigs_seen.add(chrom)
                n_alt = alt_b.count(b",") + 1
                n_alleles += n_alt
                if progress is not None and not n_records % 50_000:
                    progress(n_records)
                # a removed record's row ends in a tail that depends only on its FILTER text: built once each
                tail = None
                if filt_b != b"PASS":
                    if filt_b == b".":
                        n_unfiltered += 1
                    if require_pass and not (count_unfiltered and filt_b == b"."):
                        tail = filter_tails.get(filt_b)
                        if tail is None:
                            why = b"FILTER . (unfiltered)" if filt_b == b"." else b"FILTER " + filt_b
                            tail = filter_tails[filt_b] = b"\t" + filt_b + _NO_PASS_FIELDS + b"filter\t" + why + b"\n"
                        n_filter += n_alt
                if tail is None:
                    pos = _pos(pos_b, path, n_records, chrom)
                    if not stated:
                        k = bisect_right(starts, pos - 1) - 1
                        if k < 0 or pos - 1 >= ends[k]:
                            tail = territory_tails.get(filt_b)
                            if tail is None:
                                tail = territory_tails[filt_b] = (
                                    b"\t" + filt_b + _NO_PASS_FIELDS + b"territory\toutside territory\n"
                                )
                            n_territory += n_alt
                if not ref_b.isupper():
                    ref_b = ref_b.upper()
                if not alt_b.isupper():
                    alt_b = alt_b.upper()
                if tail is not None:
                    if write is not None:
                        if n_alt == 1:
                            rows.append(b"\t".join((chrom_b, pos_b, ref_b, alt_b)) + tail)
                        else:
                            head = chrom_b + b"\t" + pos_b + b"\t" + ref_b + b"\t"
                            rows.extend(head + a + tail for a in alt_b.split(b","))
                    i = j + 1
                    continue
                if rows:
                    survivors.queue(b"".join(rows))
                    rows = []
                alts = ["."] if alt_b == b"." else alt_b.decode().split(",")
                survivors.add(line, chrom, pos, ref_b.decode(), alts, filt_b.decode())
                i = j + 1
            if rows:
                survivors.queue(b"".join(rows))
            if not survivors.lines or survivors.queued > QUEUED_BYTES:
                survivors.flush()
        survivors.flush()
    for name, n in (("filter", n_filter), ("territory", n_territory)):
        if n:
            fates[name] += n
    tally.records, tally.alleles, tally.unfiltered = n_records, n_alleles, n_unfiltered
    tally.unknown_terms.update(judge.unknown_terms)
    return tally
