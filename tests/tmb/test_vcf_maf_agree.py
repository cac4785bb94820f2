"""The two implementations of the filter chain (per record for VCF, vectorised for MAF/tables) agree on every
variant: the same calls written as a Mutect2 + VEP VCF and as a vcf2maf MAF get the same fates."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biomarker.tmb import compute_tmb
from tests.conftest import MUTECT_HEADER, csq, mutect_record

EFFECTS = [
    ("missense_variant", "Missense_Mutation"),
    ("synonymous_variant", "Silent"),
    ("stop_gained", "Nonsense_Mutation"),
    ("intron_variant", "Intron"),
    ("splice_region_variant", "Splice_Region"),
    ("frameshift_variant", "Frame_Shift_Del"),
]
MAF_COLS = [
    "Hugo_Symbol",
    "Chromosome",
    "Start_Position",
    "Variant_Classification",
    "Reference_Allele",
    "Tumor_Seq_Allele2",
    "Tumor_Sample_Barcode",
    "t_depth",
    "t_ref_count",
    "t_alt_count",
    "FILTER",
    "gnomAD_AF",
]

call = st.tuples(
    st.integers(0, 60),  # ref reads
    st.integers(0, 30),  # alt reads
    st.sampled_from(EFFECTS),
    st.sampled_from(["PASS", "PASS", "weak_evidence"]),
    st.sampled_from(["", "0.0001", "0.01"]),
    st.booleans(),  # inside the BED
    st.integers(0, 4),  # 0: the same call as the previous one again (a duplicate, maybe with another FILTER)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=st.lists(call, min_size=1, max_size=12), preset=st.sampled_from(["wes", "pytmb-wes", "msk-impact"]))
def test_vcf_and_maf_give_the_same_fates(tmp_path_factory, calls, preset) -> None:
    tmp: Path = tmp_path_factory.mktemp("agree")
    bed = tmp / "t.bed"
    bed.write_text("chr1\t0\t1000000\n")
    vcf_lines, maf_lines = [], []
    pos, previous = 0, EFFECTS[0]
    for i, (ref_n, alt_n, (so, maf_class), filt, af, inside, repeat) in enumerate(calls):
        if repeat or i == 0:
            pos = (1000 + 10 * i) if inside else (2_000_000 + 10 * i)
        else:  # the same site and alleles as the previous call
            so, maf_class = previous
        previous = (so, maf_class)
        ref, alt = ("CAG", "C") if so == "frameshift_variant" else ("C", "T")
        allele = "-" if so == "frameshift_variant" else "T"
        vcf_lines.append(
            mutect_record(
                "chr1",
                pos,
                ref,
                alt,
                filt=filt,
                csq_entries=[csq(allele, so, gnomade=af)],
                tumour=f"0/1:{ref_n},{alt_n}:.:{ref_n + alt_n}",
            )
        )
        maf_ref, maf_alt = ("AG", "-") if so == "frameshift_variant" else ("C", "T")
        maf_lines.append(
            [
                f"G{i}",
                "chr1",
                str(pos + (so == "frameshift_variant")),
                maf_class,
                maf_ref,
                maf_alt,
                "T1",
                str(ref_n + alt_n),
                str(ref_n),
                str(alt_n),
                filt,
                af,
            ]
        )
    vcf = tmp / "t.vcf"
    vcf.write_text(
        MUTECT_HEADER
        + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tN1\tT1\n"
        + "".join(line + "\n" for line in vcf_lines)
    )
    maf = tmp / "t.maf"
    maf.write_text("\t".join(MAF_COLS) + "\n" + "".join("\t".join(r) + "\n" for r in maf_lines))
    from_vcf = compute_tmb(vcf, bed, preset)
    from_maf = compute_tmb(maf, bed, preset)
    assert list(from_vcf.variants().fate) == list(from_maf.variants().fate)
    assert from_vcf.counted == from_maf.counted
    assert from_vcf.removed_by() == from_maf.removed_by()
