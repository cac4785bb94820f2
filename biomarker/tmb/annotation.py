"""Read functional annotation from a VCF record, whatever wrote it, as one :class:`Annotation` per ALT.

Supported: Ensembl VEP ``CSQ`` (field order from the header), snpEff ``ANN``, GATK Funcotator
``FUNCOTATION``, ANNOVAR flat INFO fields (``Func.refGene``/``ExonicFunc.refGene``...). Terms are
normalised to Sequence Ontology (:mod:`biomarker.tmb.consequences`). Transcript choice for VEP follows
``transcript_choice`` (default MANE Select > canonical > most severe over all transcripts).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from biomarker.errors import InputError
from biomarker.tmb.annotation_values import (
    COSMIC_COUNT_FIELDS,
    COSMIC_ID,
    DEFAULT_POPULATION_AF_FIELDS,
    SAMPLE_LEVEL_INFO_AF,
    Annotation,
    max_float,
    vep_allele,
)
from biomarker.tmb.consequences import (
    ANNOVAR_EXONIC,
    ANNOVAR_REGION,
    FUNCOTATOR_CLASSIFICATION,
    RANK,
    UNKNOWN_RANK,
    normalise_term,
)

_VEP_FORMAT = re.compile(r"Format: ([^\"]+)")
_FUNCO_FORMAT = re.compile(r"Funcotation fields are: ([^\"]+)")
ANNOTATORS = ("vep", "snpeff", "funcotator", "annovar", "none")


def detect_annotator(info_ids: set[str]) -> str:
    """Which annotation the header declares: ``vep``, ``snpeff``, ``funcotator``, ``annovar`` or ``none``."""
    if "CSQ" in info_ids:
        return "vep"
    if "ANN" in info_ids:
        return "snpeff"
    if "FUNCOTATION" in info_ids:
        return "funcotator"
    if any(i.startswith("Func.") for i in info_ids):
        return "annovar"
    return "none"


class RecordAnnotator:
    """Reads per-ALT :class:`Annotation` from cyvcf2 records of one VCF.

    Parameters
    ----------
    path
        The VCF (for messages).
    header_infos
        ``{ID: Description}`` of the header's INFO lines.
    annotator
        One of :data:`ANNOTATORS`; ``None`` detects it.
    transcript_choice
        Preference order among ``mane``, ``canonical``; whatever remains is ranked by severity.
    population_af_fields
        Names to look for in CSQ and INFO.
    """

    def __init__(
        self,
        path: str,
        header_infos: dict[str, str],
        annotator: str | None = None,
        transcript_choice: Sequence[str] = ("mane", "canonical"),
        population_af_fields: Sequence[str] = DEFAULT_POPULATION_AF_FIELDS,
        population_af_info: Sequence[str] = (),
    ) -> None:
        self.path = path
        self.kind = annotator or detect_annotator(set(header_infos))
        if self.kind not in ANNOTATORS:
            raise InputError(None, f"unknown annotator {self.kind!r}", hint=f"use one of {', '.join(ANNOTATORS)}")
        self.choice = tuple(transcript_choice)
        af_fields = tuple(population_af_fields)
        named = tuple(population_af_info)
        missing = [f for f in named if f not in header_infos]
        if missing:
            raise InputError(
                path,
                f"population_af_info names INFO/{missing[0]}, which the header does not declare",
                where="header",
                hint=f"INFO tags are: {', '.join(sorted(header_infos)[:12])}",
            )
        self.info_af = [f for f in af_fields if f in header_infos and f not in SAMPLE_LEVEL_INFO_AF] + [
            f for f in named if f not in af_fields or f in SAMPLE_LEVEL_INFO_AF
        ]
        self.info_cosmic = [i for i in header_infos if i.lower().startswith("cosmic")]
        self.info_cosmic_count = [f for f in COSMIC_COUNT_FIELDS if f in header_infos]
        self.fields: list[str] = []
        if self.kind in ("vep", "funcotator"):
            key = "CSQ" if self.kind == "vep" else "FUNCOTATION"
            pattern = _VEP_FORMAT if self.kind == "vep" else _FUNCO_FORMAT
            match = pattern.search(header_infos.get(key, ""))
            if not match:
                raise InputError(
                    path,
                    f"the INFO/{key} header line does not list its fields",
                    where="header",
                    hint="the annotator's header line must be kept (Format: A|B|...)",
                )
            self.fields = match.group(1).strip().strip("'\" ").split("|")
        idx = {name: i for i, name in enumerate(self.fields)}
        self.idx = idx
        if self.kind == "funcotator":
            self._f_class = next((i for n, i in idx.items() if n.endswith("_variantClassification")), None)
            self._f_gene = next((i for n, i in idx.items() if n.endswith("_hugoSymbol")), None)
            self._f_tx = next((i for n, i in idx.items() if n.endswith("_annotationTranscript")), None)
            if self._f_class is None:
                raise InputError(path, "FUNCOTATION has no *_variantClassification field", where="header")
        self.csq_af = [idx[f] for f in af_fields if f in idx]
        self.unknown_terms: dict[str, int] = {}
        self._so: dict[str, str] = {}
        self._consequences: dict[str, tuple[int, str, tuple[str, ...], tuple[str, ...]]] = {}
        self.csq_cosmic_count = [idx[f] for f in COSMIC_COUNT_FIELDS if f in idx]
        self.annovar_func = sorted(i for i in header_infos if i.startswith("Func."))
        self.n_fields = len(self.fields)
        hgvsp = idx.get("HGVSp_Short", idx.get("HGVSp"))
        self.hgvsp_i = hgvsp
        # the fields read from any transcript (allele-level ones are read from the first, split whole)
        cols = [idx.get("MANE_SELECT", idx.get("MANE")) if p == "mane" else idx.get("CANONICAL") for p in self.choice]
        self._choice_cols = [c for c in cols if c is not None]
        # every transcript is split only as far as the fields that choose one (allele, consequence, the
        # MANE/canonical flags); the chosen transcript and the first (allele-level values) are split whole
        needed = [idx[f] for f in ("Allele", "ALLELE_NUM", "Consequence") if f in idx] + self._choice_cols + [1]
        self._row_split = max(needed) + 1

    # -- what the file can tell (for the checks before a scan) --------------------------------
    @property
    def has_population_af(self) -> bool:
        """Whether any population frequency can be read (annotation subfield or INFO tag)."""
        return bool(self.csq_af or self.info_af)

    @property
    def has_cosmic_count(self) -> bool:
        """Whether a COSMIC sample count can be read."""
        return bool(self.csq_cosmic_count or self.info_cosmic_count)

    @property
    def has_cosmic_id(self) -> bool:
        """Whether COSMIC ids can be read (VEP Existing_variation or a COSMIC INFO tag)."""
        return "Existing_variation" in self.idx or bool(self.info_cosmic)

    @property
    def has_protein(self) -> bool:
        """Whether a protein change can be read (VEP HGVSp, snpEff HGVS.p)."""
        return self.hgvsp_i is not None or self.kind == "snpeff"

    def _term(self, term: str) -> str:
        """SO term of an annotator's term (cached), counting terms that have no stated class."""
        so = self._so.get(term)
        if so is None:
            so = self._so[term] = normalise_term(term)
        if so not in RANK:
            self.unknown_terms[term] = self.unknown_terms.get(term, 0) + 1
        return so

    # -- shared INFO-level values -------------------------------------------------------------
    def _info_values(self, v, keys: list[str], n_alt: int) -> list[list[str]]:
        """Per ALT, the raw string values of INFO ``keys`` (Number=A values split per ALT)."""
        out: list[list[str]] = [[] for _ in range(n_alt)]
        for key in keys:
            val = v.INFO.get(key)
            if val is None or val is False:
                continue
            items = list(val) if isinstance(val, tuple) else str(val).split(",")
            if len(items) == n_alt:
                for k in range(n_alt):
                    out[k].append(str(items[k]))
            else:
                for k in range(n_alt):
                    out[k].append(",".join(str(x) for x in items))
        return out

    def annotate(self, v) -> list[Annotation | None]:
        """One :class:`Annotation` (or ``None`` when the ALT has none) per ALT of record ``v``."""
        alts = v.ALT
        n_alt = len(alts)
        if self.kind == "vep":
            result = self._vep(v, alts)
        elif self.kind == "snpeff":
            result = self._snpeff(v, alts)
        elif self.kind == "funcotator":
            result = self._funcotator(v, n_alt)
        elif self.kind == "annovar":
            result = self._annovar(v, n_alt)
        else:
            return [None] * n_alt
        if self.info_af or self.info_cosmic or self.info_cosmic_count:
            af = self._info_values(v, self.info_af, n_alt)
            cosmic = self._info_values(v, self.info_cosmic, n_alt)
            counts = self._info_values(v, self.info_cosmic_count, n_alt)
            for k, ann in enumerate(result):
                if ann is None:
                    continue
                pop = max_float([*af[k], *([] if ann.population_af is None else [str(ann.population_af)])])
                has_id = ann.cosmic_id or any(c not in (".", "", "None") for c in cosmic[k])
                cnt = max_float(counts[k])
                result[k] = Annotation(
                    ann.consequence,
                    ann.gene,
                    ann.transcript,
                    pop,
                    has_id,
                    ann.cosmic_count if cnt is None else int(cnt),
                    ann.terms,
                    ann.protein,
                )
        return result

    # -- VEP ----------------------------------------------------------------------------------
    def _vep(self, v, alts: Sequence[str]) -> list[Annotation | None]:
        raw = v.INFO.get("CSQ")
        if not raw:
            return [None] * len(alts)
        idx = self.idx
        entries = str(raw).split(",")
        k = self._row_split
        rows = [entries[0].split("|")] + [t.split("|", k) for t in entries[1:]]
        allele_i, num_i = idx.get("Allele"), idx.get("ALLELE_NUM")
        by_alt: list[list[list[str]]] = [[] for _ in alts]
        if len(alts) == 1:
            by_alt[0] = rows
        else:
            trimmed = vep_allele(v.REF, alts)
            for row in rows:
                k = None
                if num_i is not None and num_i < len(row) and row[num_i].isdigit():
                    k = int(row[num_i]) - 1
                elif allele_i is not None and allele_i < len(row):
                    a = row[allele_i]
                    k = alts.index(a) if a in alts else (trimmed.index(a) if a in trimmed else None)
                if k is not None and 0 <= k < len(alts):
                    by_alt[k].append(row)
        return [self._vep_choose(rows_k) if rows_k else None for rows_k in by_alt]

    def _consequence_entry(self, field: str) -> tuple[int, str, tuple[str, ...], tuple[str, ...]]:
        """``(best rank, its SO term, every SO term, terms with no stated class)`` of one Consequence field."""
        best_rank, best_so = None, ""
        sos: list[str] = []
        unknowns: list[str] = []
        for t in field.split("&"):
            so = self._so.get(t)
            if so is None:
                so = self._so[t] = normalise_term(t)
            rank = RANK.get(so, UNKNOWN_RANK)
            if t:
                sos.append(so)
                if rank == UNKNOWN_RANK:
                    unknowns.append(t)
            if best_rank is None or rank < best_rank:
                best_rank, best_so = rank, so
        entry = (UNKNOWN_RANK if best_rank is None else best_rank, best_so, tuple(sos), tuple(unknowns))
        self._consequences[field] = entry
        return entry

    def _whole(self, row: list[str]) -> list[str]:
        """A transcript's every field (``_vep`` splits each only as far as choosing one needs)."""
        return "|".join(row).split("|") if len(row) == self._row_split + 1 else row

    def _vep_choose(self, rows: list[list[str]]) -> Annotation:
        idx = self.idx
        chosen = rows
        for col in self._choice_cols:
            picked = [r for r in rows if col < len(r) and r[col] not in ("", "NO")]
            if picked:
                chosen = picked
                break
        cons_i = idx.get("Consequence", 1)
        best: tuple[int, str, list[str]] | None = None
        # one pass over the rows: every term's SO name (for pyTMB's any-transcript rule and the unknown-term
        # warning), and the most severe among the chosen transcripts; each distinct Consequence string is
        # worked out once per file
        seen: set[str] = set()
        unknown, cache = self.unknown_terms, self._consequences
        chosen_all = chosen is rows
        chosen_ids = None if chosen_all else {id(r) for r in chosen}
        for row in rows:
            if cons_i >= len(row):
                continue
            entry = cache.get(row[cons_i])
            if entry is None:
                entry = self._consequence_entry(row[cons_i])
            rank, so, sos, unknowns = entry
            seen.update(sos)
            for t in unknowns:
                unknown[t] = unknown.get(t, 0) + 1
            if (chosen_all or id(row) in chosen_ids) and (best is None or rank < best[0]):  # type: ignore[operator]
                best = (rank, so, row)
        all_terms = frozenset(seen)
        if best is None:
            return Annotation("sequence_variant", terms=all_terms)
        _, so, row = best
        row = self._whole(row)

        def col(name: str) -> str:
            i = idx.get(name)
            return row[i] if i is not None and i < len(row) else ""

        # frequencies and COSMIC counts describe the allele, so every transcript row repeats them: read one
        first = self._whole(rows[0])
        pop = max_float([first[i] for i in self.csq_af if i < len(first) and first[i]])
        existing = col("Existing_variation")
        count = max_float([first[i] for i in self.csq_cosmic_count if i < len(first) and first[i]])
        protein = row[self.hgvsp_i] if self.hgvsp_i is not None and self.hgvsp_i < len(row) else ""
        return Annotation(
            so,
            col("SYMBOL"),
            col("Feature"),
            pop,
            bool(COSMIC_ID.search(existing)),
            None if count is None else int(count),
            all_terms,
            protein,
        )

    # -- snpEff -------------------------------------------------------------------------------
    def _snpeff(self, v, alts: Sequence[str]) -> list[Annotation | None]:
        raw = v.INFO.get("ANN")
        if not raw:
            return [None] * len(alts)
        best: list[tuple[int, str, str, str, str] | None] = [None] * len(alts)
        terms: list[set[str]] = [set() for _ in alts]
        for entry in str(raw).split(","):
            f = entry.split("|")
            if len(f) < 2:
                continue
            allele = f[0].split("-")[0]  # cancer mode writes ALT-REF
            k = 0 if len(alts) == 1 else (alts.index(allele) if allele in alts else None)
            if k is None:
                continue
            for term in f[1].split("&"):
                so = self._term(term)
                terms[k].add(so)
                rank = RANK.get(so, UNKNOWN_RANK)
                if best[k] is None or rank < best[k][0]:
                    best[k] = (
                        rank,
                        so,
                        f[3] if len(f) > 3 else "",
                        f[6] if len(f) > 6 else "",
                        f[10] if len(f) > 10 else "",
                    )
        return [
            None if b is None else Annotation(b[1], b[2], b[3], terms=frozenset(terms[k]), protein=b[4])
            for k, b in enumerate(best)
        ]

    # -- Funcotator ---------------------------------------------------------------------------
    def _funcotator(self, v, n_alt: int) -> list[Annotation | None]:
        raw = v.INFO.get("FUNCOTATION")
        if not raw:
            return [None] * n_alt
        blocks = [b.strip("[]") for b in re.split(r"\],\[", str(raw))]
        out: list[Annotation | None] = [None] * n_alt
        for k, block in enumerate(blocks[:n_alt]):
            f = block.split("|")
            cls = f[self._f_class] if self._f_class < len(f) else ""
            so = FUNCOTATOR_CLASSIFICATION.get(cls.upper()) or (self._term(cls) if cls else "sequence_variant")
            pop = max_float([f[i] for i in self.csq_af if i < len(f)])
            gene = f[self._f_gene] if self._f_gene is not None and self._f_gene < len(f) else ""
            tx = f[self._f_tx] if self._f_tx is not None and self._f_tx < len(f) else ""
            out[k] = Annotation(so, gene, tx, pop, terms=frozenset({so}))
        return out

    # -- ANNOVAR ------------------------------------------------------------------------------
    def _annovar(self, v, n_alt: int) -> list[Annotation | None]:
        func_key = next((k for k in self.annovar_func if v.INFO.get(k) not in (None, ".")), None)
        if func_key is None:
            return [None] * n_alt
        suffix = func_key[len("Func.") :]
        region = str(v.INFO.get(func_key)).replace("\\x3b", ";")
        exonic = str(v.INFO.get(f"ExonicFunc.{suffix}") or ".").replace("\\x3b", ";")
        gene = str(v.INFO.get(f"Gene.{suffix}") or "").replace("\\x3b", ";")
        terms = []
        for part in region.split(";"):
            if part == "exonic":
                terms.append(ANNOVAR_EXONIC.get(exonic.split(";")[0], "coding_sequence_variant"))
            elif part in ANNOVAR_REGION:
                terms.append(ANNOVAR_REGION[part])
        if not terms:
            return [None] * n_alt
        so = min(terms, key=lambda t: RANK.get(t, UNKNOWN_RANK))
        return [Annotation(so, gene, terms=frozenset(terms))] * n_alt
