"""A VCF's text as fast as it inflates, split into ranges whose workers each own whole lines.

BGZF (``.vcf.gz`` from bgzip/htslib) is a chain of independent gzip blocks, so a file splits into ranges
at block starts and each range inflates on its own (with ISA-L when ``isal`` is installed, else zlib);
plain gzip streams, and plain text splits at any byte. :func:`owned_spans` gives a range's lines such
that every record belongs to exactly one range and the records of one position never straddle two.
"""

from __future__ import annotations

import bisect
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass

from biomarker.errors import InputError
from biomarker.files import open_binary

try:  # ISA-L inflates BGZF about twice as fast as zlib
    from isal import isal_zlib as _zlib
except ImportError:  # pragma: no cover - isal is a dependency; zlib gives the same bytes
    import zlib as _zlib  # type: ignore[no-redef]

_BGZF_MAGIC = b"\x1f\x8b\x08\x04"
_READ = 1 << 17  # compressed bytes read at a time (about 1 MB of text: memory stays flat)
_PLAIN_UNIT = 1 << 20  # split unit of an uncompressed file


@dataclass
class TextFile:
    """The text of one VCF file: its kind and the offsets at which it may be split.

    Attributes
    ----------
    kind
        ``bgzf``, ``gzip`` (one stream, not splittable) or ``plain``.
    offsets
        Ascending split points in the file, from 0 to its size (BGZF: block starts).
    """

    path: str
    kind: str
    offsets: list[int]

    @property
    def size(self) -> int:
        """The file's size in bytes (the last offset)."""
        return self.offsets[-1]

    def read(self, start: int, end: int | None = None) -> Iterator[bytes]:
        """The text from split point ``start`` to split point ``end`` (``None``: end of file), in chunks."""
        if self.kind == "bgzf":
            yield from _inflate_bgzf(self.path, start, self.size if end is None else end)
        elif self.kind == "gzip":
            yield from _inflate_gzip(self.path)
        else:
            yield from _read_plain(self.path, start, self.size if end is None else end)

    def ranges(self, n: int) -> list[tuple[int, int]]:
        """About ``n`` ranges of similar size, as ``(first, last)`` indices into :attr:`offsets`."""
        last = len(self.offsets) - 1
        n = max(1, min(n, last))
        cuts = [0]
        for k in range(1, n):
            target = self.size * k // n
            i = bisect.bisect_left(self.offsets, target)
            if i > cuts[-1] and i < last:
                cuts.append(i)
        cuts.append(last)
        return list(itertools.pairwise(cuts))


def open_text(path: str, *, need_offsets: bool = False) -> TextFile:
    """Look at ``path`` and say how its text is read; with ``need_offsets`` list every BGZF block start.

    Raises
    ------
    InputError
        When a BGZF block header is broken.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(18)
    if head[:2] == b"\x1f\x8b":
        if head[:4] == _BGZF_MAGIC and head[12:14] == b"BC":
            return TextFile(path, "bgzf", bgzf_block_starts(path, size) if need_offsets else [0, size])
        return TextFile(path, "gzip", [0, size])
    offsets = list(range(0, size, _PLAIN_UNIT)) if need_offsets else [0]
    return TextFile(path, "plain", [*offsets, size] if offsets[-1:] != [size] else offsets)


def is_bcf(path: str) -> bool:
    """Whether ``path`` holds BCF (compressed or not), whatever its name says.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.vcf"
    >>> _ = p.write_bytes(b"##fileformat=VCFv4.2\\n")
    >>> is_bcf(str(p))
    False
    """
    with open_binary(path) as fh:
        try:
            return fh.read(3) == b"BCF"
        except Exception:  # a corrupt or cut stream: the text reader says so with the record
            return False


def bgzf_block_starts(path: str, size: int | None = None) -> list[int]:
    """Offsets of every BGZF block, then the file's size (one 18-byte header read per block).

    Raises
    ------
    InputError
        When a block header is not BGZF's (a corrupt or concatenated non-BGZF file).
    """
    size = os.path.getsize(path) if size is None else size
    starts = []
    off = 0
    with open(path, "rb") as fh:
        while off < size:
            fh.seek(off)
            h = fh.read(18)
            if len(h) < 18 or h[:4] != _BGZF_MAGIC or h[12:14] != b"BC":
                raise InputError(path, "not a BGZF block", where=f"byte {off:,}", hint=_CORRUPT_HINT)
            starts.append(off)
            off += int.from_bytes(h[16:18], "little") + 1
    if off != size:
        raise InputError(path, "the last BGZF block is cut short", where=f"byte {starts[-1]:,}", hint=_CORRUPT_HINT)
    starts.append(size)
    return starts


_CORRUPT_HINT = "the file is truncated or corrupt; regenerate or re-download it"


def _inflate_bgzf(path: str, start: int, end: int) -> Iterator[bytes]:
    """Inflate the BGZF blocks in ``[start, end)``, 128 kB of compressed input at a time."""
    decompress = _zlib.decompress
    with open(path, "rb") as fh:
        fh.seek(start)
        data = b""
        pos = start  # file offset of data[0]
        while pos < end:
            more = fh.read(min(_READ, end - pos - len(data)))
            if more:
                data = data + more if data else more
            view = memoryview(data)
            off, n, out = 0, len(data), []
            while off + 18 <= n:
                if view[off : off + 4] != _BGZF_MAGIC:
                    raise InputError(path, "not a BGZF block", where=f"byte {pos + off:,}", hint=_CORRUPT_HINT)
                bsize = int.from_bytes(view[off + 16 : off + 18], "little") + 1
                if off + bsize > n:
                    break
                isize = int.from_bytes(view[off + bsize - 4 : off + bsize], "little")
                if isize:
                    try:
                        block = decompress(view[off + 18 : off + bsize - 8], -15, isize)
                    except Exception as exc:  # zlib.error / isal_zlib.error
                        raise InputError(
                            path, f"corrupt compressed block ({exc})", where=f"byte {pos + off:,}", hint=_CORRUPT_HINT
                        ) from None
                    if len(block) != isize:
                        raise InputError(
                            path, "a compressed block inflates to the wrong size", where=f"byte {pos + off:,}"
                        )
                    out.append(block)
                off += bsize
            view.release()
            if not more and off < n:
                raise InputError(
                    path, "the last BGZF block is cut short", where=f"byte {pos + off:,}", hint=_CORRUPT_HINT
                )
            data = data[off:]
            pos += off
            if out:
                yield b"".join(out)
            if not more:
                break


def _inflate_gzip(path: str) -> Iterator[bytes]:
    """Inflate a plain (multi-member) gzip stream.

    Raises
    ------
    InputError
        When the stream is corrupt or ends before its last member does (a cut-off copy).
    """
    try:
        with open_binary(path) as fh:
            while chunk := fh.read(8 * _READ):
                yield chunk
    except EOFError:
        raise InputError(
            path, "truncated: the gzip stream ends mid-way", where="end of file", hint=_CORRUPT_HINT
        ) from None
    except Exception as exc:  # zlib.error, ISA-L's IsalError, gzip.BadGzipFile
        raise InputError(path, f"corrupt gzip data ({exc})", hint=_CORRUPT_HINT) from None


def _read_plain(path: str, start: int, end: int) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        fh.seek(start)
        left = end - start
        while left > 0:
            buf = fh.read(min(_READ, left))
            if not buf:
                break
            left -= len(buf)
            yield buf


def _locus(line: bytes) -> tuple[bytes, bytes] | None:
    """``(CHROM, POS)`` of a record line; ``None`` for a header line."""
    if not line or line[:1] == b"#":
        return None
    parts = line.split(b"\t", 2)
    return (parts[0], parts[1] if len(parts) > 1 else b"")


def _lead(text: TextFile, first: int) -> bytes:
    """The text from the start of the last line that starts before split point ``first``, up to it."""
    q = first
    prefix = b""
    while q > 0:
        q -= 1
        prefix = b"".join(text.read(text.offsets[q], text.offsets[q + 1])) + prefix
        body = prefix[:-1] if prefix.endswith(b"\n") else prefix
        k = body.rfind(b"\n")
        if k >= 0:
            return prefix[k + 1 :]
    return prefix


def owned_spans(text: TextFile, first: int = 0, last: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """The complete lines range ``[offsets[first], offsets[last])`` owns, as ``(buffer, start, end)`` spans.

    A range owns the lines that start inside it, except those that continue the position (CHROM, POS) of
    the line before the range, and it also owns the lines after its end that continue the position of
    its last line; so the ranges of a file own every line once and never split one position's records.
    Each span's text is whole lines, each ending in ``\\n`` except possibly the file's last.
    """
    last = len(text.offsets) - 1 if last is None else last
    tail = last < len(text.offsets) - 1
    skipping = first > 0
    carry = _lead(text, first) if skipping else b""
    unowned_first = skipping  # the line that starts before the range: only its position is wanted
    prev: tuple[bytes, bytes] | None = None
    last_locus: tuple[bytes, bytes] | None = None
    for chunk in text.read(text.offsets[first], text.offsets[last]):
        buf = carry + chunk if carry else chunk
        cut = buf.rfind(b"\n") + 1
        carry = buf[cut:]
        if not cut:
            continue
        i = 0
        while skipping and i < cut:
            j = buf.index(b"\n", i)
            locus = _locus(buf[i:j])
            if unowned_first:
                unowned_first, prev = False, locus
            elif locus is None or locus != prev:
                skipping = False
                break
            i = j + 1
        if not skipping and i < cut:
            yield buf, i, cut
            last_locus = _locus(buf[buf.rfind(b"\n", 0, cut - 1) + 1 : cut - 1])
    # the line cut at the range's end starts inside it; then the lines that continue its position
    pending, carry = carry, b""
    rest = text.read(text.offsets[last]) if tail else iter(())
    if pending:
        while b"\n" not in pending:
            more = next(rest, None)
            if more is None:
                break
            pending += more
        j = pending.find(b"\n")
        line, carry = (pending, b"") if j < 0 else (pending[: j + 1], pending[j + 1 :])
        locus = _locus(line.rstrip(b"\n"))
        if unowned_first or (skipping and locus is not None and locus == prev):
            return  # no line starts in the range, or this one continues the position before it
        yield line, 0, len(line)
        last_locus = locus
    if not tail or last_locus is None:
        return
    while True:
        j = carry.find(b"\n")
        if j < 0:
            more = next(rest, None)
            if more is None:
                if carry and _locus(carry) == last_locus:
                    yield carry, 0, len(carry)
                return
            carry += more
            continue
        if _locus(carry[:j]) != last_locus:
            return
        yield carry, 0, j + 1
        carry = carry[j + 1 :]
