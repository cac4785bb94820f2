"""Same seed => byte-identical files; different seed => different study (same reference)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from biomarker.simulate import StudyFiles, simulate_study


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(small_study: StudyFiles, small_kwargs: dict, tmp_path: Path) -> None:
    again = simulate_study(tmp_path / "again", fcs=True, **small_kwargs)
    first, second = digest(small_study.outdir), digest(again.outdir)
    assert first == second
    assert any(name.endswith(".fcs") for name in first) and any(name.endswith(".tbi") for name in first)
    assert not [name for name in first if ".tmp" in name or name.startswith(".")]


def test_different_seed_different_study(small_study: StudyFiles, small_kwargs: dict, tmp_path: Path) -> None:
    other = simulate_study(tmp_path / "other", **{**small_kwargs, "seed": small_kwargs["seed"] + 1})
    a, b = digest(small_study.outdir), digest(other.outdir)
    assert a["reference/exome.bed"] == b["reference/exome.bed"]  # the capture does not depend on the seed
    for name in ("clinical/dm.csv", "clinical/tr.csv", "flow/tbnk.csv", "truth/patients.csv", "pathology/pdl1_til.csv"):
        assert a[name] != b[name], name
    vcfs_a = {k: v for k, v in a.items() if k.endswith(".vcf.gz")}
    vcfs_b = {k: v for k, v in b.items() if k.endswith(".vcf.gz")}
    assert not set(vcfs_a.values()) & set(vcfs_b.values())


def test_rewrite_in_place_is_idempotent(tmp_path: Path) -> None:
    kw = {"n_patients": 2, "seed": 3, "exome_mb": 1.0}
    simulate_study(tmp_path / "s", **kw)
    before = digest(tmp_path / "s")
    simulate_study(tmp_path / "s", **kw)
    assert digest(tmp_path / "s") == before
