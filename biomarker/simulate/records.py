"""The records a simulated tumour's VCF is written from, and the ``wes`` rules that judge each ALT.

Rules (``wes``), each ALT judged on its own, first failing rule is the reason:
``filter`` (FILTER != PASS), ``territory`` (position not in the BED), ``vaf`` (tumour AF < 0.05),
``depth`` (tumour DP < 20), ``alt_depth`` (tumour alt reads < 3), ``population_af``
(max of gnomADe_AF, gnomADg_AF, MAX_AF > 0.001, absent = 0), ``consequence`` (chosen transcript,
MANE Select > CANONICAL=YES > most severe, not nonsynonymous/splice-site).

This is the simulator's own statement of the rules (it imports no reader or domain module), so a bug in the
TMB engine cannot shape the truth it is tested against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from biomarker.simulate.vep import PopAF, TranscriptHit, is_counted_consequence

MIN_VAF = 0.05
MIN_DEPTH = 20
MIN_ALT = 3
MAX_POP_AF = 0.001

#: Consequence kinds planted as indels (no SBS context).
INDEL_KINDS = frozenset({"frameshift_del", "frameshift_ins", "inframe_del", "inframe_ins"})
REASONS = ("filter", "territory", "vaf", "depth", "alt_depth", "population_af", "consequence")


@dataclass
class Allele:
    """One ALT of a record, with the tumour/normal read support and its annotation."""

    alt: str
    t_alt: int
    n_alt: int
    pop: PopAF
    hits: list[TranscriptHit]
    intent: str
    expected: str  # "counted" or the reason it must be dropped for
    fate: str = ""
    reasons: str = ""
    chosen_consequence: str = ""
    chosen_feature: str = ""


@dataclass
class Record:
    """One VCF record (possibly multi-allelic)."""

    contig: str
    pos: int
    ref: str
    alts: list[Allele]
    filter: str
    t_ref: int
    t_extra: int
    n_ref: int
    n_extra: int
    in_bed: bool
    germline: bool = False
    info: dict[str, str] = field(default_factory=dict)

    @property
    def t_reads(self) -> int:
        """Tumour reads supporting REF or an ALT (sum of tumour AD)."""
        return self.t_ref + sum(a.t_alt for a in self.alts)

    @property
    def t_dp(self) -> int:
        """Tumour FORMAT/DP (AD sum plus a few uninformative reads)."""
        return self.t_reads + self.t_extra

    @property
    def n_reads(self) -> int:
        """Normal reads supporting REF or an ALT (sum of normal AD)."""
        return self.n_ref + sum(a.n_alt for a in self.alts)

    @property
    def n_dp(self) -> int:
        """Normal FORMAT/DP."""
        return self.n_reads + self.n_extra

    def t_af(self, i: int) -> str:
        """Tumour AF of ALT ``i`` as written (3 decimals)."""
        return f"{self.alts[i].t_alt / max(self.t_reads, 1):.3f}"

    def n_af(self, i: int) -> str:
        """Normal AF as Mutect2 reports it (never exactly 0)."""
        return f"{(self.alts[i].n_alt + 0.5) / (self.n_reads + 1.0):.3f}"


def judge(filter_: str, in_bed: bool, af: float, dp: int, alt_reads: int, pop_af: float, consequence: str) -> list[str]:
    """All ``wes`` rules an allele fails, in rule order (empty list = counted)."""
    failed = []
    if filter_ != "PASS":
        failed.append("filter")
    if not in_bed:
        failed.append("territory")
    if af < MIN_VAF:
        failed.append("vaf")
    if dp < MIN_DEPTH:
        failed.append("depth")
    if alt_reads < MIN_ALT:
        failed.append("alt_depth")
    if pop_af > MAX_POP_AF:
        failed.append("population_af")
    if not is_counted_consequence(consequence):
        failed.append("consequence")
    return failed
