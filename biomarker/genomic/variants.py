"""Stream the somatic alleles of one tumour (VCF/BCF via cyvcf2, or MAF) with the gene annotation co-mutations need.

Only alleles of genes named by a co-mutation rule get their annotation parsed (VEP ``CSQ``, snpEff
``ANN`` or the MAF's own columns), so the costly split stays off the path of the other alleles.
Consequence terms are normalised to Sequence Ontology by :func:`biomarker.tmb.consequences.normalise_term`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from biomarker.errors import InputError
from biomarker.files import open_text
from biomarker.genomic.comutations import ProteinChange, parse_hgvsp, protein_from_fields
from biomarker.tmb.consequences import RANK, UNKNOWN_RANK, normalise_term

_VEP_FORMAT = re.compile(r"Format: ([^\"]+)")


@dataclass(frozen=True)
class GeneHit:
    """The annotation of one allele on one gene (its chosen transcript)."""

    gene: str
    consequence: str  # SO terms joined by '&'
    protein: ProteinChange | None
    hgvsp: str


@dataclass(frozen=True)
class Allele:
    """One somatic ALT allele (VCF coordinates: 1-based, anchor base kept for indels)."""

    chrom: str
    pos: int
    ref: str
    alt: str
    passing: bool
    hits: tuple[GeneHit, ...] = ()

    @property
    def key(self) -> tuple[str, int, str, str]:
        """``(chrom, pos, ref, alt)``."""
        return (self.chrom, self.pos, self.ref, self.alt)


def _so(consequence: str) -> str:
    return "&".join(normalise_term(t) for t in consequence.split("&") if t)


def _severity(consequence: str) -> int:
    return min((RANK.get(t, UNKNOWN_RANK) for t in consequence.split("&")), default=UNKNOWN_RANK)


Row = tuple[int, str, str, str, ProteinChange | None]


def _choose(rows: list[Row]) -> list[GeneHit]:
    """Per gene: the MANE/canonical row if flagged (priority 0/1), else the most severe one."""
    best: dict[str, tuple[int, int, str, str, ProteinChange | None]] = {}
    for prio, gene, cons, hgvsp, protein in rows:
        so = _so(cons)
        cand = (prio, _severity(so), so, hgvsp, protein)
        if gene not in best or cand[:2] < best[gene][:2]:
            best[gene] = cand
    return [GeneHit(g, v[2], v[4] or parse_hgvsp(v[3]), v[3]) for g, v in sorted(best.items())]


class VcfAlleles:
    """Iterate the alleles of a VCF with annotation of ``genes`` only.

    Parameters
    ----------
    path
        VCF, VCF.gz or BCF.
    genes
        Gene symbols whose annotation is parsed.
    tumor_sample
        Unused for selection here (FILTER is per record); kept for messages.
    """

    def __init__(self, path: str, genes: frozenset[str]) -> None:
        from cyvcf2 import VCF

        try:
            self.vcf = VCF(path, lazy=True, samples=[])
        except Exception as exc:  # cyvcf2 raises bare Exception for a bad header
            raise InputError(
                path,
                f"not a readable VCF/BCF ({exc})",
                where="header",
                hint="check it is VCF, VCF.gz or BCF and not truncated",
            ) from None
        self.path = path
        self.genes = genes
        infos = {}
        for h in self.vcf.header_iter():
            info = h.info()
            if info.get("HeaderType") == "INFO":
                infos[info["ID"]] = info.get("Description", "")
        try:
            self.contig_lengths = {
                n: int(x) for n, x in zip(self.vcf.seqnames, self.vcf.seqlens, strict=True) if int(x) > 0
            }
        except Exception:  # no ##contig lines and no index: cyvcf2 raises a bare Exception
            self.contig_lengths = {}
        self.kind = "vep" if "CSQ" in infos else ("snpeff" if "ANN" in infos else "none")
        idx: dict[str, int] = {}
        if self.kind == "vep":
            m = _VEP_FORMAT.search(infos["CSQ"])
            if not m:
                raise InputError(
                    path,
                    "the INFO/CSQ header line does not list its fields",
                    where="header",
                    hint="keep VEP's header line (Format: Allele|Consequence|...)",
                )
            idx = {name: i for i, name in enumerate(m.group(1).strip().strip("'\" ").split("|"))}
        self.idx = idx
        self.n_pass = 0  # records with FILTER PASS
        self.n_unfiltered = 0  # records with FILTER '.' (no filter applied)

    def __iter__(self) -> Iterator[Allele]:
        for v in self.vcf:
            passing = v.FILTER is None
            if passing:
                if v.FILTERS:
                    self.n_pass += 1
                else:
                    self.n_unfiltered += 1
            raw = v.INFO.get(self._key) if self.kind != "none" else None
            text = str(raw) if raw else ""
            relevant = bool(text) and any(g in text for g in self.genes)
            alts = v.ALT
            for k, alt in enumerate(alts):
                hits = tuple(self._hits(text, alt, k, len(alts), v.REF)) if relevant else ()
                yield Allele(v.CHROM, v.POS, v.REF, alt, passing, hits)

    @property
    def _key(self) -> str:
        return "CSQ" if self.kind == "vep" else "ANN"

    def _hits(self, text: str, alt: str, k: int, n_alt: int, ref: str) -> list[GeneHit]:
        rows: list[Row] = []
        if self.kind == "vep":
            i = self.idx
            c_sym, c_cons, c_p = i.get("SYMBOL"), i.get("Consequence", 1), i.get("HGVSp")
            c_ppos, c_aa = i.get("Protein_position"), i.get("Amino_acids")
            c_allele, c_num = i.get("Allele"), i.get("ALLELE_NUM")
            c_mane, c_can = i.get("MANE_SELECT", i.get("MANE")), i.get("CANONICAL")
            vep_alt = alt[1:] or "-" if len(ref) != len(alt) and alt[:1] == ref[:1] else alt
            for entry in text.split(","):
                f = entry.split("|")
                if c_sym is None or c_sym >= len(f) or f[c_sym] not in self.genes:
                    continue
                if n_alt > 1:
                    if c_num is not None and c_num < len(f) and f[c_num].isdigit():
                        if int(f[c_num]) - 1 != k:
                            continue
                    elif c_allele is not None and f[c_allele] not in (alt, vep_alt):
                        continue
                prio = 0 if c_mane is not None and f[c_mane] else (1 if c_can is not None and f[c_can] == "YES" else 2)
                hgvsp = f[c_p] if c_p is not None and c_p < len(f) else ""
                protein = None
                if not hgvsp and c_ppos is not None and c_aa is not None and c_aa < len(f):
                    protein = protein_from_fields(f[c_ppos], f[c_aa])  # VEP run without --hgvs
                rows.append((prio, f[c_sym], f[c_cons], hgvsp, protein))
        else:  # snpEff ANN: Allele|Annotation|Impact|Gene_Name|Gene_ID|Feature_Type|Feature_ID|...|HGVS.p|...
            for entry in text.split(","):
                f = entry.split("|")
                if len(f) < 11 or f[3] not in self.genes:
                    continue
                if n_alt > 1 and f[0].split("-")[0] != alt:
                    continue
                rows.append((2, f[3], f[1], f[10], None))
        return _choose(rows)


def maf_alleles(path: str, genes: frozenset[str], tumor_sample: str | None = None) -> Iterator[Allele]:
    """Alleles of one tumour of a MAF, converted to VCF-style coordinates when an indel has an anchor.

    MAF indels carry no anchor base (``-`` for the empty allele); they are returned as written
    (``ref``/``alt`` with ``-``), which is enough to tell an indel from an SNV.

    Raises
    ------
    InputError
        For missing columns, several tumours without ``tumor_sample``, or a bad position.
    """
    with open_text(path) as fh:
        reader = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        cols = reader.fieldnames or []
        need = ("Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode")
        missing = [c for c in need if c not in cols]
        if missing:
            raise InputError(
                path,
                f"missing MAF column(s) {', '.join(missing)}",
                where="header",
                hint="give a MAF with the standard GDC/vcf2maf columns",
            )
        seen: set[str] = set()
        for lineno, r in enumerate(reader, start=2):
            barcode = r["Tumor_Sample_Barcode"]
            if tumor_sample is not None and barcode != tumor_sample:
                continue
            seen.add(barcode)
            if tumor_sample is None and len(seen) > 1:
                raise InputError(
                    path,
                    "the MAF holds several tumours",
                    where="Tumor_Sample_Barcode",
                    hint=f"pass the tumour barcode, one of: {', '.join(sorted(seen))}",
                )
            try:
                pos = int(r["Start_Position"])
            except (TypeError, ValueError):
                raise InputError(
                    path, f"Start_Position {r['Start_Position']!r} is not an integer", where=f"row {lineno}"
                ) from None
            ref = r["Reference_Allele"]
            alt = r["Tumor_Seq_Allele2"] if r["Tumor_Seq_Allele2"] != ref else r.get("Tumor_Seq_Allele1", "")
            filt = (r.get("FILTER") or "PASS").strip()  # no FILTER column: the caller warns
            gene = r.get("Hugo_Symbol", "")
            hits: tuple[GeneHit, ...] = ()
            if gene in genes:
                cons = r.get("Consequence") or r.get("Variant_Classification", "")
                hgvsp = r.get("HGVSp_Short") or r.get("HGVSp") or ""
                hits = (GeneHit(gene, _so(cons), parse_hgvsp(hgvsp), hgvsp),)
            yield Allele(r["Chromosome"], pos, ref, alt, filt in ("PASS", "."), hits)


def is_snv(ref: str, alt: str) -> bool:
    """One base replaced by another (A/C/G/T only)."""
    return len(ref) == 1 and len(alt) == 1 and ref in "ACGT" and alt in "ACGT" and ref != alt


def is_indel(ref: str, alt: str) -> bool:
    """An insertion or deletion (VCF with anchor, or MAF with ``-``); symbolic ALTs are not."""
    if alt.startswith("<") or alt in ("*", ".", ""):
        return False
    return "-" in (ref, alt) or len(ref) != len(alt)


AlleleFilter = Callable[[Allele], bool]
