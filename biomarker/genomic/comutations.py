"""Co-mutation flags per tumour from the annotation's gene, consequence and protein change.

Default rules (:data:`DEFAULT_RULES`), each a flag column of ``genomic_features``:

==============  =======  ===================================================================
flag            gene     what sets it
==============  =======  ===================================================================
stk11_lof       STK11    loss of function (Skoulidis 2018, Cancer Discov 8:822)
keap1_lof       KEAP1    loss of function (Ricciuti 2022, J Clin Oncol 40:1311)
kras_mut        KRAS     missense at codon 12, 13 or 61
kras_g12c       KRAS     p.G12C only (the sotorasib/adagrasib target)
tp53_mut        TP53     any protein-altering change (missense, in-frame, loss of function)
egfr_mut        EGFR     L858R, L861Q, G719X, S768I, T790M, exon 19 in-frame deletion
                         (residues 729-761), exon 20 in-frame insertion (residues 762-775)
smarca4_lof     SMARCA4  loss of function
pole_exo        POLE     missense in the exonuclease domain, residues 268-471 (UniProt Q07864)
pold1_exo       POLD1    missense in the exonuclease domain, residues 304-517 (UniProt P28340)
b2m_lof         B2M      loss of function (acquired resistance: Zaretsky 2016, NEJM 375:819)
jak1_lof        JAK1     loss of function (Zaretsky 2016)
jak2_lof        JAK2     loss of function (Zaretsky 2016)
pten_lof        PTEN     loss of function
==============  =======  ===================================================================

Loss of function (:data:`LOF_TERMS`) is a stop gain, frameshift, canonical splice site (acceptor,
donor, or MAF's unsided ``Splice_Site``), start loss or transcript ablation, on the transcript the
annotation was chosen from (MANE Select > canonical > most severe). The rules are data: pass your own
``{flag: Rule}`` mapping (or a YAML file, :func:`rules_from_mapping`) to change them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from biomarker.errors import ConfigError
from biomarker.tmb.annotation_values import AA3

LOF_TERMS: frozenset[str] = frozenset(
    {
        "transcript_ablation",
        "stop_gained",
        "frameshift_variant",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "splice_site_variant",
        "start_lost",
    }
)
PROTEIN_ALTERING: frozenset[str] = LOF_TERMS | {
    "missense_variant",
    "inframe_insertion",
    "inframe_deletion",
    "protein_altering_variant",
    "stop_lost",
}
KINDS = (
    "lof",
    "protein_altering",
    "missense_residues",
    "protein_changes",
    "inframe_del_residues",
    "inframe_ins_residues",
)

_HGVSP = re.compile(r"p\.\(?([A-Z][a-z]{2}|[A-Z*])(\d+)([A-Z][a-z]{2}|[A-Z*=?]|_|fs|del|ins|dup)?")


@dataclass(frozen=True)
class ProteinChange:
    """The first residue named by an HGVS protein change: ``p.Gly12Cys`` -> ``G``, 12, ``C``."""

    ref: str
    position: int
    alt: str

    @property
    def short(self) -> str:
        """One-letter form, e.g. ``G12C``."""
        return f"{self.ref}{self.position}{self.alt}"


def parse_hgvsp(text: str) -> ProteinChange | None:
    """Parse an HGVS protein change (three- or one-letter, with or without the ``ENSP...:`` prefix).

    Examples
    --------
    >>> parse_hgvsp("ENSP00000308495.3:p.Gly12Cys").short
    'G12C'
    >>> parse_hgvsp("p.G12C").short, parse_hgvsp("p.E746_A750del").position, parse_hgvsp("")
    ('G12C', 746, None)
    """
    if not text:
        return None
    m = _HGVSP.search(text.replace("%3D", "="))
    if not m:
        return None
    ref = AA3.get(m.group(1), m.group(1))
    tail = m.group(3) or ""
    alt = AA3.get(tail, tail if len(tail) == 1 else "")
    return ProteinChange(ref, int(m.group(2)), alt)


def protein_from_fields(position: str, amino_acids: str) -> ProteinChange | None:
    """A protein change from VEP's ``Protein_position`` and ``Amino_acids`` (when ``HGVSp`` is absent).

    Examples
    --------
    >>> protein_from_fields("12", "G/C").short, protein_from_fields("746-750", "ELREA/-").position
    ('G12C', 746)
    >>> protein_from_fields("", "G/C") is None, protein_from_fields("37", "Q/*").short
    (True, 'Q37*')
    """
    m = re.match(r"(\d+)", position or "")
    if not m or not amino_acids:
        return None
    ref, _, alt = amino_acids.partition("/")
    return ProteinChange(ref[:1], int(m.group(1)), (alt or ref)[:1] if alt != "-" else "")


@dataclass(frozen=True)
class Rule:
    """What sets one co-mutation flag.

    Parameters
    ----------
    gene
        HGNC symbol as the annotation writes it.
    kind
        ``lof``; ``protein_altering``; ``missense_residues`` (missense at a residue in ``residues``);
        ``protein_changes`` (one-letter changes in ``changes``, ``X`` as the ALT matching any, e.g. ``G719X``);
        or, for EGFR-style rules, any of those OR-ed through ``also``.
    residues
        Inclusive residue ranges ``((start, end), ...)`` for the residue-based kinds.
    changes
        One-letter protein changes (``G12C``) for ``protein_changes``.
    also
        Further rules whose hits also set this flag.
    """

    gene: str
    kind: str
    residues: tuple[tuple[int, int], ...] = ()
    changes: tuple[str, ...] = ()
    also: tuple[Rule, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"co-mutation rule for {self.gene}: kind {self.kind!r} is not one of {', '.join(KINDS)}")

    def _in_residues(self, pos: int) -> bool:
        return any(lo <= pos <= hi for lo, hi in self.residues)

    def matches(self, gene: str, consequence: str, protein: ProteinChange | None) -> bool:
        """Whether one annotated allele (SO ``consequence``, possibly ``&``-joined) sets the flag."""
        if gene == self.gene and self._own(set(consequence.split("&")), protein):
            return True
        return any(r.matches(gene, consequence, protein) for r in self.also)

    def _own(self, terms: set[str], protein: ProteinChange | None) -> bool:
        if self.kind == "lof":
            return bool(terms & LOF_TERMS)
        if self.kind == "protein_altering":
            return bool(terms & PROTEIN_ALTERING)
        if protein is None:
            return False
        if self.kind == "missense_residues":
            return "missense_variant" in terms and self._in_residues(protein.position)
        if self.kind == "inframe_del_residues":
            return "inframe_deletion" in terms and self._in_residues(protein.position)
        if self.kind == "inframe_ins_residues":
            return "inframe_insertion" in terms and self._in_residues(protein.position)
        short = protein.short
        return any(
            short == c or (c.endswith("X") and short[:-1] == c[:-1] and protein.alt not in ("", "="))
            for c in self.changes
        )


#: The documented default flags (see the module docstring).
DEFAULT_RULES: dict[str, Rule] = {
    "stk11_lof": Rule("STK11", "lof"),
    "keap1_lof": Rule("KEAP1", "lof"),
    "kras_mut": Rule("KRAS", "missense_residues", residues=((12, 13), (61, 61))),
    "kras_g12c": Rule("KRAS", "protein_changes", changes=("G12C",)),
    "tp53_mut": Rule("TP53", "protein_altering"),
    "egfr_mut": Rule(
        "EGFR",
        "protein_changes",
        changes=("L858R", "L861Q", "G719X", "S768I", "T790M"),
        also=(
            Rule("EGFR", "inframe_del_residues", residues=((729, 761),)),
            Rule("EGFR", "inframe_ins_residues", residues=((762, 775),)),
        ),
    ),
    "smarca4_lof": Rule("SMARCA4", "lof"),
    "pole_exo": Rule("POLE", "missense_residues", residues=((268, 471),)),
    "pold1_exo": Rule("POLD1", "missense_residues", residues=((304, 517),)),
    "b2m_lof": Rule("B2M", "lof"),
    "jak1_lof": Rule("JAK1", "lof"),
    "jak2_lof": Rule("JAK2", "lof"),
    "pten_lof": Rule("PTEN", "lof"),
}


def rule_genes(rules: Mapping[str, Rule]) -> frozenset[str]:
    """Every gene any rule looks at (to skip parsing annotation of other genes)."""
    out: set[str] = set()
    stack = list(rules.values())
    while stack:
        r = stack.pop()
        out.add(r.gene)
        stack.extend(r.also)
    return frozenset(out)


def rules_from_mapping(data: Mapping[str, Any]) -> dict[str, Rule]:
    """Rules from a mapping (e.g. a YAML file): ``{flag: {gene, kind, residues, changes}}``.

    Examples
    --------
    >>> rules_from_mapping({"kras_g12d": {"gene": "KRAS", "kind": "protein_changes", "changes": ["G12D"]}})
    {'kras_g12d': Rule(gene='KRAS', kind='protein_changes', residues=(), changes=('G12D',), also=())}
    """
    out: dict[str, Rule] = {}
    for flag, spec in data.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(flag)):
            raise ConfigError(f"co-mutation flag {flag!r}: use a snake_case column name such as stk11_lof")
        if not isinstance(spec, Mapping) or "gene" not in spec or "kind" not in spec:
            raise ConfigError(f"co-mutation flag {flag!r}: give at least gene and kind")
        out[str(flag)] = Rule(
            str(spec["gene"]),
            str(spec["kind"]),
            tuple(tuple(int(x) for x in r) for r in spec.get("residues", ())),  # type: ignore[misc]
            tuple(str(c) for c in spec.get("changes", ())),
        )
    return out


def load_rules(path: str | os.PathLike[str]) -> dict[str, Rule]:
    """The default rules changed by a YAML file: each flag added or replaced; a flag set to null removed.

    Example file::

        kras_g12d: {gene: KRAS, kind: protein_changes, changes: [G12D]}
        keap1_lof: {gene: KEAP1, kind: protein_altering}   # count KEAP1 missense too
        pten_lof: null                                     # drop the flag

    Raises
    ------
    ConfigError
        For an unreadable file or a malformed rule.
    """
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"co-mutation rules {path}: {exc}") from None
    if not isinstance(data, Mapping):
        raise ConfigError(f"co-mutation rules {path}: expected a mapping of flag -> rule")
    rules = dict(DEFAULT_RULES)
    for flag in [f for f, spec in data.items() if spec is None]:
        rules.pop(str(flag), None)
    rules.update(rules_from_mapping({f: spec for f, spec in data.items() if spec is not None}))
    return rules
