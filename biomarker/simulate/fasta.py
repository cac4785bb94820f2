"""A small reference FASTA of the synthetic genome: bgzip-compressed, with ``.fai`` and ``.gzi``.

The contigs keep their real GRCh38 lengths (so a catalogue can check them against the VCF header),
but only the capture targets and a few bases around every written record hold real bases (those of
:func:`biomarker.simulate.genome.ref_bases`); the rest is ``N``. Runs of ``N`` are written as one
BGZF block compressed once and repeated, so the 3.1 Gb genome takes a few MB and well under a second.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from biomarker.simulate.genome import CONTIG_INDEX, CONTIGS, HOTSPOTS, Exome

LINE = 60
_BLOCK_LINES = 1000
_BLOCK = (LINE + 1) * _BLOCK_LINES  # uncompressed bytes of a full block (< 65280)
_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_FLANK = 3
_LUT = np.frombuffer(b"ACGT", dtype=np.uint8)


def bases_array(contig: str, start0: int, end0: int) -> np.ndarray:
    """Bases ``[start0, end0)`` of the synthetic genome as ASCII codes (vectorised ``ref_bases``)."""
    p = np.arange(start0 + 1, end0 + 1, dtype=np.uint64)
    ci = np.uint64(CONTIG_INDEX[contig] + 1)
    with np.errstate(over="ignore"):
        h = p * np.uint64(0x9E3779B97F4A7C15) + ci * np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
        h = h * np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(29)
    out = _LUT[(h & np.uint64(3)).astype(np.intp)].copy()
    for hot in HOTSPOTS:
        if hot.contig == contig and start0 < hot.pos <= end0:
            out[hot.pos - 1 - start0] = ord(hot.ref)
    return out


class _Bgzf:
    def __init__(self, fh) -> None:  # type: ignore[no-untyped-def]
        self.fh = fh
        self.buf = bytearray()
        self.coffset = 0
        self.uoffset = 0
        self.index: list[tuple[int, int]] = []
        self._cache: dict[bytes, bytes] = {}

    @staticmethod
    def _compress(data: bytes) -> bytes:
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = comp.compress(data) + comp.flush()
        size = 18 + len(body) + 8
        head = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00" + struct.pack("<H", size - 1)
        return head + body + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data))

    def _emit(self, data: bytes, times: int = 1) -> None:
        block = self._cache.get(data) if len(data) == _BLOCK else None
        if block is None:
            block = self._compress(data)
            if len(data) == _BLOCK and len(self._cache) < 64:
                self._cache[data] = block
        for _ in range(times):
            if self.coffset:
                self.index.append((self.coffset, self.uoffset))
            self.fh.write(block)
            self.coffset += len(block)
            self.uoffset += len(data)

    def write(self, data: bytes) -> None:
        self.buf += data
        while len(self.buf) >= _BLOCK:
            self._emit(bytes(self.buf[:_BLOCK]))
            del self.buf[:_BLOCK]

    def flush(self) -> None:
        if self.buf:
            self._emit(bytes(self.buf))
            self.buf.clear()

    def repeat(self, data: bytes, times: int) -> None:
        self.flush()
        self._emit(data, times)

    def close(self) -> None:
        self.flush()
        self.fh.write(_EOF)

    @property
    def tell(self) -> int:
        return self.uoffset + len(self.buf)


def _lines(arr: np.ndarray, col: int, length: int) -> bytes:
    """Bases ``arr`` starting at contig offset ``col`` with a newline after every ``LINE``-th base of the contig
    and after its last one (``length``). Short pieces (most: a target and its flanks) are cut in Python, which
    costs a few microseconds where numpy's insert cost ~90 (45,000 pieces in a 3 Mb capture)."""
    n = len(arr)
    if n > 16 * LINE:
        pos = np.arange(col, col + n)
        breaks = np.nonzero(((pos + 1) % LINE == 0) | (pos + 1 == length))[0]
        return np.insert(arr, breaks + 1, ord("\n")).tobytes()
    data = arr.tobytes()
    parts = []
    i = 0
    while i < n:
        k = min(LINE - (col + i) % LINE, n - i)
        parts.append(data[i : i + k])
        i += k
        if (col + i) % LINE == 0 or col + i == length:
            parts.append(b"\n")
    return b"".join(parts)


_N_LINE = b"N" * LINE + b"\n"


def _n_run(col: int, end: int, length: int) -> bytes:
    """What :func:`_lines` gives for ``N`` at contig offsets ``[col, end)``, built from whole lines by repetition
    (an ``N`` run between two targets is thousands of bases: numpy's insert was most of the FASTA's cost)."""
    parts = []
    head = min(end, -(-col // LINE) * LINE)  # up to the end of the line ``col`` starts in
    if head > col:
        parts.append(b"N" * (head - col))
        if head % LINE == 0 or head == length:
            parts.append(b"\n")
    full = (end - head) // LINE
    parts.append(_N_LINE * full)
    tail = head + full * LINE
    if end > tail:
        parts.append(b"N" * (end - tail))
        if end == length:
            parts.append(b"\n")
    return b"".join(parts)


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(windows):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def write_reference_fasta(exome: Exome, sites: Iterable[tuple[str, int, int]], path: Path) -> Path:
    """Write ``path`` (``.fa.gz``, BGZF) with ``.fai`` and ``.gzi`` beside it, atomically.

    Parameters
    ----------
    exome
        The capture (its targets get real bases).
    sites
        ``(contig, pos, ref_length)`` of every written record (1-based), which get real bases too.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    by_contig: dict[str, list[tuple[int, int]]] = {c: [] for c, _ in CONTIGS}
    for contig in exome.starts:
        by_contig[contig] += [
            (max(int(s) - _FLANK, 0), int(e) + _FLANK)
            for s, e in zip(exome.starts[contig], exome.ends[contig], strict=True)
        ]
    for contig, pos, length in sites:
        by_contig[contig].append((max(pos - 1 - _FLANK, 0), pos - 1 + length + _FLANK))
    n_line = (b"N" * LINE + b"\n") * _BLOCK_LINES
    fai: list[str] = []
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".tmp-fa-") as tmp:
        gz = Path(tmp) / "x.fa.gz"
        with open(gz, "wb") as fh:
            w = _Bgzf(fh)
            for contig, length in CONTIGS:
                w.write(f">{contig}\n".encode())
                fai.append(f"{contig}\t{length}\t{w.tell}\t{LINE}\t{LINE + 1}")
                col = 0

                def emit(arr: np.ndarray, col: int, length: int = length) -> None:
                    w.write(_lines(arr, col, length))

                windows = [(s, min(e, length)) for s, e in _merge(by_contig[contig]) if s < length]
                for s, e in [*windows, (length, length)]:
                    if s > col:  # N run [col, s)
                        run_end = s
                        head = min(run_end, -(-col // LINE) * LINE)
                        if head > col:
                            w.write(_n_run(col, head, length))
                            col = head
                        full = (run_end - col) // (LINE * _BLOCK_LINES)
                        if full and (col + full * LINE * _BLOCK_LINES) < length:
                            w.repeat(n_line, full)
                            col += full * LINE * _BLOCK_LINES
                        if run_end > col:
                            w.write(_n_run(col, run_end, length))
                            col = run_end
                    if e > s:
                        emit(bases_array(contig, s, e), s)
                        col = e
            w.close()
        gzi = Path(tmp) / "x.gzi"
        gzi.write_bytes(struct.pack("<Q", len(w.index)) + b"".join(struct.pack("<QQ", c, u) for c, u in w.index))
        fai_path = Path(tmp) / "x.fai"
        fai_path.write_text("\n".join(fai) + "\n")
        os.replace(gzi, str(path) + ".gzi")
        os.replace(fai_path, str(path) + ".fai")
        os.replace(gz, path)
    return path
