"""The coding-transcript fields of a CSQ entry (cDNA/CDS/protein positions, HGVSc, HGVSp, codons, amino acids)
on the synthetic gene model."""

from __future__ import annotations

import bisect
from typing import NamedTuple

from biomarker.simulate.genome import Gene

AMINO_ACIDS = (
    "Ala",
    "Arg",
    "Asn",
    "Asp",
    "Cys",
    "Gln",
    "Glu",
    "Gly",
    "His",
    "Ile",
    "Leu",
    "Lys",
    "Met",
    "Phe",
    "Pro",
    "Ser",
    "Thr",
    "Trp",
    "Tyr",
    "Val",
)
AA1 = dict(zip(AMINO_ACIDS, "ARNDCQEGHILKMFPSTWYV", strict=True))
_COMPLEMENT = str.maketrans("ACGT", "TGCA")
_CODON = "acg"


def exon_lists(gene: Gene) -> tuple[list[int], list[int], list[int]]:
    """The gene's exon starts, ends and spliced lengths before each exon (plain lists, memoised on the gene)."""
    lists = gene.memo.get("exon_lists")
    if lists is None:
        starts, ends = gene.exon_starts.tolist(), gene.exon_ends.tolist()
        before = [0]
        for s, e in zip(starts, ends, strict=True):
            before.append(before[-1] + e - s)
        lists = gene.memo["exon_lists"] = (starts, ends, before)
    return lists


def locate_exon(gene: Gene, pos0: int) -> tuple[int, bool]:
    """Nearest exon (genomic order) and whether ``pos0`` is inside it."""
    starts, ends, _ = exon_lists(gene)
    i = bisect.bisect_right(starts, pos0) - 1
    if i >= 0 and pos0 < ends[i]:
        return i, True
    if i < 0:
        return 0, False
    if i + 1 < len(starts) and starts[i + 1] - pos0 < pos0 - ends[i] + 1:
        return i + 1, False
    return i, False


def cds_offset(gene: Gene, pos0: int, exon_idx: int) -> int:
    """1-based position in the spliced transcript of 0-based genomic ``pos0`` in ``exon_idx``."""
    starts, ends, before = exon_lists(gene)
    if gene.strand > 0:
        return before[exon_idx] + (pos0 - starts[exon_idx]) + 1
    return before[-1] - before[exon_idx + 1] + (ends[exon_idx] - 1 - pos0) + 1


class CodingSite(NamedTuple):
    """What the coding fields of every transcript share for one allele (computed once per allele).

    ``cds`` is the 1-based spliced position on transcript 1 (transcript ``k`` adds ``40 * k``); for an intronic
    allele it is that of the nearest exon edge, ``dist`` the distance to that edge and ``sign`` the HGVS side.
    """

    in_exon: bool
    snv: bool
    ref: str
    alt: str
    strand_ref: str
    strand_alt: str
    plus: bool
    cds: int
    dist: int = 0
    sign: str = ""


def coding_site(gene: Gene, pos0: int, exon_idx: int, in_exon: bool, ref: str, alt: str) -> CodingSite:
    """The :class:`CodingSite` of ``ref``/``alt`` at 0-based ``pos0`` near or in exon ``exon_idx``."""
    plus = gene.strand > 0
    strand_ref = ref if plus else ref.translate(_COMPLEMENT)[::-1]
    strand_alt = alt if plus else alt.translate(_COMPLEMENT)[::-1]
    snv = len(ref) == len(alt) == 1
    if in_exon:
        return CodingSite(True, snv, ref, alt, strand_ref, strand_alt, plus, cds_offset(gene, pos0, exon_idx))
    starts, ends, _ = exon_lists(gene)
    edge = ends[exon_idx] - 1 if pos0 >= ends[exon_idx] else starts[exon_idx]
    sign = "+" if (pos0 > edge) == plus else "-"
    cds = cds_offset(gene, edge, exon_idx)
    return CodingSite(False, snv, ref, alt, strand_ref, strand_alt, plus, cds, abs(pos0 - edge), sign)


#: The CSQ sub-fields :func:`coding_fields` returns, in their order in an entry (consecutive there).
CODING_FIELDS = ("HGVSc", "HGVSp", "cDNA_position", "CDS_position", "Protein_position", "Amino_acids", "Codons")


def coding_fields(
    site: CodingSite, cons: str, aa_ref: str, aa_alt: str, tx: str, ensp: str, k: int
) -> tuple[str, str, str, str, str, str, str]:
    """The :data:`CODING_FIELDS` of transcript ``k`` (``tx``, protein ``ensp``) with consequence ``cons``."""
    strand_ref, strand_alt = site.strand_ref, site.strand_alt
    cds = site.cds + 40 * k
    if not site.in_exon:
        hgvsc = f"{tx}:c.{cds}{site.sign}{site.dist}{strand_ref}>{strand_alt}" if site.snv else ""
        return hgvsc, "", "", "", "", "", ""
    terms = cons.split("&")
    if "5_prime_UTR_variant" in terms:
        return f"{tx}:c.-{cds}{strand_ref}>{strand_alt}", "", str(cds), "", "", "", ""
    if "3_prime_UTR_variant" in terms:
        return f"{tx}:c.*{cds}{strand_ref}>{strand_alt}", "", str(cds + 120), "", "", "", ""
    prot = (cds + 2) // 3
    cds_position, codons = str(cds), ""
    ref, alt = site.ref, site.alt
    if site.snv:
        hgvsc = f"{tx}:c.{cds}{strand_ref}>{strand_alt}"
        frame = (cds - 1) % 3  # the changed base, upper case, in the placeholder codon "acg"
        before, after = _CODON[:frame], _CODON[frame + 1 :]
        codons = f"{before}{strand_ref.upper()}{after}/{before}{strand_alt.upper()}{after}"
    elif len(alt) > len(ref):
        ins = strand_alt[1:] if site.plus else strand_alt[:-1]
        hgvsc = f"{tx}:c.{cds}_{cds + 1}ins{ins}"
        cds_position = f"{cds}-{cds + 1}"
    else:
        n_del = len(ref) - len(alt)
        hgvsc = f"{tx}:c.{cds}_{cds + n_del - 1}del" if n_del > 1 else f"{tx}:c.{cds}del"
        cds_position = f"{cds}-{cds + n_del - 1}" if n_del > 1 else str(cds)
    hgvsp, amino_acids = _protein_change(terms, ensp, prot, aa_ref, aa_alt)
    return hgvsc, hgvsp, str(cds + 120), cds_position, str(prot), amino_acids, codons


def _protein_change(terms: list[str], ensp: str, prot: int, aa_ref: str, aa_alt: str) -> tuple[str, str]:
    """HGVSp and Amino_acids of a coding change at protein position ``prot`` (empty when none applies)."""
    a1, a2 = AA1[aa_ref], AA1[aa_alt]
    if "missense_variant" in terms:
        return f"{ensp}:p.{aa_ref}{prot}{aa_alt}", f"{a1}/{a2}"
    if "synonymous_variant" in terms:
        return f"{ensp}:p.{aa_ref}{prot}%3D", a1
    if "stop_gained" in terms:
        return f"{ensp}:p.{aa_ref}{prot}Ter", f"{a1}/*"
    if "stop_lost" in terms:
        return f"{ensp}:p.Ter{prot}{aa_alt}extTer{prot % 40 + 3}", f"*/{a2}"
    if "start_lost" in terms:
        return f"{ensp}:p.Met1?", f"M/{a2}"
    if "frameshift_variant" in terms:
        return f"{ensp}:p.{aa_ref}{prot}{aa_alt}fsTer{prot % 30 + 2}", f"{a1}/X"
    if "inframe_deletion" in terms:
        return f"{ensp}:p.{aa_ref}{prot}del", f"{a1}/-"
    if "inframe_insertion" in terms:
        return f"{ensp}:p.{aa_ref}{prot}_{aa_alt}{prot + 1}ins{aa_alt}", f"-/{a2}"
    return "", ""
