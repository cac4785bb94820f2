"""Write a planted tumour as a vcf2maf-style MAF (one row per record, the best-supported ALT)."""

from __future__ import annotations

import re
from pathlib import Path

from biomarker.simulate._io import atomic_write_text
from biomarker.simulate.somatic import Allele, Record
from biomarker.simulate.somatic_vcf import sort_records
from biomarker.simulate.vep import RANK, choose_transcript

MAF_COLUMNS: tuple[str, ...] = (
    "Hugo_Symbol",
    "Entrez_Gene_Id",
    "Center",
    "NCBI_Build",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Strand",
    "Variant_Classification",
    "Variant_Type",
    "Reference_Allele",
    "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2",
    "dbSNP_RS",
    "Tumor_Sample_Barcode",
    "Matched_Norm_Sample_Barcode",
    "HGVSc",
    "HGVSp",
    "HGVSp_Short",
    "Transcript_ID",
    "Exon_Number",
    "t_depth",
    "t_ref_count",
    "t_alt_count",
    "n_depth",
    "n_ref_count",
    "n_alt_count",
    "Consequence",
    "IMPACT",
    "CANONICAL",
    "MANE_SELECT",
    "FILTER",
    "gnomAD_AF",
    "gnomADg_AF",
    "MAX_AF",
)

_CLASS = {
    "splice_acceptor_variant": "Splice_Site",
    "splice_donor_variant": "Splice_Site",
    "stop_gained": "Nonsense_Mutation",
    "stop_lost": "Nonstop_Mutation",
    "start_lost": "Translation_Start_Site",
    "inframe_insertion": "In_Frame_Ins",
    "inframe_deletion": "In_Frame_Del",
    "missense_variant": "Missense_Mutation",
    "protein_altering_variant": "Missense_Mutation",
    "splice_region_variant": "Splice_Region",
    "synonymous_variant": "Silent",
    "5_prime_UTR_variant": "5'UTR",
    "3_prime_UTR_variant": "3'UTR",
    "intron_variant": "Intron",
    "intergenic_variant": "IGR",
    "non_coding_transcript_exon_variant": "RNA",
}
_AA3 = {
    "Ala": "A",
    "Arg": "R",
    "Asn": "N",
    "Asp": "D",
    "Cys": "C",
    "Gln": "Q",
    "Glu": "E",
    "Gly": "G",
    "His": "H",
    "Ile": "I",
    "Leu": "L",
    "Lys": "K",
    "Met": "M",
    "Phe": "F",
    "Pro": "P",
    "Ser": "S",
    "Thr": "T",
    "Trp": "W",
    "Tyr": "Y",
    "Val": "V",
    "Ter": "*",
}


def variant_classification(consequence: str, variant_type: str) -> str:
    """vcf2maf Variant_Classification of an ``&``-joined VEP consequence."""
    term = min(consequence.split("&"), key=lambda t: RANK.get(t, len(RANK)))
    if term == "frameshift_variant":
        return "Frame_Shift_Del" if variant_type == "DEL" else "Frame_Shift_Ins"
    return _CLASS.get(term, "Targeted_Region")


def hgvsp_short(hgvsp: str) -> str:
    """``ENSP..:p.Gly12Cys`` -> ``p.G12C`` (``%3D`` -> ``=``)."""
    if not hgvsp:
        return ""
    text = hgvsp.split(":", 1)[-1].replace("%3D", "=")
    return re.sub("|".join(_AA3), lambda m: _AA3[m.group(0)], text)


def maf_allele(rec: Record) -> Allele:
    """The ALT vcf2maf keeps for a multi-allelic record: the one with most tumour reads."""
    return max(rec.alts, key=lambda a: a.t_alt)


def maf_row(rec: Record, tumour: str, normal: str) -> list[str]:
    """One MAF row (MAF coordinates: indels without the anchor base, ``-`` for the empty allele)."""
    allele = maf_allele(rec)
    ref, alt = rec.ref, allele.alt
    if len(ref) == len(alt) == 1:
        vtype, start, end, m_ref, m_alt = "SNP", rec.pos, rec.pos, ref, alt
    elif len(alt) > len(ref):
        vtype, start, end, m_ref, m_alt = "INS", rec.pos, rec.pos + 1, "-", alt[1:]
    else:
        vtype, start, end = "DEL", rec.pos + 1, rec.pos + len(ref) - 1
        m_ref, m_alt = ref[1:], "-"
    chosen = choose_transcript(allele.hits)
    f = chosen.fields if chosen else {}
    cons = f.get("Consequence", "intergenic_variant")
    rs = next((x for x in allele.pop.existing.split("&") if x.startswith("rs")), "")
    t_reads = rec.t_reads
    return [
        f.get("SYMBOL", "") or "Unknown",
        "0",
        ".",
        "GRCh38",
        rec.contig,
        str(start),
        str(end),
        "+",
        variant_classification(cons, vtype),
        vtype,
        m_ref,
        m_ref,
        m_alt,
        rs or "novel",
        tumour,
        normal,
        f.get("HGVSc", "").split(":", 1)[-1],
        f.get("HGVSp", "").split(":", 1)[-1],
        hgvsp_short(f.get("HGVSp", "")),
        f.get("Feature", ""),
        f.get("EXON", ""),
        str(t_reads),
        str(rec.t_ref),
        str(allele.t_alt),
        str(rec.n_reads),
        str(rec.n_ref),
        str(allele.n_alt),
        cons,
        f.get("IMPACT", "MODIFIER"),
        f.get("CANONICAL", ""),
        f.get("MANE_SELECT", ""),
        rec.filter,
        f.get("gnomADe_AF", ""),
        f.get("gnomADg_AF", ""),
        f.get("MAX_AF", ""),
    ]


def write_maf(records: list[Record], path: Path, tumour: str, normal: str) -> Path:
    """Write a MAF 2.4 file (``#version 2.4`` line, tab-separated) atomically."""
    lines = ["#version 2.4", "\t".join(MAF_COLUMNS)]
    lines += ["\t".join(maf_row(rec, tumour, normal)) for rec in sort_records(records)]
    return atomic_write_text(Path(path), "\n".join(lines) + "\n")
