"""TMB parameters and the presets shipped as YAML beside this module.

A preset is a YAML mapping of :class:`TmbParams` fields; ``biomarker tmb --preset FILE.yaml`` takes a
user's own. Unknown keys and impossible values are errors, never ignored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from biomarker.errors import ConfigError
from biomarker.tmb.annotation import DEFAULT_POPULATION_AF_FIELDS
from biomarker.tmb.consequences import resolve_classes

PRESETS: tuple[str, ...] = ("wes", "pytmb-wes", "f1cdx", "msk-impact", "tso500", "maftools")
#: Filters in the order they are applied; a variant's fate is the first that removes it.
#: ``duplicate``: the same tumour, position, REF and ALT as an earlier call that passed FILTER and territory
#: (kept once); ``not_point_mutation``: breakends, symbolic alleles (``<DEL>``), ``*`` and missing ALTs.
FILTER_ORDER: tuple[str, ...] = (
    "filter",
    "territory",
    "duplicate",
    "not_point_mutation",
    "indel",
    "vaf",
    "depth",
    "alt_depth",
    "unannotated",
    "population_af",
    "hotspot",
    "consequence",
)
#: How the consequence decides: the chosen transcript's most severe term, or pyTMB 1.6.0's any-transcript rule.
CONSEQUENCE_RULES: tuple[str, ...] = ("most_severe", "pytmb")
#: Filters the user may switch off with ``--off NAME``, and the parameter each clears.
SWITCHABLE: dict[str, str] = {
    "filter": "require_pass",
    "vaf": "min_vaf",
    "depth": "min_depth",
    "alt_depth": "min_alt_depth",
    "population_af": "max_population_af",
    "hotspot": "exclude_hotspots",
    "indel": "exclude_indels",
    "consequence": "filter_consequence",
}
_BOOL_KEYS = (
    "require_pass",
    "count_unfiltered",
    "exclude_hotspots",
    "hotspot_cosmic_id",
    "exclude_indels",
    "filter_consequence",
)
_FLOAT_KEYS = ("min_vaf", "max_population_af", "tmb_high_cutoff", "territory_mb")
_INT_KEYS = ("min_depth", "min_alt_depth", "hotspot_min_cosmic_count", "tmb_high_min_count")
_TUPLE_KEYS = ("population_af_fields", "population_af_info", "count_classes", "transcript_choice", "maf_classes")


@dataclass(frozen=True)
class TmbParams:
    """Everything that decides which variants count.

    Examples
    --------
    >>> p = load_preset("pytmb-wes")
    >>> p.min_vaf, p.min_depth, p.min_alt_depth, p.max_population_af
    (0.05, 20, 2, 0.001)
    """

    name: str = "custom"
    description: str = ""
    source: str = ""
    require_pass: bool = True
    count_unfiltered: bool = False
    min_vaf: float | None = 0.05
    min_depth: int | None = 20
    min_alt_depth: int | None = 3
    max_population_af: float | None = 0.001
    population_af_fields: tuple[str, ...] = DEFAULT_POPULATION_AF_FIELDS
    population_af_info: tuple[str, ...] = ()
    exclude_hotspots: bool = False
    hotspot_cosmic_id: bool = False
    hotspot_min_cosmic_count: int | None = None
    hotspot_list: str | None = None
    exclude_indels: bool = False
    filter_consequence: bool = True
    count_classes: tuple[str, ...] = ("nonsynonymous", "splice_site")
    consequence_rule: str = "most_severe"
    maf_classes: tuple[str, ...] = ()
    transcript_choice: tuple[str, ...] = ("mane", "canonical")
    territory_mb: float | None = None
    tmb_high_cutoff: float = 10.0
    tmb_high_min_count: int | None = None
    differs: str = ""
    counted_terms: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check(self)
        object.__setattr__(self, "counted_terms", resolve_classes(self.count_classes))

    def with_changes(self, **changes: Any) -> TmbParams:
        """A copy with some fields replaced (validated again)."""
        return dataclasses.replace(self, **changes)

    def switched_off(self, names: list[str] | tuple[str, ...]) -> TmbParams:
        """A copy with the named filters switched off (see :data:`SWITCHABLE`)."""
        changes: dict[str, Any] = {}
        for name in names:
            if name not in SWITCHABLE:
                raise ConfigError(
                    f"--off {name}: not a filter that can be switched off; use one of {', '.join(SWITCHABLE)}"
                )
            key = SWITCHABLE[name]
            changes[key] = False if key in _BOOL_KEYS else None
            if name == "filter":
                changes["count_unfiltered"] = True
        return self.with_changes(**changes)

    def as_dict(self) -> dict[str, Any]:
        """Every parameter, JSON-ready (for provenance)."""
        return {
            f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self) if f.init
        }


def params_digest(params: TmbParams) -> str:
    """SHA-256 of the parameters' canonical JSON (the key that decides whether a stored result is stale)."""
    text = json.dumps(params.as_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _check(p: TmbParams) -> None:
    def bad(msg: str) -> ConfigError:
        return ConfigError(f"preset {p.name!r}: {msg}")

    for key in _BOOL_KEYS:
        if not isinstance(getattr(p, key), bool):
            raise bad(f"{key} must be true or false, got {getattr(p, key)!r}")
    for key in _FLOAT_KEYS:
        val = getattr(p, key)
        if val is not None and (isinstance(val, bool) or not isinstance(val, (int, float))):
            raise bad(f"{key} must be a number, got {val!r}")
    for key in _TUPLE_KEYS:
        val = getattr(p, key)
        if not isinstance(val, tuple) or not all(isinstance(x, str) for x in val):
            raise bad(f"{key} must be a list of names, got {val!r}")
    if p.consequence_rule not in CONSEQUENCE_RULES:
        raise bad(f"consequence_rule must be one of {', '.join(CONSEQUENCE_RULES)}, got {p.consequence_rule!r}")
    if p.territory_mb is not None and p.territory_mb <= 0:
        raise bad(f"territory_mb must be > 0 (the panel's size in Mb), got {p.territory_mb!r}")
    if p.min_vaf is not None and not 0 <= p.min_vaf <= 1:
        raise bad(f"min_vaf {p.min_vaf} is not a fraction in [0, 1] (write 0.05, not 5)")
    for key in _INT_KEYS:
        val = getattr(p, key)
        if val is not None and (not isinstance(val, int) or isinstance(val, bool) or val < 0):
            raise bad(f"{key} must be a non-negative integer, got {val!r}")
    if p.max_population_af is not None and not 0 <= p.max_population_af <= 1:
        raise bad(f"max_population_af {p.max_population_af} is not a fraction in [0, 1]")
    if p.tmb_high_cutoff < 0:
        raise bad("tmb_high_cutoff must be >= 0")
    bad_choice = set(p.transcript_choice) - {"mane", "canonical"}
    if bad_choice:
        raise bad(f"transcript_choice may name only 'mane' and 'canonical', not {sorted(bad_choice)}")
    try:
        resolve_classes(p.count_classes)
    except KeyError as exc:
        raise bad(
            f"count_classes: {exc.args[0]!r} is neither a class (nonsynonymous, splice_site, "
            "splice_region, synonymous, coding_other) nor a Sequence Ontology term"
        ) from None
    if p.exclude_hotspots and not (p.hotspot_cosmic_id or p.hotspot_min_cosmic_count is not None or p.hotspot_list):
        raise bad("exclude_hotspots needs hotspot_cosmic_id, hotspot_min_cosmic_count or hotspot_list")


def params_from_mapping(data: dict[str, Any], source: str) -> TmbParams:
    """Validate a mapping (from YAML) into :class:`TmbParams`.

    Raises
    ------
    ConfigError
        Naming any unknown key or bad value.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a preset is a YAML mapping of parameter: value")
    known = {f.name for f in fields(TmbParams) if f.init}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    clean = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    for key in _TUPLE_KEYS:
        if isinstance(clean.get(key), str):  # --set count_classes=nonsynonymous, or a YAML scalar
            clean[key] = tuple(x.strip() for x in clean[key].split(",") if x.strip())
    try:
        return TmbParams(**clean)
    except TypeError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_preset(name_or_path: str | os.PathLike[str]) -> TmbParams:
    """A shipped preset by name (:data:`PRESETS`) or a user's YAML file.

    Examples
    --------
    >>> load_preset("f1cdx").count_classes
    ('nonsynonymous', 'splice_site', 'synonymous')
    """
    name = str(name_or_path)
    if name in PRESETS:
        text = resources.files("biomarker.tmb").joinpath(f"presets/{name}.yaml").read_text()
        source = f"preset {name}"
    else:
        path = Path(name)
        if not path.is_file():
            raise ConfigError(f"--preset {name}: neither a shipped preset ({', '.join(PRESETS)}) nor a YAML file")
        text, source = path.read_text(), str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML ({exc})") from None
    if name not in PRESETS and isinstance(data, dict) and isinstance(data.get("hotspot_list"), str):
        # a file named in a preset is found beside the preset, wherever the command is run from
        listed = Path(data["hotspot_list"]).expanduser()
        data["hotspot_list"] = str(listed if listed.is_absolute() else (Path(name).resolve().parent / listed))
    return params_from_mapping(data, source)
