#!/usr/bin/env python
"""CPU of the HTML report of a stored 30-patient study, split into building the figures (``biomarker.plots``
functions), drawing + encoding them (``Section.figure``) and the rest; and the report's size.

The study (the report tests' ``study_run``: 30 patients, seed 8, 0.3 Mb exome, fast model settings) is simulated
and run once into ``WORKDIR`` (about 25 s); later runs only time ``build_report``. Compare two trees back to back,
in pairs (this VM drifts by up to 1.3x within minutes)::

    python benchmarks/report_figures.py /tmp/rf --setup            # once
    for i in 1 2 3; do
        PYTHONPATH=/work/main python benchmarks/report_figures.py /tmp/rf
        PYTHONPATH=.          python benchmarks/report_figures.py /tmp/rf
    done
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import time
import types
from pathlib import Path

STUDY_YAML = (
    "study: TEST\nsamplesheet: study/samplesheet.csv\nclinical: study\npathology: study/pathology/pdl1_til.csv\n"
    "tbnk: study/flow/tbnk.csv\nout: results\njobs: 1\n"
    "models: {outcome: response, n_repeats: 2, n_permutations: 5, n_bootstrap: 50, n_refit_bootstrap: 10, "
    "figures: false}\n"
)


def setup(root: Path) -> None:
    """Simulate and run the study into ``root`` (its store: ``root/results/study.duckdb``)."""
    from biomarker.simulate import simulate_study
    from biomarker.study import load_config, run_study

    root.mkdir(parents=True, exist_ok=True)
    simulate_study(root / "study", n_patients=30, seed=8, exome_mb=0.3)
    (root / "study.yaml").write_text(STUDY_YAML)
    run_study(load_config(root / "study.yaml"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--setup", action="store_true", help="simulate and run the study first")
    args = parser.parse_args()
    if args.setup:
        setup(args.workdir)
    import lifelines  # noqa: F401  (imports are not the report's work)
    import matplotlib.figure  # noqa: F401

    import biomarker
    import biomarker.plots
    import biomarker.report.section as section
    from biomarker.report import build_report

    spent = {"build": 0.0, "draw": 0.0}
    depth = [0]

    def timed(func, key):
        def wrapper(*a, **k):
            if depth[0]:
                return func(*a, **k)
            depth[0] += 1
            start = time.process_time()
            try:
                return func(*a, **k)
            finally:
                spent[key] += time.process_time() - start
                depth[0] -= 1

        return wrapper

    modules = [biomarker.plots] + [
        importlib.import_module(f"biomarker.plots.{m.name}") for m in pkgutil.iter_modules(biomarker.plots.__path__)
    ]
    for module in modules:
        for name, obj in list(vars(module).items()):
            if isinstance(obj, types.FunctionType) and obj.__module__.startswith("biomarker.plots") and name[0] != "_":
                setattr(module, name, timed(obj, "build"))
    section.Section.figure = timed(section.Section.figure, "draw")
    out = args.workdir / "report_bench.html"
    start = time.process_time()
    build_report(args.workdir / "results" / "study.duckdb", out)
    total = time.process_time() - start
    figures = spent["build"] + spent["draw"]
    print(
        f"{Path(biomarker.__file__).parent.parent}: report {total:.2f} s CPU = figures {figures:.2f} "
        f"(build {spent['build']:.2f} + draw/encode {spent['draw']:.2f}) + rest {total - figures:.2f}; "
        f"html {out.stat().st_size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
