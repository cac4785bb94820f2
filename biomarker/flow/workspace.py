"""Gate TBNK tubes with a FlowJo workspace instead of a template: its own gates, compensation and transforms.

:func:`workspace_counter` loads the workspace with the files once and returns a function that counts our gates
(by their names in the workspace) for one tube; :func:`~biomarker.flow.tubes.gate_tubes` calls it for each file.
FlowKit is imported only when it runs.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from biomarker.errors import InputError
from biomarker.flow.gating import _flowkit, read_fcs

log = logging.getLogger(__name__)


def workspace_counter(
    workspace: str | os.PathLike[str],
    files: list[Path],
    names: Mapping[str, str],
    required: Sequence[str],
    ignore_offset_error: bool,
) -> Callable[[Path], tuple[dict[str, int], Mapping[str, str], list[str]]]:
    """Gate with a FlowJo workspace: load it with the files and count each of our gates by its name there."""
    fk = _flowkit()
    wsp = Path(workspace)
    if not wsp.is_file():
        raise InputError(wsp, "FlowJo workspace not found")
    samples = {}
    for f in files:
        read_fcs(f, ignore_offset_error=ignore_offset_error)  # clear errors for damaged files first
        if f.name in samples:
            raise InputError(f, f"two files named {f.name}: a workspace matches samples by file name")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # FlowJo names a workspace's samples by file name and its channels "Comp-<detector>"
            s = fk.Sample(str(f), sample_id=f.name, ignore_offset_error=ignore_offset_error, use_flowjo_labels=True)
        samples[f.name] = (f, s)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ws = fk.Workspace(str(wsp), fcs_samples=[s for _, s in samples.values()])
    except Exception as exc:  # FlowKit raises many types for a bad .wsp
        raise InputError(wsp, f"not a readable FlowJo workspace ({type(exc).__name__}: {exc})") from exc
    loaded = set(ws.get_sample_ids())
    by_path = {f: sid for sid, (f, _) in samples.items()}

    def counts_of(path: Path) -> tuple[dict[str, int], Mapping[str, str], list[str]]:
        sid = by_path[path]
        if sid not in loaded:
            raise InputError(
                path,
                f"sample {sid!r} is not in workspace {wsp.name}",
                hint=f"the workspace has {', '.join(sorted(loaded)) or 'no loaded sample'}",
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ws.analyze_samples(sample_id=sid, use_mp=False)
        results = ws.get_gating_results(sid)
        counts = {}
        for ours in required:
            theirs = names[ours]
            matches = ws.find_matching_gate_paths(sid, theirs)
            if len(matches) != 1:
                raise InputError(
                    wsp,
                    f"gate {theirs!r} (our {ours}) is {'ambiguous' if matches else 'absent'} for sample {sid}",
                    hint="pass gate_names={our id: their gate name}",
                )
            counts[ours] = int(results.get_gate_count(theirs, matches[0]))
        meta = samples[sid][1].get_metadata()
        flags = []
        if ws.get_comp_matrix(sid) is None and (meta.get("spillover") or meta.get("spill")):
            log.warning("%s: workspace %s has no compensation matrix for it; gated uncompensated", path, wsp.name)
            flags.append("workspace_uncompensated")
        return counts, meta, flags

    return counts_of
