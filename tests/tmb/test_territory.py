"""Territory arithmetic: hand-worked cases and invariants against a plain set of positions."""

from __future__ import annotations

import gzip
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from biomarker.errors import InputError
from biomarker.tmb.territory import (
    Territory,
    canonical_contig,
    intersect_intervals,
    merge_intervals,
    read_bed,
)

intervals = st.lists(st.tuples(st.integers(0, 300), st.integers(0, 60)).map(lambda t: (t[0], t[0] + t[1])), max_size=25)


def positions(ivs: list[tuple[int, int]]) -> set[int]:
    return {p for s, e in ivs for p in range(s, e)}


def test_overlapping_bed_is_merged_not_summed(write_bed) -> None:
    # the shared fixture's shape: 1000 + 1000 + 500 bp written, 2000 bp once overlaps are merged
    t = read_bed(write_bed([("chr1", 0, 1000), ("chr1", 500, 1500), ("chr1", 10000, 10500)]))
    assert t.bp == 2000
    assert t.intervals["1"] == [(0, 1500), (10000, 10500)]


def test_half_open_boundaries() -> None:
    t = Territory.from_intervals({"chr1": [(100, 200)]})
    assert not t.contains("chr1", 99)
    assert t.contains("chr1", 100)
    assert t.contains("1", 199)
    assert not t.contains("chr1", 200)
    assert not t.contains("chr2", 150)


def test_contig_spellings_meet() -> None:
    assert canonical_contig("chrX") == canonical_contig("X") == "X"
    assert canonical_contig("chrM") == canonical_contig("MT") == "MT"
    t = Territory.from_intervals({"1": [(0, 10)], "chr1": [(5, 20)]})
    assert t.bp == 20


@given(intervals)
def test_merge_covers_exactly_the_union(ivs: list[tuple[int, int]]) -> None:
    merged = merge_intervals(ivs)
    assert positions(merged) == positions(ivs)
    assert sum(e - s for s, e in merged) == len(positions(ivs))
    assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))  # disjoint, not touching


@given(intervals, intervals)
def test_intersection_is_the_set_intersection(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    ma, mb = merge_intervals(a), merge_intervals(b)
    inter = intersect_intervals(ma, mb)
    assert positions(inter) == positions(ma) & positions(mb)
    assert inter == intersect_intervals(mb, ma)


@given(intervals, st.integers(-5, 400))
def test_contains_agrees_with_positions(ivs: list[tuple[int, int]], pos: int) -> None:
    t = Territory.from_intervals({"chr7": ivs})
    assert t.contains("7", pos) == (pos in positions(ivs))


def test_gzipped_bed_with_track_lines(tmp_path) -> None:
    path = tmp_path / "t.bed.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("track name=x\n# comment\nchr2\t10\t20\tname\n")
    assert read_bed(path).bp == 10


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("chr1\t10", "needs chrom, start and end"),
        ("chr1\tten\t20", "non-integer"),
        ("chr1\t30\t20", "impossible interval"),
        ("chr1\t-5\t20", "impossible interval"),
    ],
)
def test_bad_bed_lines_name_the_line(tmp_path, line: str, message: str) -> None:
    path = tmp_path / "bad.bed"
    path.write_text("chr1\t0\t5\n" + line + "\n")
    with pytest.raises(InputError, match=message) as info:
        read_bed(path)
    assert "line 2" in str(info.value)


def test_empty_bed_is_an_error(tmp_path) -> None:
    path = tmp_path / "empty.bed"
    path.write_text("track name=empty\n")
    with pytest.raises(InputError, match="no intervals"):
        read_bed(path)
