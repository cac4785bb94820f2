"""Write planted tumours as Mutect2 + VEP VCFs (bgzip + tabix), tumour/normal or tumour-only."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import pysam

from biomarker.simulate.genome import CONTIG_INDEX, CONTIGS
from biomarker.simulate.somatic import Record
from biomarker.simulate.vep import CSQ_FIELDS

_FILTER_LINES = (
    ("PASS", "All filters passed"),
    ("base_qual", "alt median base quality"),
    ("clustered_events", "Clustered events observed in the tumor"),
    ("contamination", "contamination"),
    ("duplicate", "evidence for alt allele is overrepresented by apparent duplicates"),
    ("fragment", "abs(ref - alt) median fragment length"),
    ("germline", "Evidence indicates this site is germline, not somatic"),
    ("haplotype", "Variant near filtered variant on same haplotype."),
    ("low_allele_frac", "Allele fraction is below specified threshold"),
    ("map_qual", "ref - alt median mapping quality"),
    ("multiallelic", "Site filtered because too many alt alleles pass tumor LOD"),
    ("n_ratio", "Ratio of N to alt exceeds specified ratio"),
    ("normal_artifact", "artifact_in_normal"),
    ("orientation", "orientation bias detected by the orientation bias mixture model"),
    ("panel_of_normals", "Blacklisted site in panel of normals"),
    ("position", "median distance of alt variants from end of reads"),
    ("possible_numt", "Allele depth is below expected coverage of NuMT in autosome"),
    ("slippage", "Site filtered due to contraction of short tandem repeat region"),
    ("strand_bias", "Evidence for alt allele comes from one read direction only"),
    ("strict_strand", "Evidence for alt allele is not represented in both directions"),
    ("weak_evidence", "Mutation does not meet likelihood threshold"),
)

_INFO_LINES = (
    '##INFO=<ID=AS_FilterStatus,Number=A,Type=String,Description="Filter status for each allele, as '
    "assessed by ApplyVQSR. Note that the VCF filter field will reflect the most lenient/sensitive status "
    'across all alleles.">',
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
    + "|".join(CSQ_FIELDS)
    + '">',
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth; some reads may have been filtered">',
    '##INFO=<ID=ECNT,Number=1,Type=Integer,Description="Number of events in this haplotype">',
    '##INFO=<ID=GERMQ,Number=1,Type=Integer,Description="Phred-scaled quality that alt alleles are not '
    'germline variants">',
    '##INFO=<ID=MBQ,Number=R,Type=Integer,Description="median base quality by allele">',
    '##INFO=<ID=MFRL,Number=R,Type=Integer,Description="median fragment length by allele">',
    '##INFO=<ID=MMQ,Number=R,Type=Integer,Description="median mapping quality by allele">',
    '##INFO=<ID=MPOS,Number=A,Type=Integer,Description="median distance from end of read">',
    '##INFO=<ID=NALOD,Number=A,Type=Float,Description="Negative log 10 odds of artifact in normal with same '
    'allele fraction as tumor">',
    '##INFO=<ID=NLOD,Number=A,Type=Float,Description="Normal log 10 likelihood ratio of diploid het or hom '
    'alt genotypes">',
    '##INFO=<ID=POPAF,Number=A,Type=Float,Description="negative log 10 population allele frequencies of alt alleles">',
    '##INFO=<ID=TLOD,Number=A,Type=Float,Description="Log 10 likelihood ratio score of variant existing versus '
    'not existing">',
)


def header_lines(tumour: str, normal: str | None) -> list[str]:
    """Header of a Mutect2 (FilterMutectCalls) + VEP VCF, without the ``#CHROM`` line."""
    lines = ["##fileformat=VCFv4.2"]
    lines += [f'##FILTER=<ID={fid},Description="{desc}">' for fid, desc in _FILTER_LINES]
    lines += [
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles in the '
        'order listed">',
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles in the tumor">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth (reads with MQ=255 or with '
        'bad mates are filtered)">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##GATKCommandLine=<ID=FilterMutectCalls,CommandLine="FilterMutectCalls --output filtered.vcf.gz '
        '--variant unfiltered.vcf.gz --reference GRCh38.fa",Version="4.4.0.0">',
    ]
    lines += list(_INFO_LINES)
    lines.append("##MutectVersion=2.2")
    lines.append(
        '##VEP="v110" cache="homo_sapiens/110_GRCh38" ensembl=110.584a8f3 ensembl-variation=110.d34d25e '
        'assembly="GRCh38.p14" gnomADe="r2.1.1" gnomADg="v3.1.2"'
    )
    lines += [f"##contig=<ID={name},length={length}>" for name, length in CONTIGS]
    if normal is not None:
        lines.append(f"##normal_sample={normal}")
    lines.append("##reference=file:///references/GRCh38/GRCh38.primary_assembly.fa")
    lines.append("##source=Mutect2")
    lines.append(f"##tumor_sample={tumour}")
    return lines


def format_record(rec: Record, tumour_only: bool, ecnt: int) -> str:
    """One VCF data line (no trailing newline)."""
    alts = rec.alts
    n_alt = len(alts)
    pos = rec.pos
    t_reads = rec.t_reads  # the properties below sum the alleles on every call: read them once
    t_dp = t_reads + rec.t_extra
    n_reads = rec.n_reads
    n_dp = n_reads + rec.n_extra
    pops = []
    for a in alts:
        v = a.pop.value
        pops.append("7.30" if v <= 0 else f"{-math.log10(v):.2f}")
    info = [
        "AS_FilterStatus=" + ",".join(["SITE"] * n_alt),
        f"DP={t_dp + (0 if tumour_only else n_dp)}",
        f"ECNT={ecnt}",
        f"GERMQ={3 if rec.germline else 93 - (pos % 40)}",
        "MBQ=" + ",".join(["30"] + ["20" if a.t_alt < 3 else "30" for a in alts]),
        "MFRL=" + ",".join(["167"] + [str(150 + (pos + i) % 40) for i in range(n_alt)]),
        "MMQ=" + ",".join(["60"] * (n_alt + 1)),
        "MPOS=" + ",".join([str(10 + (pos + 7 * i) % 30) for i in range(n_alt)]),
    ]
    if not tumour_only:
        info.append("NALOD=" + ",".join([f"{(-1.2 if a.n_alt > 2 else 1.9 + (n_reads % 7) / 10):.2f}" for a in alts]))
        info.append("NLOD=" + ",".join([f"{(0.0 if a.n_alt > 2 else n_reads * 0.2):.2f}" for a in alts]))
    info.append("POPAF=" + ",".join(pops))
    info.append("TLOD=" + ",".join([f"{a.t_alt * 3.05 + 1.7:.2f}" for a in alts]))
    info.append("CSQ=" + ",".join([h.render() for a in alts for h in a.hits]))
    gt_t = "/".join(["0"] + [str(i + 1) for i in range(n_alt)]) if n_alt > 1 else "0/1"
    t_af = ",".join([f"{a.t_alt / max(t_reads, 1):.3f}" for a in alts])  # = rec.t_af(i)
    tumour = f"{gt_t}:{','.join([str(rec.t_ref)] + [str(a.t_alt) for a in alts])}:{t_af}:{t_dp}"
    cols = [
        rec.contig,
        str(pos),
        ".",
        rec.ref,
        ",".join([a.alt for a in alts]),
        ".",
        rec.filter,
        ";".join(info),
        "GT:AD:AF:DP",
    ]
    if not tumour_only:
        gt_n = "0/1" if rec.germline and n_alt == 1 else "0/0"
        n_af = ",".join([f"{(a.n_alt + 0.5) / (n_reads + 1.0):.3f}" for a in alts])  # = rec.n_af(i)
        cols.append(f"{gt_n}:{','.join([str(rec.n_ref)] + [str(a.n_alt) for a in alts])}:{n_af}:{n_dp}")
    cols.append(tumour)
    return "\t".join(cols)


def sort_records(records: list[Record]) -> list[Record]:
    """Records in contig (header) order, then position."""
    return sorted(records, key=lambda r: (CONTIG_INDEX[r.contig], r.pos, r.ref))


def write_vcf(records: list[Record], path: Path, tumour: str, normal: str | None) -> Path:
    """Write ``records`` as a bgzipped, tabix-indexed VCF at ``path`` (``.vcf.gz``) atomically.

    Parameters
    ----------
    records
        Planted records (any order; they are sorted here).
    path
        Destination ending in ``.vcf.gz``; ``path + '.tbi'`` is written next to it.
    tumour, normal
        Sample names (``normal=None`` writes a tumour-only VCF with one sample column).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tumour_only = normal is None
    lines = header_lines(tumour, normal)
    samples = [tumour] if tumour_only else [normal, tumour]
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]))
    ordered = sort_records(records)
    for i, rec in enumerate(ordered):
        near = sum(
            1
            for j in (i - 1, i + 1)
            if 0 <= j < len(ordered) and ordered[j].contig == rec.contig and abs(ordered[j].pos - rec.pos) < 50
        )
        lines.append(format_record(rec, tumour_only, 1 + near))
    text = "\n".join(lines) + "\n"
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".tmp-vcf-") as tmp:
        plain = Path(tmp) / "x.vcf"
        plain.write_text(text)
        gz = Path(tmp) / "x.vcf.gz"
        pysam.tabix_compress(str(plain), str(gz), force=True)
        pysam.tabix_index(str(gz), preset="vcf", force=True)
        os.replace(gz, path)
        os.replace(str(gz) + ".tbi", str(path) + ".tbi")
    return path
