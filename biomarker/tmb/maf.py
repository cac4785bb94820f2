"""MAF input (vcf2maf, GDC, cBioPortal columns) judged by the same filter chain as a VCF."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

from biomarker.errors import InputError
from biomarker.files import open_text
from biomarker.tmb.annotation import Annotation
from biomarker.tmb.consequences import MAF_CLASSIFICATION, normalise_term
from biomarker.tmb.judge import judge_annotation, judge_filter, judge_support
from biomarker.tmb.params import TmbParams
from biomarker.tmb.territory import Territory
from biomarker.tmb.vcf_scan import Row, ScanTally

REQUIRED = ("Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2",
            "Variant_Classification", "Tumor_Sample_Barcode")
_COSMIC_ID = re.compile(r"COS[VM]\d+")


def is_maf(path: str) -> bool:
    """Whether a file looks like a MAF (its first non-comment line names MAF columns)."""
    try:
        with open_text(path) as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                return "Hugo_Symbol" in line or ("Chromosome" in line and "Variant_Classification" in line)
    except (OSError, UnicodeDecodeError, EOFError):
        return False
    return False


def _num(text: str | None) -> float | None:
    if text is None or text.strip() in ("", ".", "NA", "nan", "NaN"):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def scan_maf(
    path: str,
    params: TmbParams,
    territory: Territory,
    emit: Callable[[Row], None],
    *,
    tumor_sample: str | None = None,
    hotspots: frozenset = frozenset(),
) -> tuple[ScanTally, str]:
    """Judge every row of a MAF for one tumour; returns the tally and the tumour barcode.

    Raises
    ------
    InputError
        For missing columns, several tumours without ``tumor_sample``, or unparseable positions.
    """
    tally = ScanTally()
    with open_text(path) as fh:
        lines = (line for line in fh if not line.startswith("#"))
        reader = csv.DictReader(lines, delimiter="\t")
        cols = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise InputError(path, f"missing MAF column(s) {', '.join(missing)}", where="header",
                             hint="give a MAF with the standard GDC/vcf2maf columns")
        if params.require_pass and "FILTER" not in cols:
            raise InputError(path, "the FILTER filter needs a FILTER column, which the MAF lacks",
                             where="header", hint="switch it off with --off filter")
        for name, need, have in (
            ("vaf", params.min_vaf is not None, "t_alt_count" in cols and ("t_depth" in cols or "t_ref_count" in cols)),
            ("depth", params.min_depth is not None, "t_depth" in cols or "t_ref_count" in cols),
            ("alt_depth", params.min_alt_depth is not None, "t_alt_count" in cols),
        ):
            if need and not have:
                raise InputError(path, f"the {name} filter needs t_depth/t_ref_count/t_alt_count columns",
                                 where="header", hint=f"switch it off with --off {name}")
        af_cols = [c for c in params.population_af_fields if c in cols]
        rows = list(reader) if tumor_sample is None else None
        barcodes = sorted({r["Tumor_Sample_Barcode"] for r in rows}) if rows is not None else [tumor_sample]
        if tumor_sample is None and len(barcodes) > 1:
            raise InputError(path, "the MAF holds several tumours", where="Tumor_Sample_Barcode",
                             hint=f"pass --tumor-sample, one of: {', '.join(barcodes[:10])}")
        tumour = barcodes[0] if barcodes else (tumor_sample or "")
        source = rows if rows is not None else reader
        found = False
        for lineno, r in enumerate(source, start=2):
            if r["Tumor_Sample_Barcode"] != tumour:
                continue
            found = True
            chrom = r["Chromosome"]
            try:
                pos = int(r["Start_Position"])
            except (TypeError, ValueError):
                raise InputError(path, f"Start_Position {r['Start_Position']!r} is not an integer",
                                 where=f"row {lineno}") from None
            ref = r["Reference_Allele"]
            alt = r["Tumor_Seq_Allele2"] if r["Tumor_Seq_Allele2"] != ref else r.get("Tumor_Seq_Allele1", "")
            filt = (r.get("FILTER") or ".").strip()
            tally.records += 1
            tally.alleles += 1
            tally.contigs_seen.add(chrom)
            filters = [] if filt == "." else filt.split(";")
            fate = judge_filter(filters, params)
            if fate is None and not territory.contains(chrom, pos - 1):
                fate = ("territory", "outside territory")
            depth_f = _num(r.get("t_depth"))
            ref_n, alt_n = _num(r.get("t_ref_count")), _num(r.get("t_alt_count"))
            depth = int(depth_f) if depth_f is not None else (
                int(ref_n + alt_n) if ref_n is not None and alt_n is not None else None)
            alt_depth = None if alt_n is None else int(alt_n)
            vaf = alt_depth / depth if alt_depth is not None and depth else None
            ann = None
            if fate is None:
                fate = judge_support(ref.replace("-", ""), alt.replace("-", ""), vaf, depth, alt_depth, params)
            if fate is None:
                cls = (r.get("Variant_Classification") or "").strip()
                if cls:
                    pop = max((x for c in af_cols if (x := _num(r.get(c))) is not None), default=None)
                    cosmic = bool(_COSMIC_ID.search(r.get("Existing_variation", "") or ""))
                    ann = Annotation(MAF_CLASSIFICATION.get(cls, normalise_term(cls)), r.get("Hugo_Symbol", ""),
                                     r.get("Transcript_ID", ""), pop, cosmic)
                fate = judge_annotation(ann, alt, params, hotspots, (chrom, pos, ref))
            tally.fates[fate[0]] += 1
            emit((chrom, str(pos), ref, alt, filt, "" if vaf is None else f"{vaf:.4f}",
                  "" if depth is None else str(depth), "" if alt_depth is None else str(alt_depth),
                  "" if ann is None else ann.consequence, "" if ann is None else ann.gene,
                  "" if ann is None else ann.transcript,
                  "" if ann is None or ann.population_af is None else f"{ann.population_af:.6g}",
                  fate[0], fate[1]))
        if tumor_sample is not None and not found:
            raise InputError(path, f"no rows for tumour {tumor_sample!r}", where="Tumor_Sample_Barcode",
                             hint="check --tumor-sample")
    return tally, tumour
