"""Checks that stop a run which could only give a confident wrong number, and the warnings a run carries.

Before a scan (:func:`check_vcf_can_run`): an unfiltered Mutect2 file, a file without annotation (or with
annotation its header does not declare), and a filter that cannot run because the file lacks what it needs
are errors naming the way on. After a scan (:func:`check_after_scan`): a file whose every record is
unfiltered is an error unless unfiltered calls were asked for, and then it is a warning.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from biomarker.errors import InputError
from biomarker.files import open_text
from biomarker.tmb.annotation import RecordAnnotator
from biomarker.tmb.judge import Drivers
from biomarker.tmb.params import TmbParams

if TYPE_CHECKING:
    from biomarker.tmb.vcf_scan import ScanTally, VcfLayout

#: INFO tags an annotator writes; a record carrying one the header does not declare is refused.
ANNOTATION_TAGS = ("CSQ", "ANN", "FUNCOTATION", "Func.refGene", "EFF")
UNFILTERED_HINT = (
    "filter it first (gatk FilterMutectCalls; or bcftools/vcf2maf with FILTER kept), or count "
    "unfiltered calls on purpose with --set count_unfiltered=true"
)
PEEK_RECORDS = 200


def undeclared_annotation(path: str, declared: set[str], limit: int = PEEK_RECORDS) -> str | None:
    """The first annotation INFO tag found in the first ``limit`` records but not declared in the header.

    Only text VCFs can hold undeclared tags (BCF cannot be written without them in its header).
    """
    if path.lower().endswith(".bcf"):
        return None
    wanted = [t for t in ANNOTATION_TAGS if t not in declared]
    try:
        with open_text(path) as fh:
            seen = 0
            for line in fh:
                if line.startswith("#"):
                    continue
                cols = line.split("\t", 8)
                if len(cols) > 7:
                    keys = {item.partition("=")[0] for item in cols[7].split(";")}
                    for tag in wanted:
                        if tag in keys:
                            return tag
                seen += 1
                if seen >= limit:
                    break
    except (OSError, UnicodeDecodeError, EOFError):
        return None
    return None


def check_vcf_can_run(layout: VcfLayout, params: TmbParams, drivers: Drivers | frozenset = frozenset()) -> None:
    """Refuse, before reading any record, a file on which a switched-on filter cannot do its job.

    Raises
    ------
    InputError
        For an unfiltered Mutect2 header, no (or undeclared) annotation, no population AF field, no COSMIC
        count or id, or a protein-change driver list without protein changes in the annotation.
    """
    path = layout.path
    if layout.unfiltered_header and params.require_pass and not params.count_unfiltered:
        raise InputError(
            path,
            "unfiltered calls: the header says '##filtering_status=Warning: unfiltered "
            "Mutect 2 calls', so every FILTER is '.'",
            where="header",
            hint=UNFILTERED_HINT,
        )
    needs_annotation = params.filter_consequence or params.max_population_af is not None or params.exclude_hotspots
    if layout.annotator == "none":
        tag = undeclared_annotation(path, set(layout.infos))
        if tag is not None:
            raise InputError(
                path,
                f"INFO/{tag} is in the records but not declared in the header",
                where="header",
                hint=f"restore the annotator's ##INFO=<ID={tag},...> line (with its Format: list), "
                "e.g. from the file before it was edited or concatenated",
            )
        if needs_annotation:
            raise InputError(
                path,
                "no annotation: the header declares no CSQ, ANN, FUNCOTATION or ANNOVAR field, "
                "so no variant could be judged coding or germline",
                where="header",
                hint="annotate it (VEP, snpEff, Funcotator, ANNOVAR) first, or count every point "
                "mutation on purpose with --off consequence --off population_af",
            )
        return
    annotator = RecordAnnotator(
        path,
        layout.infos,
        layout.annotator,
        params.transcript_choice,
        params.population_af_fields,
        params.population_af_info,
    )
    check_annotation_fields(
        path,
        params,
        drivers,
        population=annotator.has_population_af,
        cosmic_count=annotator.has_cosmic_count,
        cosmic_id=annotator.has_cosmic_id,
        protein=annotator.has_protein,
    )


def check_annotation_fields(
    path: str,
    params: TmbParams,
    drivers: Drivers | frozenset = frozenset(),
    *,
    population: bool,
    cosmic_count: bool,
    cosmic_id: bool,
    protein: bool,
) -> None:
    """Refuse a switched-on filter whose field the file lacks altogether (VCF or variant table).

    Raises
    ------
    InputError
        Naming the filter and ``--off NAME``.
    """
    if params.max_population_af is not None and not population:
        raise InputError(
            path,
            "the population_af filter needs a population frequency (gnomAD/ExAC/1000G/MAX_AF "
            "in the annotation, or an INFO tag named with population_af_info), which the file "
            "lacks",
            where="header",
            hint="annotate with --af_gnomade/--max_af (VEP), name the INFO tag with --set "
            "population_af_info=TAG, or switch the filter off with --off population_af",
        )
    if params.exclude_hotspots and params.hotspot_min_cosmic_count is not None and not cosmic_count:
        raise InputError(
            path,
            f"the hotspot filter needs a COSMIC sample count (one of COSMIC_CNT, COSMIC_COUNT, "
            f"CNT) for 'COSMIC count >= {params.hotspot_min_cosmic_count}', which the file lacks "
            "(standard VEP has COSV ids, not counts)",
            where="header",
            hint="add counts (VEP --custom with the COSMIC VCF, fields CNT), give a driver list with "
            "--drivers FILE and --set hotspot_min_cosmic_count=null, or --off hotspot",
        )
    if params.exclude_hotspots and params.hotspot_cosmic_id and not cosmic_id:
        raise InputError(
            path,
            "the hotspot filter needs COSMIC ids (VEP Existing_variation or a COSMIC INFO tag), which the file lacks",
            where="header",
            hint="switch it off with --off hotspot",
        )
    if params.exclude_hotspots and isinstance(drivers, Drivers) and drivers.proteins and not protein:
        raise InputError(
            path,
            "the driver list names protein changes, but the annotation has none (VEP HGVSp, "
            "snpEff HGVS.p, MAF HGVSp_Short)",
            where="header",
            hint="annotate with VEP --hgvs, or list the drivers as chrom pos ref alt",
        )


def check_after_scan(path: str, tally: ScanTally, params: TmbParams) -> list[str]:
    """Refuse a wholly unfiltered file; return the warnings the run must carry.

    Raises
    ------
    InputError
        When every record has FILTER ``.`` and unfiltered calls were not asked for.
    """
    warnings: list[str] = []
    all_unfiltered = tally.records > 0 and tally.unfiltered == tally.records
    if all_unfiltered and params.require_pass and not params.count_unfiltered:
        raise InputError(
            path,
            f"unfiltered calls: all {tally.records:,} records have FILTER '.'",
            where="FILTER",
            hint=UNFILTERED_HINT,
        )
    if all_unfiltered and params.count_unfiltered:
        warnings.append(
            f"all {tally.records:,} records are unfiltered (FILTER '.') and were counted as PASS, as "
            "asked: artefacts and germline calls a filter would remove may inflate TMB"
        )
    elif all_unfiltered and not params.require_pass:
        warnings.append(f"all {tally.records:,} records are unfiltered (FILTER '.'); the FILTER filter is off")
    if tally.unknown_terms:
        terms = ", ".join(f"{t} ({n})" for t, n in Counter(tally.unknown_terms).most_common(5))
        warnings.append(f"consequence terms with no stated class were not counted: {terms}")
    if not params.filter_consequence:
        warnings.append("the consequence filter is off: every point mutation counts, coding or not")
    if tally.fates.get("duplicate"):
        warnings.append(
            f"{tally.fates['duplicate']:,} duplicate variants (same tumour, position, REF, ALT) "
            "were removed and counted once"
        )
    return warnings
