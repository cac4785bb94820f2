"""The coding-transcript fields of a CSQ entry (cDNA/CDS/protein positions, HGVSc, HGVSp, codons, amino acids)
on the synthetic gene model."""

from __future__ import annotations

import numpy as np

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


def locate_exon(gene: Gene, pos0: int) -> tuple[int, bool]:
    """Nearest exon (genomic order) and whether ``pos0`` is inside it."""
    starts, ends = gene.exon_starts, gene.exon_ends
    i = int(np.searchsorted(starts, pos0, side="right")) - 1
    if i >= 0 and pos0 < ends[i]:
        return i, True
    if i < 0:
        return 0, False
    if i + 1 < len(starts) and starts[i + 1] - pos0 < pos0 - ends[i] + 1:
        return i + 1, False
    return i, False


def cds_offset(gene: Gene, pos0: int, exon_idx: int) -> int:
    """1-based position in the spliced transcript of 0-based genomic ``pos0`` in ``exon_idx``."""
    lengths = (gene.exon_ends - gene.exon_starts).tolist()
    if gene.strand > 0:
        return int(sum(lengths[:exon_idx]) + (pos0 - gene.exon_starts[exon_idx]) + 1)
    return int(sum(lengths[exon_idx + 1 :]) + (gene.exon_ends[exon_idx] - 1 - pos0) + 1)


def coding_fields(
    f: dict[str, str],
    gene: Gene,
    pos0: int,
    exon_idx: int,
    in_exon: bool,
    ref: str,
    alt: str,
    cons: str,
    aa_ref: str,
    aa_alt: str,
    tx: str,
    k: int,
) -> None:
    strand_ref = ref if gene.strand > 0 else ref.translate(_COMPLEMENT)[::-1]
    strand_alt = alt if gene.strand > 0 else alt.translate(_COMPLEMENT)[::-1]
    ensp = f"ENSP9{(gene.index + 1) * 10 + k:010d}.1"
    terms = cons.split("&")
    if not in_exon:
        edge = gene.exon_ends[exon_idx] - 1 if pos0 >= gene.exon_ends[exon_idx] else gene.exon_starts[exon_idx]
        cds = cds_offset(gene, int(edge), exon_idx) + 40 * k
        dist = abs(pos0 - int(edge))
        after = (pos0 > edge) == (gene.strand > 0)
        sign = "+" if after else "-"
        if len(ref) == len(alt) == 1:
            f["HGVSc"] = f"{tx}:c.{cds}{sign}{dist}{strand_ref}>{strand_alt}"
        return
    cds = cds_offset(gene, pos0, exon_idx) + 40 * k
    prot = (cds + 2) // 3
    f["cDNA_position"] = str(cds + 120)
    if "5_prime_UTR_variant" in terms:
        f["HGVSc"] = f"{tx}:c.-{cds}{strand_ref}>{strand_alt}"
        f["cDNA_position"] = str(cds)
        return
    if "3_prime_UTR_variant" in terms:
        f["HGVSc"] = f"{tx}:c.*{cds}{strand_ref}>{strand_alt}"
        return
    f["CDS_position"] = str(cds)
    f["Protein_position"] = str(prot)
    if len(ref) == len(alt) == 1:
        f["HGVSc"] = f"{tx}:c.{cds}{strand_ref}>{strand_alt}"
        codon = ["a", "c", "g"]
        frame = (cds - 1) % 3
        ref_codon = "".join(strand_ref if i == frame else codon[i] for i in range(3))
        alt_codon = "".join(strand_alt.upper() if i == frame else codon[i] for i in range(3))
        ref_codon = ref_codon[:frame] + strand_ref.upper() + ref_codon[frame + 1 :]
        f["Codons"] = f"{ref_codon}/{alt_codon}"
    elif len(alt) > len(ref):
        ins = strand_alt[1:] if gene.strand > 0 else strand_alt[:-1]
        f["HGVSc"] = f"{tx}:c.{cds}_{cds + 1}ins{ins}"
        f["CDS_position"] = f"{cds}-{cds + 1}"
    else:
        n_del = len(ref) - len(alt)
        f["HGVSc"] = f"{tx}:c.{cds}_{cds + n_del - 1}del" if n_del > 1 else f"{tx}:c.{cds}del"
        f["CDS_position"] = f"{cds}-{cds + n_del - 1}" if n_del > 1 else str(cds)
    a1, a2 = AA1[aa_ref], AA1[aa_alt]
    if "missense_variant" in terms:
        f["HGVSp"], f["Amino_acids"] = f"{ensp}:p.{aa_ref}{prot}{aa_alt}", f"{a1}/{a2}"
    elif "synonymous_variant" in terms:
        f["HGVSp"], f["Amino_acids"] = f"{ensp}:p.{aa_ref}{prot}%3D", a1
    elif "stop_gained" in terms:
        f["HGVSp"], f["Amino_acids"] = f"{ensp}:p.{aa_ref}{prot}Ter", f"{a1}/*"
    elif "stop_lost" in terms:
        f["HGVSp"], f["Amino_acids"] = f"{ensp}:p.Ter{prot}{aa_alt}extTer{prot % 40 + 3}", f"*/{a2}"
    elif "start_lost" in terms:
        f["HGVSp"], f["Amino_acids"] = f"{ensp}:p.Met1?", f"M/{a2}"
    elif "frameshift_variant" in terms:
        f["HGVSp"] = f"{ensp}:p.{aa_ref}{prot}{aa_alt}fsTer{prot % 30 + 2}"
        f["Amino_acids"] = f"{a1}/X"
    elif "inframe_deletion" in terms:
        f["HGVSp"] = f"{ensp}:p.{aa_ref}{prot}del"
        f["Amino_acids"] = f"{a1}/-"
    elif "inframe_insertion" in terms:
        f["HGVSp"] = f"{ensp}:p.{aa_ref}{prot}_{aa_alt}{prot + 1}ins{aa_alt}"
        f["Amino_acids"] = f"-/{a2}"
