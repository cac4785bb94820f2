"""The text VCF reader: ranges own every line once, and it judges every allele exactly as the cyvcf2 reader."""

from __future__ import annotations

import gzip
import io
import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biomarker.errors import InputError
from biomarker.tmb.pipeline import compute_tmb, resolve_params
from biomarker.tmb.scan_runner import Sink
from biomarker.tmb.territory import read_bed
from biomarker.tmb.vcf_scan import read_layout, scan_vcf
from biomarker.tmb.vcf_text import TextFile, open_text, owned_spans
from biomarker.tmb.vcf_text_scan import scan_vcf_text
from tests.conftest import csq, mutect_record

BED = [("chr1", 0, 50_000), ("chr2", 0, 50_000)]


def _lines_of(text: TextFile, first: int, last: int) -> list[bytes]:
    out = []
    for buf, i, end in owned_spans(text, first, last):
        out.extend(line for line in buf[i:end].split(b"\n") if line)
    return out


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.integers(0, 2), min_size=1, max_size=60),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
    last_newline=st.booleans(),
)
def test_ranges_own_every_line_once_and_never_split_a_position(tmp_path_factory, steps, cuts, last_newline) -> None:
    # positions that repeat (step 0) make groups of records at one locus; lines of varied length
    pos, lines = 100, [b"##fileformat=VCFv4.2", b"#CHROM\tPOS\tID"]
    for k, step in enumerate(steps):
        pos += step
        lines.append(b"chr1\t%d\t.\t%s" % (pos, b"A" * (k * 37 % 300)))
    data = b"\n".join(lines) + (b"\n" if last_newline else b"")
    path = tmp_path_factory.mktemp("spans") / "t.vcf"
    path.write_bytes(data)
    offsets = sorted({0, len(data), *(c % len(data) for c in cuts)})
    text = TextFile(str(path), "plain", offsets)
    owned = [_lines_of(text, a, b) for a, b in zip(range(len(offsets) - 1), range(1, len(offsets)), strict=True)]
    assert [line for part in owned for line in part] == lines  # every line once, in order
    loci = [[tuple(line.split(b"\t")[:2]) for line in part if not line.startswith(b"#")] for part in owned]
    for a, b in itertools.pairwise(loci):
        if a and b:
            assert a[-1] != b[0]  # one position's records stay in one range


def test_bgzf_ranges_cover_a_multi_block_file(write_vcf) -> None:
    records = [mutect_record("chr1", 100 + (i // 3) * 7, "C", "T") for i in range(6000)]  # 3 records a position
    gz = write_vcf(records, bgzip=True)
    text = open_text(str(gz), need_offsets=True)
    assert text.kind == "bgzf" and len(text.offsets) > 8
    whole = [line for line in _lines_of(text, 0, len(text.offsets) - 1) if not line.startswith(b"#")]
    assert len(whole) == 6000
    for n in (2, 3, 7):
        parts = [_lines_of(text, a, b) for a, b in text.ranges(n)]
        assert len(parts) == n
        assert [line for part in parts for line in part if not line.startswith(b"#")] == whole


def _varied_records() -> list[str]:
    """Records a real call set holds: PASS and filtered, '.', multi-allelic, lower case, duplicates, off-target."""
    mis, syn = csq("T", "missense_variant"), csq("T", "synonymous_variant")
    out = []
    for i in range(900):
        chrom = "chr1" if i < 600 else "chr2"
        pos = 1000 + 40 * (i % 600)
        filt = ("PASS", "PASS", "weak_evidence", "PASS;clustered_events", "germline")[i % 5]
        out.append(mutect_record(chrom, pos, "C", "T", filt=filt, csq_entries=[mis if i % 3 else syn]))
        if i % 50 == 0:  # a duplicate line, a multi-allelic record, a lower-case record at the same locus
            out.append(mutect_record(chrom, pos, "C", "T", csq_entries=[mis]))
            out.append(
                mutect_record(
                    chrom,
                    pos,
                    "C",
                    "T,G",
                    csq_entries=[mis, csq("G", "stop_gained")],
                    tumour="0/1:60,30,10:0.3,0.1:100",
                )
            )
            out.append(mutect_record(chrom, pos, "c", "a", csq_entries=[csq("A", "missense_variant")]))
        if i % 97 == 0:
            out.append(mutect_record(chrom, 60_000 + i, "G", "A", csq_entries=[mis]))  # outside the BED
            out.append(mutect_record(chrom, pos + 1, "G", "A", filt=".", csq_entries=[mis]))
    return sorted(out, key=lambda line: (line.split("\t")[0], int(line.split("\t")[1])))  # stable: loci keep order


def _both(path: Path, bed: Path, preset: str = "wes") -> tuple[list[tuple[str, ...]], object, list[tuple], object]:
    params = resolve_params(preset)
    territory = read_bed(bed)
    sink = Sink(None)
    cy = scan_vcf(read_layout(str(path)), params, territory, sink)
    out = io.BytesIO()
    tx = scan_vcf_text(read_layout(str(path)), open_text(str(path)), params, territory, out)
    rows = [tuple(line.split("\t")) for line in out.getvalue().decode().splitlines()]
    return sink.rows, cy, rows, tx  # type: ignore[return-value]


@pytest.mark.parametrize("form", ["plain", "bgzf", "gzip", "crlf", "dot_af"])
def test_text_reader_judges_every_allele_as_cyvcf2(write_vcf, write_bed, tmp_path, form) -> None:
    bed = write_bed(BED)
    records = _varied_records()
    if form == "dot_af":  # a value that is not a plain number: from there on cyvcf2 reads the survivors
        records[400] = mutect_record(
            "chr1", 10_001, "G", "A", csq_entries=[csq("A", "missense_variant")], tumour="0/1:70,30:.:100"
        )
        records[401] = mutect_record(
            "chr1", 10_002, "G", "A", csq_entries=[csq("A", "missense_variant")], tumour="0/1:70,30:0.3"
        )
    path = write_vcf(records, bgzip=form == "bgzf")
    if form == "gzip":
        plain = Path(path)
        path = tmp_path / "plain_gzip.vcf.gz"
        path.write_bytes(gzip.compress(plain.read_bytes()))
    if form == "crlf":
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    cy_rows, cy, tx_rows, tx = _both(path, bed)
    assert len(cy_rows) == 992
    assert tx_rows == cy_rows
    assert (tx.records, tx.alleles, tx.unfiltered, dict(tx.fates)) == (
        cy.records,
        cy.alleles,
        cy.unfiltered,
        dict(cy.fates),
    )
    assert tx.fates["duplicate"] == 36 and tx.fates["territory"] > 0 and tx.unfiltered == 10
    if form == "dot_af":  # VAF from AD when AF is '.' (30 / 100), and a sample column without DP
        assert [r[5:8] for r in tx_rows if r[1] in ("10001", "10002")] == [
            ("0.3000", "100", "30"),
            ("0.3000", "100", "30"),
        ]


def test_two_workers_write_the_same_audit_as_one(write_vcf, write_bed, tmp_path) -> None:
    bed = write_bed(BED)
    gz = write_vcf(_varied_records() * 1, bgzip=True)
    one = compute_tmb(gz, bed, "wes", out_dir=tmp_path / "one")
    two = compute_tmb(gz, bed, "wes", out_dir=tmp_path / "two", threads=2)
    assert one.variants_path.read_bytes() == two.variants_path.read_bytes()
    assert (two.counted, two.fates, two.records) == (one.counted, one.fates, one.records)
    assert two.provenance["inputs"] == one.provenance["inputs"]  # the hash runs beside the workers


def test_last_line_without_newline_is_read(write_vcf, write_bed) -> None:
    path = write_vcf([mutect_record("chr1", 100, "C", "T", csq_entries=[csq("T", "missense_variant")])])
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    assert compute_tmb(path, write_bed(BED), "wes").counted == 1


def test_a_record_cut_short_names_it(write_vcf, write_bed) -> None:
    good = mutect_record("chr1", 100, "C", "T", csq_entries=[csq("T", "missense_variant")])
    path = write_vcf([good, "chr1\t200\t.\tC"])
    with pytest.raises(InputError, match=r"record 2 .*fewer than 8"):
        compute_tmb(path, write_bed(BED), "wes")
