#!/usr/bin/env python
# ruff: noqa: E501  (verbatim VCF header lines and CSQ entry templates read best on one line)
"""Generate a realistic Mutect2 + VEP 110 tumour/normal VCF.gz (+ .tbi) and a capture BED.

The records are shaped like real VEP-annotated FilterMutectCalls output (the SEQC2
HCC1395 WES call set is the yardstick): about 2.6 KB a record, a median of ~7 CSQ
entries a record, 56 CSQ fields, Mutect2 INFO and FORMAT fields for a NORMAL and a
TUMOR sample, a mix of FILTERs (~40 % PASS), ~2 % multi-allelic records, ~10 %
indels, gnomAD allele frequencies on many records, and a large share of the
records inside the companion exome-like BED (~35 Mb on chr1..chr22).

Same ``--seed`` and ``-n`` give a byte-identical file.

Usage::

    python benchmarks/make_vcf.py -n 100000 --seed 1 \
        --out benchmarks/data/m2vep_100k.vcf.gz --bed benchmarks/data/exome.bed

Only numpy and the standard library are needed to build the text; compression uses
Debian's ``bgzip``/``tabix`` when on PATH and pysam otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

# GRCh38 primary assembly lengths.
CONTIGS = [
    ("chr1", 248956422),
    ("chr2", 242193529),
    ("chr3", 198295559),
    ("chr4", 190214555),
    ("chr5", 181538259),
    ("chr6", 170805979),
    ("chr7", 159345973),
    ("chr8", 145138636),
    ("chr9", 138394717),
    ("chr10", 133797422),
    ("chr11", 135086622),
    ("chr12", 133275309),
    ("chr13", 114364328),
    ("chr14", 107043718),
    ("chr15", 101991189),
    ("chr16", 90338345),
    ("chr17", 83257441),
    ("chr18", 80373285),
    ("chr19", 58617616),
    ("chr20", 64444167),
    ("chr21", 46709983),
    ("chr22", 50818468),
    ("chrX", 156040895),
    ("chrY", 57227415),
    ("chrM", 16569),
]
# A few of the non-primary contigs every GATK GRCh38 header carries (never used by records).
EXTRA_CONTIGS = [
    ("chr1_KI270706v1_random", 175055),
    ("chr1_KI270707v1_random", 32032),
    ("chr2_KI270715v1_random", 161471),
    ("chr4_GL000008v2_random", 209709),
    ("chr14_GL000009v2_random", 201709),
    ("chr17_KI270729v1_random", 280839),
    ("chr22_KI270731v1_random", 150754),
    ("chrUn_KI270302v1", 2274),
    ("chrUn_GL000220v1", 161802),
    ("chrUn_GL000224v1", 179693),
    ("chrEBV", 171823),
    ("HLA-A*01:01:01:01", 3503),
    ("HLA-B*07:02:01", 3323),
]
GENE_CHROMS = 23  # genes on chr1..chr22 + chrX
BED_CHROMS = 22  # capture BED on chr1..chr22
RECORD_CHROMS = 23  # records on chr1..chrX (plus a sprinkle on chrM)

CSQ_FIELDS = (
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|"
    "cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|DISTANCE|"
    "STRAND|FLAGS|VARIANT_CLASS|SYMBOL_SOURCE|HGNC_ID|CANONICAL|MANE_SELECT|MANE_PLUS_CLINICAL|TSL|"
    "APPRIS|CCDS|ENSP|SWISSPROT|TREMBL|UNIPARC|UNIPROT_ISOFORM|SIFT|PolyPhen|DOMAINS|"
    "gnomADe_AF|gnomADe_AFR_AF|gnomADe_AMR_AF|gnomADe_ASJ_AF|gnomADe_EAS_AF|gnomADe_FIN_AF|"
    "gnomADe_NFE_AF|gnomADe_OTH_AF|gnomADe_SAS_AF|gnomADg_AF|gnomADg_AFR_AF|gnomADg_NFE_AF|"
    "MAX_AF|MAX_AF_POPS|CLIN_SIG|SOMATIC|PHENO|PUBMED"
)
assert len(CSQ_FIELDS.split("|")) == 56

# (FILTER, weight, class) — class drives VAF/depth: s=somatic-like, w=weak, g=germline, a=artefact
FILTERS = [
    ("PASS", 0.40, "s"),
    ("weak_evidence", 0.18, "w"),
    ("germline", 0.08, "g"),
    ("normal_artifact", 0.05, "a"),
    ("germline;normal_artifact", 0.03, "g"),
    ("clustered_events", 0.04, "s"),
    ("strand_bias", 0.04, "a"),
    ("weak_evidence;strand_bias", 0.03, "w"),
    ("haplotype", 0.02, "s"),
    ("panel_of_normals", 0.03, "a"),
    ("map_qual", 0.02, "a"),
    ("base_qual", 0.01, "w"),
    ("fragment", 0.01, "a"),
    ("orientation", 0.01, "a"),
    ("position", 0.01, "a"),
    ("clustered_events;haplotype", 0.02, "s"),
    ("contamination", 0.01, "w"),
    ("germline;weak_evidence", 0.01, "g"),
]

AA3 = [
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
]
AA1 = "ARNDCQEGHILKMFPSTWYV"
BASES = "ACGT"
COMP = {"A": "T", "C": "G", "G": "C", "T": "A"}

DOMAIN_POOL = [
    "PANTHER:PTHR24416",
    "PANTHER:PTHR24416:SF349",
    "Gene3D:3.30.200.20",
    "Pfam:PF07714",
    "SMART:SM00219",
    "Superfamily:SSF56112",
    "PROSITE_profiles:PS50011",
    "CDD:cd05032",
    "Gene3D:1.10.510.10",
    "PIRSF:PIRSF000615",
    "Prints:PR00109",
    "AFDB-ENSP_mappings:AF-P00533-F1",
    "PANTHER:PTHR11360",
    "Pfam:PF00069",
    "Gene3D:2.60.40.10",
    "SMART:SM00409",
    "Superfamily:SSF48726",
    "PROSITE_profiles:PS50835",
    "Low_complexity_(Seg):seg",
    "Coiled-coils_(Ncoils):Coil",
    "MobiDB_lite:mobidb-lite",
    "Pfam:PF00047",
    "Pfam:PF13927",
    "CDD:cd00096",
    "Gene3D:3.40.50.300",
]
MAXPOPS = [
    "gnomADe_AFR",
    "gnomADe_AMR",
    "gnomADe_ASJ",
    "gnomADe_EAS",
    "gnomADe_FIN",
    "gnomADe_NFE",
    "gnomADe_OTH",
    "gnomADe_SAS",
    "gnomADg_AFR",
    "gnomADg_NFE",
]
CLINSIG = [
    "benign",
    "likely_benign",
    "uncertain_significance",
    "benign&likely_benign",
    "pathogenic",
    "likely_pathogenic",
    "conflicting_interpretations_of_pathogenicity",
]
REG_BIOTYPES = [
    "promoter",
    "enhancer",
    "CTCF_binding_site",
    "open_chromatin_region",
    "promoter_flanking_region",
    "TF_binding_site",
]

IMPACT = {
    "transcript_ablation": "HIGH",
    "splice_acceptor_variant": "HIGH",
    "splice_donor_variant": "HIGH",
    "stop_gained": "HIGH",
    "frameshift_variant": "HIGH",
    "stop_lost": "HIGH",
    "start_lost": "HIGH",
    "inframe_insertion": "MODERATE",
    "inframe_deletion": "MODERATE",
    "missense_variant": "MODERATE",
    "protein_altering_variant": "MODERATE",
    "splice_region_variant": "LOW",
    "splice_donor_5th_base_variant": "LOW",
    "splice_donor_region_variant": "LOW",
    "splice_polypyrimidine_tract_variant": "LOW",
    "synonymous_variant": "LOW",
    "stop_retained_variant": "LOW",
    "start_retained_variant": "LOW",
}

# Primary consequence of a record inside a capture target (SNV / indel).
EXON_SNV = [
    ("missense_variant", 0.46),
    ("synonymous_variant", 0.21),
    ("3_prime_UTR_variant", 0.08),
    ("5_prime_UTR_variant", 0.03),
    ("intron_variant", 0.08),
    ("splice_region_variant&intron_variant", 0.03),
    ("splice_region_variant&synonymous_variant", 0.01),
    ("stop_gained", 0.04),
    ("splice_donor_variant", 0.01),
    ("splice_acceptor_variant", 0.01),
    ("missense_variant&splice_region_variant", 0.02),
    ("start_lost", 0.004),
    ("stop_lost", 0.002),
    ("stop_retained_variant", 0.002),
    ("splice_polypyrimidine_tract_variant&intron_variant", 0.02),
]
EXON_INDEL = [
    ("frameshift_variant", 0.52),
    ("inframe_deletion", 0.14),
    ("inframe_insertion", 0.06),
    ("3_prime_UTR_variant", 0.08),
    ("intron_variant", 0.10),
    ("splice_region_variant&intron_variant", 0.04),
    ("frameshift_variant&splice_region_variant", 0.02),
    ("5_prime_UTR_variant", 0.02),
    ("stop_gained&frameshift_variant", 0.02),
]
INTRON_CSQ = [
    ("intron_variant", 0.93),
    ("splice_region_variant&intron_variant", 0.015),
    ("splice_polypyrimidine_tract_variant&intron_variant", 0.03),
    ("splice_donor_region_variant&intron_variant", 0.01),
    ("splice_donor_5th_base_variant&intron_variant", 0.005),
    ("3_prime_UTR_variant", 0.01),
]


def _cum(pairs):
    w = np.array([p[1] for p in pairs], float)
    return [p[0] for p in pairs], np.cumsum(w / w.sum()).tolist()


def _pick(r, names, cum):
    u = r.random()
    for name, c in zip(names, cum, strict=True):
        if u < c:
            return name
    return names[-1]


def _impact(csq):
    best = "MODIFIER"
    order = {"HIGH": 3, "MODERATE": 2, "LOW": 1, "MODIFIER": 0}
    for term in csq.split("&"):
        imp = IMPACT.get(term, "MODIFIER")
        if order[imp] > order[best]:
            best = imp
    return best


def _symbol(r):
    prefixes = [
        "SLC",
        "ZNF",
        "KIAA",
        "TMEM",
        "CCDC",
        "FAM",
        "ANKRD",
        "LRRC",
        "C",
        "RNF",
        "TBC1D",
        "ABCA",
        "KCN",
        "PCDHB",
        "OR",
        "MYO",
        "COL",
        "ADAM",
        "WDR",
        "PPP1R",
        "DNAH",
        "ATP",
    ]
    p = prefixes[int(r.random() * len(prefixes))]
    if p == "C":
        return f"C{r.randint(1, 22)}orf{r.randint(10, 199)}"
    if p in ("SLC", "OR"):
        return f"{p}{r.randint(1, 52)}{'ABCDEFGH'[r.randint(0, 7)]}{r.randint(1, 30)}"
    if p == "KCN":
        return f"KCN{'ABDHJKMNQST'[r.randint(0, 10)]}{r.randint(1, 16)}"
    return f"{p}{r.randint(1, 999)}"


class Transcript:
    __slots__ = (
        "A",
        "B",
        "C",
        "biotype",
        "cdna_off",
        "cds_len",
        "coding",
        "ensp",
        "enst",
        "n_exons",
        "nmd",
    )


class Gene:
    __slots__ = ("chrom", "end", "exons", "start", "strand", "tx")


def build_genes(r: random.Random, nrng: np.random.Generator, n_genes: int = 19500):
    """Place genes with exons (= capture targets) and transcripts on chr1..chr22, chrX."""
    lens = np.array([c[1] for c in CONTIGS[:GENE_CHROMS]], float)
    chrom_of = np.sort(nrng.choice(GENE_CHROMS, size=n_genes, p=lens / lens.sum()))
    genes = []
    gid = 100000
    tid = 600000
    for ci in chrom_of.tolist():
        clen = CONTIGS[ci][1]
        glen = int(min(max(nrng.lognormal(np.log(24000), 1.1), 1500), 1_200_000))
        start = int(nrng.integers(10_000, clen - glen - 60_000))
        n_ex = 1 + int(nrng.poisson(9.5))
        ex_len = np.clip(nrng.lognormal(np.log(150), 0.55, size=n_ex), 60, 2500).astype(int)
        # exons laid out left to right with random intron lengths in between
        need = int(ex_len.sum()) + 60 * (n_ex + 1)
        glen = max(glen, need)
        share = nrng.dirichlet(np.ones(n_ex + 1)) * (glen - int(ex_len.sum()) - 60 * (n_ex + 1))
        exons = []
        cur = start
        for j in range(n_ex):
            cur += 60 + int(share[j])
            exons.append((cur, cur + int(ex_len[j])))
            cur += int(ex_len[j])
        g = Gene()
        g.chrom, g.start, g.end = ci, start, start + glen
        g.strand = 1 if r.random() < 0.5 else -1
        g.exons = exons
        sym = _symbol(r)
        gid += r.randint(1, 40)
        ensg = f"ENSG{gid:011d}"
        hgnc = f"HGNC:{r.randint(1000, 60000)}"
        n_tx = 2 + int(nrng.negative_binomial(8, 0.58))  # median ~7-8
        txs = []
        for k in range(n_tx):
            t = Transcript()
            tid += r.randint(1, 90)
            t.enst = f"ENST{tid:011d}.{r.randint(1, 12)}"
            u = r.random()
            if k == 0 or u < 0.45:
                t.biotype, t.coding, t.nmd = "protein_coding", True, False
            elif u < 0.6:
                t.biotype, t.coding, t.nmd = "nonsense_mediated_decay", True, True
            elif u < 0.78:
                t.biotype, t.coding, t.nmd = "retained_intron", False, False
            elif u < 0.92:
                t.biotype, t.coding, t.nmd = "processed_transcript", False, False
            else:
                t.biotype, t.coding, t.nmd = "lncRNA", False, False
            t.n_exons = max(1, n_ex - r.randint(0, min(4, n_ex - 1)))
            t.cds_len = 3 * r.randint(80, 2400) if t.coding else 0
            t.cdna_off = r.randint(20, 600)
            t.ensp = f"ENSP{tid - r.randint(1, 5000):011d}.{r.randint(1, 9)}" if t.coding else ""
            canonical = k == 0
            mane = f"NM_{r.randint(1000, 999999):06d}.{r.randint(1, 9)}" if canonical else ""
            tsl = "" if canonical and r.random() < 0.5 else str(r.randint(1, 5))
            appris = ("P1" if canonical else ("A2" if r.random() < 0.3 else "")) if t.coding else ""
            ccds = f"CCDS{r.randint(100, 99999)}.{r.randint(1, 3)}" if t.coding and r.random() < 0.7 else ""
            acc = f"{'OPQ'[r.randint(0, 2)]}{r.randint(0, 9)}{''.join(r.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') for _ in range(3))}{r.randint(0, 9)}"
            swiss = f"{acc}.{r.randint(100, 220)}" if t.coding else ""
            trembl = (
                f"A0A{r.randint(0, 9)}{''.join(r.choice('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789') for _ in range(5))}.{r.randint(10, 60)}"
                if t.coding and r.random() < 0.4
                else ""
            )
            uniparc = f"UPI{r.randint(0, 0xFFFFFFFFFF):010X}" if t.coding else ""
            iso = f"{acc}-{r.randint(1, 4)}" if t.coding and r.random() < 0.5 else ""
            flags = "cds_start_NF" if t.coding and not canonical and r.random() < 0.08 else ""
            t.A = f"{sym}|{ensg}|Transcript|{t.enst}|{t.biotype}"
            t.C = f"{g.strand}|{flags}"
            t.B = (
                f"HGNC|{hgnc}|{'YES' if canonical else ''}|{mane}||{tsl}|{appris}|{ccds}|{t.ensp}|"
                f"{swiss}|{trembl}|{uniparc}|{iso}"
            )
            txs.append(t)
        g.tx = txs
        genes.append(g)
    return genes


def write_bed(genes, path: str, pad: int = 0) -> int:
    """Merged capture intervals (exons of chr1..chr22 genes); returns total bp."""
    by_chrom: dict[int, list[tuple[int, int]]] = {}
    for g in genes:
        if g.chrom < BED_CHROMS:
            by_chrom.setdefault(g.chrom, []).extend((s - pad, e + pad) for s, e in g.exons)
    total = 0
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        for ci in sorted(by_chrom):
            ivs = sorted(by_chrom[ci])
            cs, ce = ivs[0]
            for s, e in ivs[1:]:
                if s <= ce:
                    ce = max(ce, e)
                else:
                    fh.write(f"{CONTIGS[ci][0]}\t{cs}\t{ce}\n")
                    total += ce - cs
                    cs, ce = s, e
            fh.write(f"{CONTIGS[ci][0]}\t{cs}\t{ce}\n")
            total += ce - cs
    os.replace(tmp, path)
    return total


def header(tumor: str, normal: str, out_name: str) -> str:
    contigs = "".join(f"##contig=<ID={c},length={L},assembly=GRCh38>\n" for c, L in CONTIGS + EXTRA_CONTIGS)
    filt_desc = {
        "base_qual": "alt median base quality",
        "clustered_events": "Clustered events observed in the tumor",
        "contamination": "contamination",
        "duplicate": "evidence for alt allele is overrepresented by apparent duplicates",
        "fragment": "abs(ref - alt) median fragment length",
        "germline": "Evidence indicates this site is germline, not somatic",
        "haplotype": "Variant near filtered variant on same haplotype.",
        "low_allele_frac": "Allele fraction is below specified threshold",
        "map_qual": "ref - alt median mapping quality",
        "multiallelic": "Site filtered because too many alt alleles pass tumor LOD",
        "n_ratio": "Ratio of N to alt exceeds specified ratio",
        "normal_artifact": "artifact_in_normal",
        "orientation": "orientation bias detected by the orientation bias mixture model",
        "panel_of_normals": "Blacklisted site in panel of normals",
        "position": "median distance of alt variants from end of reads",
        "possible_numt": "Allele depth is below expected coverage of NuMT in autosome",
        "slippage": "Site filtered due to contraction of short tandem repeat region",
        "strand_bias": "Evidence for alt allele comes from one read direction only",
        "strict_strand": "Evidence for alt allele is not represented in both directions",
        "weak_evidence": "Mutation does not meet likelihood threshold",
    }
    filters = "".join(f'##FILTER=<ID={k},Description="{v}">\n' for k, v in sorted(filt_desc.items()))
    return (
        "##fileformat=VCFv4.2\n"
        '##FILTER=<ID=PASS,Description="All filters passed">\n'
        + filters
        + '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles in the order listed">\n'
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles in the tumor">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth (reads with MQ=255 or with bad mates are filtered)">\n'
        '##FORMAT=<ID=F1R2,Number=R,Type=Integer,Description="Count of reads in F1R2 pair orientation supporting each allele">\n'
        '##FORMAT=<ID=F2R1,Number=R,Type=Integer,Description="Count of reads in F2R1 pair orientation supporting each allele">\n'
        '##FORMAT=<ID=FAD,Number=R,Type=Integer,Description="Count of fragments supporting each allele.">\n'
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##FORMAT=<ID=PGT,Number=1,Type=String,Description="Physical phasing haplotype information, describing how the alternate alleles are phased in relation to one another; will always be heterozygous and is not intended to describe called alleles">\n'
        '##FORMAT=<ID=PID,Number=1,Type=String,Description="Physical phasing ID information, where each unique ID within a given sample (but not across samples) connects records within a phasing group">\n'
        '##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Normalized, Phred-scaled likelihoods for genotypes as defined in the VCF specification">\n'
        '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phasing set (typically the position of the first variant in the set)">\n'
        '##FORMAT=<ID=SB,Number=4,Type=Integer,Description="Per-sample component statistics which comprise the Fisher\'s Exact Test to detect strand bias.">\n'
        '##GATKCommandLine=<ID=FilterMutectCalls,CommandLine="FilterMutectCalls --output TUMOR_S1.filtered.vcf.gz --contamination-table contamination.table --tumor-segmentation segments.table --ob-priors read-orientation-model.tar.gz --stats TUMOR_S1.vcf.gz.stats --variant TUMOR_S1.vcf.gz --reference Homo_sapiens_assembly38.fasta --threshold-strategy OPTIMAL_F_SCORE --f-score-beta 1.0 --false-discovery-rate 0.05 --initial-threshold 0.1 --mitochondria-mode false --microbial-mode false --max-events-in-region 2 --max-alt-allele-count 1 --unique-alt-read-count 0 --min-median-mapping-quality 30 --min-median-base-quality 20 --max-median-fragment-length-difference 10000 --min-median-read-position 1 --max-n-ratio Infinity --min-reads-per-strand 0 --min-allele-fraction 0.0 --pcr-slippage-rate 0.1 --distance-on-haplotype 100 --long-indel-length 5 --normal-p-value-threshold 0.001 --min-slippage-length 8",Version="4.4.0.0",Date="January 15, 2024 at 10:02:11 AM UTC">\n'
        '##GATKCommandLine=<ID=Mutect2,CommandLine="Mutect2 --f1r2-tar-gz f1r2.tar.gz --normal-sample NORMAL_S1 --germline-resource af-only-gnomad.hg38.vcf.gz --panel-of-normals 1000g_pon.hg38.vcf.gz --output TUMOR_S1.vcf.gz --intervals exome_calling_regions.v1.1.interval_list --interval-padding 100 --input TUMOR_S1.bam --input NORMAL_S1.bam --reference Homo_sapiens_assembly38.fasta --genotype-pon-sites false --genotype-germline-sites false --af-of-alleles-not-in-resource -1.0 --mitochondria-mode false --tumor-lod-to-emit 3.0 --initial-tumor-lod 2.0 --pcr-snv-qual 40 --pcr-indel-qual 40 --max-population-af 0.01 --downsampling-stride 1 --callable-depth 10 --base-quality-score-threshold 18 --native-pair-hmm-threads 4 --min-base-quality-score 10",Version="4.4.0.0",Date="January 15, 2024 at 7:41:52 AM UTC">\n'
        '##INFO=<ID=AS_FilterStatus,Number=A,Type=String,Description="Filter status for each allele, as assessed by ApplyVQSR. Note that the VCF filter field will reflect the most lenient/sensitive status across all alleles.">\n'
        '##INFO=<ID=AS_SB_TABLE,Number=1,Type=String,Description="Allele-specific forward/reverse read counts for strand bias tests. Includes the reference and alleles separated by |.">\n'
        '##INFO=<ID=AS_UNIQ_ALT_READ_COUNT,Number=A,Type=Integer,Description="Number of reads with unique start and mate end positions for each alt at a variant site">\n'
        '##INFO=<ID=CONTQ,Number=1,Type=Float,Description="Phred-scaled qualities that alt allele are not due to contamination">\n'
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth; some reads may have been filtered">\n'
        '##INFO=<ID=ECNT,Number=1,Type=Integer,Description="Number of events in this haplotype">\n'
        '##INFO=<ID=GERMQ,Number=1,Type=Integer,Description="Phred-scaled quality that alt alleles are not germline variants">\n'
        '##INFO=<ID=MBQ,Number=R,Type=Integer,Description="median base quality by allele">\n'
        '##INFO=<ID=MFRL,Number=R,Type=Integer,Description="median fragment length by allele">\n'
        '##INFO=<ID=MMQ,Number=R,Type=Integer,Description="median mapping quality by allele">\n'
        '##INFO=<ID=MPOS,Number=A,Type=Integer,Description="median distance from end of read">\n'
        '##INFO=<ID=NALOD,Number=A,Type=Float,Description="Negative log 10 odds of artifact in normal with same allele fraction as tumor">\n'
        '##INFO=<ID=NCOUNT,Number=1,Type=Integer,Description="Count of N bases in the pileup">\n'
        '##INFO=<ID=NLOD,Number=A,Type=Float,Description="Normal log 10 likelihood ratio of diploid het or hom alt genotypes">\n'
        '##INFO=<ID=OCM,Number=1,Type=Integer,Description="Number of alt reads whose original alignment doesn\'t match the current contig.">\n'
        '##INFO=<ID=PON,Number=0,Type=Flag,Description="site found in panel of normals">\n'
        '##INFO=<ID=POPAF,Number=A,Type=Float,Description="negative log 10 population allele frequencies of alt alleles">\n'
        '##INFO=<ID=ROQ,Number=1,Type=Float,Description="Phred-scaled qualities that alt allele are not due to read orientation artifact">\n'
        '##INFO=<ID=RPA,Number=R,Type=Integer,Description="Number of times tandem repeat unit is repeated, for each allele (including reference)">\n'
        '##INFO=<ID=RU,Number=1,Type=String,Description="Tandem repeat unit (bases)">\n'
        '##INFO=<ID=SEQQ,Number=1,Type=Integer,Description="Phred-scaled quality that alt alleles are not sequencing errors">\n'
        '##INFO=<ID=STR,Number=0,Type=Flag,Description="Variant is a short tandem repeat">\n'
        '##INFO=<ID=STRANDQ,Number=1,Type=Integer,Description="Phred-scaled quality of strand bias artifact">\n'
        '##INFO=<ID=STRQ,Number=1,Type=Integer,Description="Phred-scaled quality that alt alleles in STRs are not polymerase slippage errors">\n'
        '##INFO=<ID=TLOD,Number=A,Type=Float,Description="Log 10 likelihood ratio score of variant existing versus not existing">\n'
        "##MutectVersion=2.2\n"
        + contigs
        + "##filtering_status=These calls have been filtered by FilterMutectCalls to label false positives with a list of failed filters and true positives with PASS.\n"
        f"##normal_sample={normal}\n"
        "##source=FilterMutectCalls\n"
        "##source=Mutect2\n"
        f"##tumor_sample={tumor}\n"
        '##VEP="v110" time="2024-01-15 11:23:45" cache="/opt/vep/.vep/homo_sapiens/110_GRCh38" '
        "ensembl-io=110.b1cac2a ensembl-variation=110.1f0c7a3 ensembl-funcgen=110.24e6c8f ensembl=110.584a8f3 "
        '1000genomes="phase3" COSMIC="97" ClinVar="202301" HGMD-PUBLIC="20204" assembly="GRCh38.p14" '
        'dbSNP="154" gencode="GENCODE 44" genebuild="2014-07" gnomADe="r2.1.1" gnomADg="v3.1.2" '
        'polyphen="2.2.3" regbuild="1.0" sift="sift5.2.2"\n'
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
        + CSQ_FIELDS
        + '">\n'
        "##VEP-command-line='vep --af_gnomade --af_gnomadg --allele_number --appris --biotype --buffer_size 5000 "
        "--canonical --cache --ccds --check_existing --dir_cache /opt/vep/.vep --domains --fasta "
        "Homo_sapiens_assembly38.fasta --fork 4 --format vcf --hgvs --input_file TUMOR_S1.filtered.vcf.gz "
        "--mane --max_af --offline --output_file TUMOR_S1.vep.vcf --polyphen b --protein --pubmed --regulatory "
        "--sift b --symbol --tsl --uniprot --variant_class --vcf'\n"
        f"##bcftools_viewCommand=view -Oz -o {out_name}; Date=Mon Jan 15 11:40:02 2024\n"
        f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{normal}\t{tumor}\n"
    )


def _fmt_af(x: float) -> str:
    if x >= 0.001:
        return f"{x:.4f}".rstrip("0").rstrip(".") if x < 1 else "1"
    return f"{x:.3e}"


def _split(r: random.Random, n: int, p: float = 0.5) -> tuple[int, int]:
    a = sum(1 for _ in range(n) if r.random() < p) if n < 40 else round(n * (p + (r.random() - 0.5) * 0.2))
    a = max(0, min(n, a))
    return a, n - a


def generate(
    n: int,
    seed: int,
    out_path: str,
    bed_path: str | None,
    tumor: str,
    normal: str,
    in_target: float = 0.45,
    intronic: float = 0.33,
) -> dict:
    t0 = time.time()
    r = random.Random(seed)
    nrng = np.random.default_rng(seed)
    genes = build_genes(r, nrng)
    bed_bp = write_bed(genes, bed_path) if bed_path else None

    # ---------------- record placement (vectorised) ----------------
    exon_gene = []
    exon_idx = []
    exon_s = []
    exon_e = []
    for gi, g in enumerate(genes):
        for k, (s, e) in enumerate(g.exons):
            if g.chrom < BED_CHROMS:
                exon_gene.append(gi)
                exon_idx.append(k)
                exon_s.append(s)
                exon_e.append(e)
    exon_gene = np.array(exon_gene)
    exon_idx = np.array(exon_idx)
    exon_s = np.array(exon_s)
    exon_len = np.array(exon_e) - exon_s
    n_m = max(1, n // 20000)  # a sprinkle of chrM calls, as in real WES output
    n_t = round((n - n_m) * in_target)
    n_i = round((n - n_m) * intronic)
    n_g = n - n_m - n_t - n_i
    kind = np.concatenate(
        [np.zeros(n_t, np.int8), np.ones(n_i, np.int8), np.full(n_g, 2, np.int8), np.full(n_m, 3, np.int8)]
    )
    gene_of = np.empty(n, np.int64)
    exon_of = np.full(n, -1, np.int64)
    chrom = np.empty(n, np.int64)
    pos = np.empty(n, np.int64)
    # in target
    ex = nrng.choice(len(exon_s), size=n_t, p=exon_len / exon_len.sum())
    gene_of[:n_t] = exon_gene[ex]
    exon_of[:n_t] = exon_idx[ex]
    pos[:n_t] = exon_s[ex] + (nrng.random(n_t) * exon_len[ex]).astype(np.int64) + 1
    # intronic (genic, off target)
    glen = np.array([g.end - g.start for g in genes], float)
    gi = nrng.choice(len(genes), size=n_i, p=glen / glen.sum())
    gstart = np.array([g.start for g in genes])
    pos[n_t : n_t + n_i] = gstart[gi] + (nrng.random(n_i) * glen[gi]).astype(np.int64) + 1
    gene_of[n_t : n_t + n_i] = gi
    gene_chrom = np.array([g.chrom for g in genes])
    chrom[: n_t + n_i] = gene_chrom[gene_of[: n_t + n_i]]
    # intergenic: uniform over chr1..chrX
    clen = np.array([c[1] for c in CONTIGS[:RECORD_CHROMS]], float)
    chrom[n_t + n_i : n - n_m] = nrng.choice(RECORD_CHROMS, size=n_g, p=clen / clen.sum())
    pos[n_t + n_i : n - n_m] = (nrng.random(n_g) * (clen[chrom[n_t + n_i : n - n_m]] - 20000)).astype(np.int64) + 10000
    gene_of[n_t + n_i :] = nrng.integers(0, len(genes), size=n - n_t - n_i)  # neighbour gene for up/downstream
    chrom[n - n_m :] = 24
    pos[n - n_m :] = nrng.integers(1, 16500, size=n_m)
    # sort and make positions unique
    order = np.lexsort((pos, chrom))
    kind, gene_of, exon_of, chrom, pos = kind[order], gene_of[order], exon_of[order], chrom[order], pos[order]
    for _ in range(100):
        dup = np.flatnonzero((np.diff(pos) == 0) & (np.diff(chrom) == 0)) + 1
        if dup.size == 0:
            break
        pos[dup] += 1
        order = np.lexsort((pos, chrom))
        kind, gene_of, exon_of, chrom, pos = kind[order], gene_of[order], exon_of[order], chrom[order], pos[order]

    # ---------------- per-record scalars (vectorised) ----------------
    fw = np.array([f[1] for f in FILTERS])
    fidx = nrng.choice(len(FILTERS), size=n, p=fw / fw.sum())
    fclass = np.array([f[2] for f in FILTERS])[fidx]
    is_indel = nrng.random(n) < 0.10
    multi = nrng.random(n) < 0.02
    # depth: on-target deep, off-target shallow
    mean_dp = np.where(kind == 0, 110.0, np.where(kind == 1, 45.0, 30.0))
    mean_dp[kind == 3] = 900.0
    t_dp = nrng.negative_binomial(4, 4 / (4 + mean_dp)) + 3
    n_dp = nrng.negative_binomial(4, 4 / (4 + 0.8 * mean_dp)) + 2
    vaf = np.empty(n)
    vaf[fclass == "s"] = np.clip(nrng.beta(2.0, 6.0, size=(fclass == "s").sum()), 0.02, 0.98)
    vaf[fclass == "w"] = np.clip(nrng.beta(1.2, 30.0, size=(fclass == "w").sum()), 0.003, 0.5)
    ng = (fclass == "g").sum()
    vaf[fclass == "g"] = np.where(nrng.random(ng) < 0.8, nrng.normal(0.5, 0.07, ng), nrng.normal(0.97, 0.03, ng)).clip(
        0.05, 1
    )
    vaf[fclass == "a"] = np.clip(nrng.beta(1.5, 12.0, size=(fclass == "a").sum()), 0.005, 0.9)
    t_alt = np.maximum(nrng.binomial(t_dp, vaf), 1)
    t_alt = np.where(fclass == "w", np.minimum(t_alt, nrng.integers(1, 4, n)), t_alt)
    t_alt = np.minimum(t_alt, t_dp - (vaf < 0.95))
    n_alt = np.where(
        fclass == "g",
        nrng.binomial(n_dp, np.clip(vaf, 0, 1)),
        np.where(fclass == "a", nrng.binomial(n_dp, 0.03), (nrng.random(n) < 0.03).astype(int)),
    )
    # population allele frequencies: gnomAD present on many records
    has_pop = np.where(fclass == "g", nrng.random(n) < 0.97, nrng.random(n) < 0.42)
    pop_af = np.where(fclass == "g", 10 ** nrng.uniform(-3.5, -0.2, n), 10 ** nrng.uniform(-5.7, -1.5, n))
    tlod = np.round(np.clip(t_alt * 3.1 + nrng.normal(0, 2, n), 3.0, None), 2)

    csq_names_snv, csq_cum_snv = _cum(EXON_SNV)
    csq_names_ind, csq_cum_ind = _cum(EXON_INDEL)
    csq_names_int, csq_cum_int = _cum(INTRON_CSQ)

    col = dict(
        kind=kind.tolist(),
        gene=gene_of.tolist(),
        exon=exon_of.tolist(),
        chrom=chrom.tolist(),
        pos=pos.tolist(),
        fidx=fidx.tolist(),
        fclass=fclass.tolist(),
        indel=is_indel.tolist(),
        multi=multi.tolist(),
        tdp=t_dp.tolist(),
        ndp=n_dp.tolist(),
        talt=t_alt.tolist(),
        nalt=n_alt.tolist(),
        haspop=has_pop.tolist(),
        popaf=pop_af.tolist(),
        tlod=tlod.tolist(),
    )
    cnames = [c[0] for c in CONTIGS]

    # ---------------- writer ----------------
    os.makedirs(os.path.dirname(os.path.abspath(out_path)) or ".", exist_ok=True)
    tmp_out = out_path + ".part"
    bgzip = shutil.which("bgzip")
    if bgzip:
        fout = open(tmp_out, "wb")  # noqa: SIM115 - handed to bgzip, closed after it exits
        proc = subprocess.Popen([bgzip, "-c"], stdin=subprocess.PIPE, stdout=fout)
        sink = proc.stdin
    else:  # pragma: no cover - pysam fallback
        from pysam.libcbgzf import BGZFile

        proc = None
        sink = BGZFile(tmp_out, "wb")

    raw_bytes = 0
    n_entries: list[int] = []
    n_tx_rec: list[int] = []
    buf: list[str] = []
    head = header(tumor, normal, os.path.basename(out_path))
    sink.write(head.encode())
    raw_bytes += len(head)
    rsid = 1000000

    for i in range(n):
        k = col["kind"][i]
        ci = col["chrom"][i]
        p = col["pos"][i]
        g = genes[col["gene"][i]]
        fc = col["fclass"][i]
        indel = col["indel"][i]
        nalt_alleles = 2 if col["multi"][i] else 1
        ref_b = BASES[int(r.random() * 4)]
        # ---- alleles
        alts, vep_alleles, vclass = [], [], []
        ref = ref_b
        if indel:
            ln = 1 + min(int(r.expovariate(0.45)), 30)
            if r.random() < 0.55:  # deletion
                ref = ref_b + "".join(BASES[int(r.random() * 4)] for _ in range(ln))
        for a in range(nalt_alleles):
            if indel:
                if len(ref) > 1:
                    if a == 0:
                        alts.append(ref_b)
                        vep_alleles.append("-")
                    else:
                        alts.append(ref_b + ref[1:-1] if len(ref) > 2 else ref_b + "T" + ref[1:])
                        vep_alleles.append("-" if len(ref) > 2 else "T")
                    vclass.append("deletion")
                else:
                    ins = "".join(BASES[int(r.random() * 4)] for _ in range(ln + a))
                    alts.append(ref_b + ins)
                    vep_alleles.append(ins)
                    vclass.append("insertion")
            else:
                choices = [b for b in BASES if b != ref_b and b not in alts]
                alt = choices[int(r.random() * len(choices))]
                alts.append(alt)
                vep_alleles.append(alt)
                vclass.append("SNV")
        # ---- counts
        tdp, ndp = col["tdp"][i], col["ndp"][i]
        talt, nalt = col["talt"][i], col["nalt"][i]
        if nalt_alleles == 2:
            t2 = max(1, talt // 3)
            tad = [max(tdp - talt - t2, 0), talt, t2]
            nad = [max(ndp - nalt, 0), nalt, 0]
        else:
            tad = [max(tdp - talt, 0), talt]
            nad = [max(ndp - nalt, 0), nalt]
        tsum = sum(tad)
        nsum = sum(nad)
        taf = ",".join(f"{(x + 0.5) / (tsum + 1):.3f}" for x in tad[1:])
        naf = ",".join(f"{(x + 0.5) / (nsum + 1.5):.3f}" for x in nad[1:])
        tf1 = [_split(r, x) for x in tad]
        nf1 = [_split(r, x) for x in nad]
        tfad = [x - (1 if x > 3 and r.random() < 0.3 else 0) for x in tad]
        nfad = [x - (1 if x > 3 and r.random() < 0.3 else 0) for x in nad]
        tsb_r = _split(r, tad[0])
        tsb_a = _split(r, sum(tad[1:]))
        nsb_r = _split(r, nad[0])
        nsb_a = _split(r, sum(nad[1:]))
        gt_t = "0/1" if nalt_alleles == 1 else "0/1/2"
        gt_n = "0/0"
        normal_s = (
            f"{gt_n}:{','.join(map(str, nad))}:{naf}:{nsum + int(r.random() * 3)}:"
            f"{','.join(str(x[0]) for x in nf1)}:{','.join(str(x[1]) for x in nf1)}:"
            f"{','.join(map(str, nfad))}:{nsb_r[0]},{nsb_r[1]},{nsb_a[0]},{nsb_a[1]}"
        )
        tumor_s = (
            f"{gt_t}:{','.join(map(str, tad))}:{taf}:{tsum + int(r.random() * 4)}:"
            f"{','.join(str(x[0]) for x in tf1)}:{','.join(str(x[1]) for x in tf1)}:"
            f"{','.join(map(str, tfad))}:{tsb_r[0]},{tsb_r[1]},{tsb_a[0]},{tsb_a[1]}"
        )
        # ---- FILTER and INFO
        filt = FILTERS[col["fidx"][i]][0]
        if nalt_alleles == 2:
            filt = "multiallelic" if filt == "PASS" else "multiallelic;" + filt
        elif indel and filt in ("strand_bias", "panel_of_normals") and r.random() < 0.5:
            filt = "slippage"
        haspop = col["haspop"][i]
        paf = col["popaf"][i]
        popaf = f"{-np.log10(paf):.2f}" if haspop else "6.00"
        tlod = col["tlod"][i]
        status = "SITE" if filt == "PASS" else filt.split(";")[0]
        as_status = status if nalt_alleles == 1 else f"{status}|{'SITE' if r.random() < 0.3 else 'weak_evidence'}"
        sb_alt = "|".join(f"{x[0]},{x[1]}" for x in tf1[1:])
        ecnt = 1 + (int(r.expovariate(1.5)) if "clustered" not in filt else r.randint(2, 6))
        germq = 93 if fc != "g" else r.randint(0, 25)
        mbq = ",".join(["20"] + [str(r.randint(20, 38) if fc != "w" else r.randint(10, 30))] * nalt_alleles)
        mfrl = ",".join([str(r.randint(150, 320))] + [str(r.randint(140, 330)) for _ in range(nalt_alleles)])
        mmq = ",".join(["60"] + [str(60 if r.random() < 0.85 else r.randint(20, 59)) for _ in range(nalt_alleles)])
        mpos = ",".join(str(r.randint(3, 70)) for _ in range(nalt_alleles))
        nalod = ",".join(f"{r.uniform(-1.5, 2.5):.2f}" for _ in range(nalt_alleles))
        nlod = ",".join(f"{ndp * 0.3 + r.uniform(-2, 2):.2f}" for _ in range(nalt_alleles))
        popafs = ",".join([popaf] + ["6.00"] * (nalt_alleles - 1))
        tlods = ",".join([f"{tlod:.2f}"] + [f"{max(3.0, tlod / 3):.2f}"] * (nalt_alleles - 1))
        info = (
            f"AS_FilterStatus={as_status};AS_SB_TABLE={tsb_r[0]},{tsb_r[1]}|{sb_alt};DP={tdp + ndp + int(r.random() * 6)};"
            f"ECNT={ecnt};GERMQ={germq};MBQ={mbq};MFRL={mfrl};MMQ={mmq};MPOS={mpos};NALOD={nalod};"
            f"NLOD={nlod};POPAF={popafs};"
        )
        if "panel_of_normals" in filt:
            info += "PON;"
        if r.random() < 0.35:
            info += f"ROQ={r.randint(20, 93)};"
        if indel and r.random() < 0.35:
            ru = "".join(BASES[int(r.random() * 4)] for _ in range(r.randint(1, 3)))
            rpa = r.randint(2, 12)
            info += f"RPA={rpa},{rpa + (1 if len(ref) == 1 else -1)}{',' + str(rpa - 1) if nalt_alleles == 2 else ''};RU={ru};STR;"
        info += f"TLOD={tlods};CSQ="

        # ---- CSQ (VEP) -------------------------------------------------
        known = haspop or r.random() < 0.05
        if known:
            rsid += r.randint(1, 400)
            existing = f"rs{rsid}"
            if k == 0 and r.random() < 0.3:
                existing += f"&COSV{r.randint(50000000, 105000000)}"
        else:
            existing = f"COSV{r.randint(50000000, 105000000)}" if k == 0 and r.random() < 0.06 else ""
        if haspop:
            pops = [paf * r.uniform(0.2, 2.5) for _ in range(8)]
            gex = [paf, *pops] if k == 0 else [None] * 9
            gg = [paf * r.uniform(0.6, 1.6), paf * r.uniform(0.2, 3.0), paf * r.uniform(0.5, 1.5)]
            vals = [v for v in gex[1:] + gg[1:] if v is not None]
            mx = max(vals)
            mi = (gex[1:] + gg[1:]).index(mx)
            afblock = "|".join("" if v is None else _fmt_af(min(v, 1.0)) for v in gex + gg)
            afblock += f"|{_fmt_af(min(mx, 1.0))}|{MAXPOPS[mi]}"
        else:
            afblock = "|" * 13
        if existing.startswith("rs") and r.random() < 0.12:
            clin = CLINSIG[int(r.random() * len(CLINSIG))]
            afblock += f"|{clin}|{'0&1' if '&' in existing else ''}|1|{r.randint(10000000, 36000000) if r.random() < 0.3 else ''}"
        elif "&" in existing:
            afblock += "||0&1|0&1|"
        else:
            afblock += "||||"

        entries: list[str] = []
        ntx = 0
        for al, vc in zip(vep_alleles, vclass, strict=True):
            if k == 3:  # chrM
                entries.append(
                    f"{al}|upstream_gene_variant|MODIFIER|MT-ND1|ENSG00000198888|Transcript|ENST00000361390.2|protein_coding||||||||||{existing}|{r.randint(100, 4000)}|1||{vc}|HGNC|HGNC:7455|YES|||||||P03886.237||UPI00000DBE3F|||||{afblock}"
                )
                ntx += 1
                continue
            if k == 2:  # intergenic or near a gene
                if r.random() < 0.4:
                    entries.append(
                        f"{al}|intergenic_variant|MODIFIER|||||||||||||||{existing}||||{vc}" + "|" * 17 + afblock
                    )
                else:
                    up = "upstream_gene_variant" if r.random() < 0.5 else "downstream_gene_variant"
                    for t in g.tx[: r.randint(1, len(g.tx))]:
                        entries.append(
                            f"{al}|{up}|MODIFIER|{t.A}||||||||||{existing}|{r.randint(50, 5000)}|{t.C}|{vc}|{t.B}||||{afblock}"
                        )
                        ntx += 1
                if r.random() < 0.25:
                    entries.append(
                        f"{al}|regulatory_region_variant|MODIFIER|||RegulatoryFeature|ENSR{r.randint(1, 999999):011d}|{REG_BIOTYPES[int(r.random() * 6)]}||||||||||{existing}||||{vc}"
                        + "|" * 17
                        + afblock
                    )
                continue
            if k == 0:
                primary = _pick(r, csq_names_ind, csq_cum_ind) if indel else _pick(r, csq_names_snv, csq_cum_snv)
            else:
                primary = _pick(r, csq_names_int, csq_cum_int)
            coding_primary = primary.split("&")[0] not in (
                "intron_variant",
                "3_prime_UTR_variant",
                "5_prime_UTR_variant",
                "splice_region_variant",
                "splice_polypyrimidine_tract_variant",
                "splice_donor_region_variant",
                "splice_donor_5th_base_variant",
            )
            n_ex = len(g.exons)
            exon_no = (col["exon"][i] + 1) if k == 0 else r.randint(1, max(1, n_ex - 1))
            if g.strand < 0:
                exon_no = n_ex - exon_no + 1
            cds_pos = r.randint(1, 3000)
            prot_pos = (cds_pos + 2) // 3
            aa_i, aa_j = int(r.random() * 20), int(r.random() * 20)
            if primary.startswith("synonymous") or "synonymous" in primary:
                aa_j = aa_i
            if primary.startswith("stop_gained"):
                aa_txt, hp = f"{AA1[aa_i]}/*", f"p.{AA3[aa_i]}{prot_pos}Ter"
            elif aa_i == aa_j:
                aa_txt, hp = AA1[aa_i], f"p.{AA3[aa_i]}{prot_pos}%3D"
            else:
                aa_txt, hp = f"{AA1[aa_i]}/{AA1[aa_j]}", f"p.{AA3[aa_i]}{prot_pos}{AA3[aa_j]}"
            if vc == "SNV":
                codon_pos = cds_pos % 3
                cod = ["agc", "tgc", "cag"][codon_pos]
                codons = f"{cod[:codon_pos]}{ref_b}{cod[codon_pos + 1 :]}/{cod[:codon_pos]}{al}{cod[codon_pos + 1 :]}"
                chg = f"{ref_b}>{al}" if g.strand > 0 else f"{COMP[ref_b]}>{COMP[al]}"
            elif vc == "deletion":
                codons = "aGAc/ac"
                chg = f"del{ref[1:] if len(ref) < 12 else ''}"
                if "frameshift" in primary:
                    hp = f"p.{AA3[aa_i]}{prot_pos}{AA3[aa_j]}fsTer{r.randint(2, 60)}"
                    aa_txt = f"{AA1[aa_i]}/X"
                elif "inframe" in primary:
                    hp = f"p.{AA3[aa_i]}{prot_pos}del"
                    aa_txt = f"{AA1[aa_i]}/-"
            else:
                codons = f"-/{al}"
                chg = f"ins{al}"
                if "frameshift" in primary:
                    hp = f"p.{AA3[aa_i]}{prot_pos}{AA3[aa_j]}fsTer{r.randint(2, 60)}"
                    aa_txt = f"{AA1[aa_i]}/{AA1[aa_i]}X"
                elif "inframe" in primary:
                    hp = f"p.{AA3[aa_i]}{prot_pos}_{AA3[aa_j]}{prot_pos + 1}ins{AA3[int(r.random() * 20)]}"
                    aa_txt = f"-/{AA1[aa_j]}"
            sift = pp = dom = ""
            if primary.startswith("missense"):
                s = r.random()
                sift = f"deleterious({s * 0.05:.2f})" if s < 0.4 else f"tolerated({0.05 + s * 0.9:.2f})"
                q = r.random()
                pp = (
                    f"probably_damaging({0.909 + q * 0.09:.3f})"
                    if q < 0.35
                    else f"possibly_damaging({0.45 + q * 0.4:.3f})"
                    if q < 0.55
                    else f"benign({q * 0.4:.3f})"
                )
            if coding_primary:
                nd = r.randint(1, 8)
                start = int(r.random() * len(DOMAIN_POOL))
                dom = "&".join(DOMAIN_POOL[(start + j) % len(DOMAIN_POOL)] for j in range(nd))
            for t in g.tx:
                u = r.random()
                ntx += 1
                if u < 0.07:  # transcript ends before/after the variant
                    up = "upstream_gene_variant" if r.random() < 0.5 else "downstream_gene_variant"
                    entries.append(
                        f"{al}|{up}|MODIFIER|{t.A}||||||||||{existing}|{r.randint(30, 4999)}|{t.C}|{vc}|{t.B}||||{afblock}"
                    )
                    continue
                intron_txt = f"{exon_no}/{t.n_exons}"
                if k == 1 or primary.startswith("intron") or (t.coding and coding_primary and u > 0.85):
                    cons = primary if k == 1 or primary.startswith("intron") else "intron_variant"
                    off = r.randint(12, 4000) * (1 if r.random() < 0.5 else -1)
                    if t.coding:
                        if t.nmd:
                            cons = cons + "&NMD_transcript_variant"
                        hc = f"{t.enst}:c.{cds_pos}{'+' if off > 0 else ''}{off}{chg}"
                    else:
                        cons = cons + "&non_coding_transcript_variant"
                        hc = f"{t.enst}:n.{cds_pos}{'+' if off > 0 else ''}{off}{chg}"
                    entries.append(
                        f"{al}|{cons}|{_impact(cons)}|{t.A}||{intron_txt}|{hc}|||||||{existing}||{t.C}|{vc}|{t.B}||||{afblock}"
                    )
                    continue
                exon_txt = f"{exon_no}/{t.n_exons}"
                cdna = cds_pos + t.cdna_off
                if t.coding:
                    cons = primary + ("&NMD_transcript_variant" if t.nmd else "")
                    if primary.startswith(("3_prime", "5_prime")):
                        entries.append(
                            f"{al}|{cons}|MODIFIER|{t.A}|{exon_txt}||{t.enst}:c.{'*' if primary[0] == '3' else '-'}{cds_pos}{chg}||{cdna}|||||{existing}||{t.C}|{vc}|{t.B}||||{afblock}"
                        )
                    else:
                        entries.append(
                            f"{al}|{cons}|{_impact(cons)}|{t.A}|{exon_txt}||{t.enst}:c.{cds_pos}{chg}|{t.ensp}:{hp}|"
                            f"{cdna}|{cds_pos}|{prot_pos}|{aa_txt}|{codons}|{existing}||{t.C}|{vc}|{t.B}|{sift}|{pp}|{dom}|{afblock}"
                        )
                else:
                    cons = "non_coding_transcript_exon_variant"
                    entries.append(
                        f"{al}|{cons}|MODIFIER|{t.A}|{exon_txt}||{t.enst}:n.{cdna}{chg}||{cdna}|||||{existing}||{t.C}|{vc}|{t.B}||||{afblock}"
                    )
            if r.random() < 0.12:
                entries.append(
                    f"{al}|regulatory_region_variant|MODIFIER|||RegulatoryFeature|ENSR{r.randint(1, 999999):011d}|{REG_BIOTYPES[int(r.random() * 6)]}||||||||||{existing}||||{vc}"
                    + "|" * 17
                    + afblock
                )

        idf = existing.split("&")[0] if existing.startswith("rs") and r.random() < 0.0 else "."
        line = (
            f"{cnames[ci]}\t{p}\t{idf}\t{ref}\t{','.join(alts)}\t.\t{filt}\t{info}{','.join(entries)}\t"
            f"GT:AD:AF:DP:F1R2:F2R1:FAD:SB\t{normal_s}\t{tumor_s}\n"
        )
        buf.append(line)
        raw_bytes += len(line)
        n_entries.append(len(entries))
        n_tx_rec.append(ntx)
        if len(buf) >= 2000:
            sink.write("".join(buf).encode())
            buf.clear()
    if buf:
        sink.write("".join(buf).encode())
    sink.close()
    if proc is not None:
        if proc.wait() != 0:
            raise SystemExit("bgzip failed")
        fout.close()
    os.replace(tmp_out, out_path)
    # index
    tabix = shutil.which("tabix")
    if tabix:
        subprocess.run([tabix, "-f", "-p", "vcf", out_path], check=True)
    else:  # pragma: no cover
        import pysam

        pysam.tabix_index(out_path, preset="vcf", force=True)
    gz = os.path.getsize(out_path)
    stats = dict(
        records=n,
        seconds=round(time.time() - t0, 1),
        raw_bytes=raw_bytes,
        bytes_per_record=round(raw_bytes / n),
        gz_bytes=gz,
        gz_bytes_per_record=round(gz / n, 1),
        median_csq_entries=statistics.median(n_entries),
        mean_csq_entries=round(sum(n_entries) / n, 2),
        median_transcripts=statistics.median(n_tx_rec),
        csq_fields=len(CSQ_FIELDS.split("|")),
        pass_frac=round(
            float(np.mean([FILTERS[j][0] == "PASS" and not m for j, m in zip(col["fidx"], col["multi"], strict=True)])),
            3,
        ),
        indel_frac=round(float(is_indel.mean()), 3),
        multiallelic_frac=round(float(multi.mean()), 3),
        in_target_frac=round(float((kind == 0).mean()), 3),
        gnomad_frac=round(float(has_pop.mean()), 3),
        bed_bp=bed_bp,
    )
    return stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--records", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="output .vcf.gz (a .tbi is written beside it)")
    ap.add_argument("--bed", help="also write the capture BED here (same seed -> same BED for every -n)")
    ap.add_argument("--tumor", default="TUMOR_S1")
    ap.add_argument("--normal", default="NORMAL_S1")
    ap.add_argument("--in-target", type=float, default=0.45, help="share of records drawn inside the BED")
    args = ap.parse_args(argv)
    stats = generate(args.records, args.seed, args.out, args.bed, args.tumor, args.normal, in_target=args.in_target)
    for k, v in stats.items():
        print(f"{k}\t{v}")


if __name__ == "__main__":
    sys.exit(main())
