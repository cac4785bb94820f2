"""The package's layers (the design: data flows one way; a lower layer never imports a higher one).

Every ``import biomarker...`` in the package is read from the source (AST, so imports inside functions count
too) and checked against the layer of the module that makes it:

- base: ``errors``, ``files``, ``png``, ``intervals``, ``palette``, ``lab_tables``, ``results``, ``run_log``, ``parent_watch`` and the
  package's ``__version__``: no domain, nothing above;
- ``simulate`` writes the truth with its own code: it imports no reader or domain module (only base);
- domains ``tmb``, ``ihc``, ``flow``, ``clinical``, ``genomic``: base and their own package (``genomic`` reads
  ``tmb``'s variant tables); ``plots`` only inside a function (a result's ``.plot()``);
- ``plots`` draws what it is given: base only;
- ``store`` (and its ``store_schema``, ``store_samples``): base only; ``batch``/``batch_resume``/``multiqc``: base,
  ``store``, ``tmb``; ``batch_executors``: base only;
- ``models``: base, domains, ``store``, ``plots``; never ``batch``, the steps, the report, the CLI, or
  ``biomarker.clinical.run`` (the endpoint runner);
- ``steps``: everything below it; ``report``: base, ``store``, ``plots``, domains, ``models``;
- ``api``/``study``/``study_run`` (the face) may use anything but the CLI; ``cli`` and its ``cli_*`` modules sit on top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import biomarker

PACKAGE = Path(biomarker.__file__).parent
BASE = {
    "errors",
    "files",
    "png",
    "intervals",
    "palette",
    "lab_tables",
    "results",
    "run_log",
    "parent_watch",
    "__version__",
}
DOMAINS = {"tmb", "ihc", "flow", "clinical", "genomic"}
#: Layer -> what it may import at module level (its own package is always allowed).
ALLOWED: dict[str, set[str]] = {
    **{name: set(BASE) for name in BASE},
    "simulate": set(BASE),
    "plots": set(BASE),
    "store_schema": set(BASE),
    "store_samples": BASE | {"store_schema"},
    "store": BASE | {"store_schema", "store_samples"},
    **{name: set(BASE) for name in DOMAINS},
    "genomic": BASE | {"tmb"},
    "batch": BASE | {"store", "tmb", "batch_resume", "batch_executors", "multiqc"},
    "batch_executors": set(BASE),
    "batch_resume": BASE | {"store", "tmb", "batch"},
    "multiqc": BASE | {"store", "tmb"},
    "models": BASE | DOMAINS | {"store", "plots"},
    "steps": BASE | DOMAINS | {"store", "plots", "models", "batch"},
    "steps_genomic": BASE | DOMAINS | {"store", "plots", "models", "steps"},
    "study_plots": BASE | DOMAINS | {"store", "plots", "models", "steps", "api"},  # api: for type hints only
    "report": BASE | DOMAINS | {"store", "plots", "models"},
    "api": BASE
    | DOMAINS
    | {"store", "plots", "models", "batch", "multiqc", "steps", "steps_genomic", "report", "study", "study_plots"}
    | {"study_run"},
    # the run of a Study (mixed into api.Study); api: for type hints only
    "study_run": BASE
    | DOMAINS
    | {"store", "plots", "models", "batch", "multiqc", "steps", "steps_genomic", "report", "study", "api"},
    "study": BASE
    | DOMAINS
    | {"store", "plots", "models", "batch", "multiqc", "steps", "steps_genomic", "report", "api"},
}
#: Imports allowed only inside a function (drawing on demand: ``result.plot()``).
LAZY_ONLY: dict[str, set[str]] = {name: {"plots"} for name in DOMAINS}
#: Module paths a layer never imports even though its layer is allowed (the models never run clinical's runner).
NEVER: dict[str, tuple[str, ...]] = {"models": ("biomarker.clinical.run",)}
#: Known exceptions, each with its reason (found in the hygiene pass, kept and listed, not hidden).
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("biomarker.genomic.store", "store"): "the genomic CLI's writer into the store lives beside its result; "
    "it belongs at steps level (listed for the wiring of issue 10)",
}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """``(imported module, inside a function)`` for every biomarker import of one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                if child.module == "biomarker":
                    found.extend((f"biomarker.{a.name}", inner) for a in child.names)
                elif child.module.startswith("biomarker."):
                    found.append((child.module, inner))
            elif isinstance(child, ast.Import):
                found.extend((a.name, inner) for a in child.names if a.name.startswith("biomarker."))
            visit(child, inner)

    visit(tree, False)
    return found


def _layer(module: str) -> str:
    return module.split(".")[1]


def _is_cli(layer: str) -> bool:
    return layer == "cli" or layer.startswith("cli_")


def _violations() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        module = ".".join(parts)
        if module == "biomarker" or _is_cli(_layer(module)):
            continue  # the package face (lazy Study) and the CLI modules (cli, cli_*) sit on top
        source = _layer(module)
        for target, lazy in _imports(path):
            layer = _layer(target)
            if layer == source or (module, layer) in EXCEPTIONS:
                continue
            ok = layer in ALLOWED[source] or (lazy and layer in LAZY_ONLY.get(source, set()))
            if any(target == n or target.startswith(n + ".") for n in NEVER.get(source, ())):
                ok = False
            if not ok:
                out.append(f"{module} imports {target}{' (in a function)' if lazy else ''}")
    return out


def test_every_module_has_a_layer() -> None:
    tops = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").is_file()) and p.name != "__init__.py"
    }
    assert {t for t in tops if not _is_cli(t)} - set(ALLOWED) == set()


def test_no_lower_layer_imports_a_higher_one() -> None:
    assert _violations() == []


def test_the_checker_sees_lazy_and_upward_imports(tmp_path) -> None:
    """The rules are not vacuous: an upward import inside a function and a domain-to-domain import are found."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from biomarker import files\n\ndef f():\n    from biomarker.report.html import build_report\n"
        "    import biomarker.plots.tmb\n"
    )
    assert _imports(probe) == [
        ("biomarker.files", False),
        ("biomarker.report.html", True),
        ("biomarker.plots.tmb", True),
    ]
    assert "report" not in ALLOWED["tmb"] and "plots" not in ALLOWED["tmb"] and "plots" in LAZY_ONLY["tmb"]
    assert "clinical" not in ALLOWED["tmb"] and "models" not in ALLOWED["clinical"]
    assert _is_cli("cli_flow") and not _is_cli("clinical")
