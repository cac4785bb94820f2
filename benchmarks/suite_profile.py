"""Where the test suite's CPU goes: read a py-spy raw profile of a whole pytest run and print the CPU seconds per
process kind (pytest itself, CLI subprocesses, loky workers, notebook kernels), per test (or fixture) and per
function.

Record (py-spy is not a dependency: ``pip install py-spy``; it samples every Python process of the tree, loky
workers included, which ``/usr/bin/time`` does not count when the pool outlives its waits)::

    py-spy record --subprocesses --format raw --rate 40 -o suite.raw -- python -m pytest -q -p no:cacheprovider
    python benchmarks/suite_profile.py suite.raw --rate 40 --top 25
    python benchmarks/suite_profile.py suite.raw --rate 40 --function Figure.savefig   # which tests draw

A sample is one stack (``frame;frame;... count``); a function's time is the samples whose stack holds it.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

_LINE = re.compile(r":\d+\)$")
_TEST = re.compile(r"\(([^()]*(?:test_[^/()]*|conftest)\.py)\)$")  # py-spy may drop the tests/ prefix
_PROCESS = re.compile(r'^process \d+:"(.*)"$')


def stacks(path: Path) -> Iterator[tuple[list[str], int]]:
    """``(frames, samples)`` of every line of a py-spy raw file (frames without their line numbers)."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack:
                yield [_LINE.sub(")", f) for f in stack.split(";")], int(count)


def process_kind(frames: list[str]) -> str:
    """The innermost process of a stack, by its command (``pytest``, ``biomarker.cli run``, ``loky worker``...)."""
    procs = [m.group(1) for m in map(_PROCESS.match, frames) if m]
    if len(procs) < 2:
        return "pytest"
    command = procs[-1]
    if "loky" in command:
        return "loky worker"
    if "ipykernel" in command:
        return "notebook kernel"
    words = command.split()
    return " ".join(w.rsplit("/", 1)[-1] for w in words[:4])


def owner(frames: list[str]) -> str:
    """The outermost test function or fixture of the stack (``-`` outside any: collection, teardown, workers)."""
    for frame in frames:
        found = _TEST.search(frame)
        if found:
            return f"{frame.split(' (')[0]} ({found.group(1)})"
    return "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw", type=Path, help="py-spy raw profile (--format raw)")
    parser.add_argument("--rate", type=float, default=100.0, help="the sampling rate it was recorded at (Hz)")
    parser.add_argument("--top", type=int, default=20, help="rows per table")
    parser.add_argument("--function", help="only stacks through this function (a substring of its frame)")
    args = parser.parse_args()
    kinds: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for frames, n in stacks(args.raw):
        if args.function and not any(args.function in f for f in frames):
            continue
        total += n
        kinds[process_kind(frames)] += n
        owners[owner(frames)] += n
        for name in {f for f in frames if "(biomarker/" in f or _TEST.search(f)}:
            functions[name] += n
    print(f"{total / args.rate:.1f} s CPU sampled" + (f" through {args.function}" if args.function else ""))
    for title, counter in (("process", kinds), ("test or fixture", owners), ("function (inclusive)", functions)):
        print(f"\n{'seconds':>8}  {title}")
        for name, n in counter.most_common(args.top):
            print(f"{n / args.rate:8.1f}  {name[:150]}")


if __name__ == "__main__":
    main()
