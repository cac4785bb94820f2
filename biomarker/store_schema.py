"""The cohort store's schema: its table names and the DDL of the tables it owns (:mod:`biomarker.store`)."""

from __future__ import annotations

import re

#: Store table names (a step writes under these; readers look them up here, never spell them).
PDL1 = "pdl1"
TBNK = "tbnk"
TBNK_FEATURES = "tbnk_features"
TBNK_FEATURES_WIDE = "tbnk_features_wide"
SUBJECTS = "subjects"
PATIENTS = "patients"
ENDPOINT_PREFIX = "endpoint_"
MODEL_PREFIX = "model_"

SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    sample VARCHAR PRIMARY KEY,
    usubjid VARCHAR,
    input_path VARCHAR,
    bed_path VARCHAR,
    sample_type VARCHAR
);
CREATE TABLE IF NOT EXISTS tmb_results (
    sample VARCHAR PRIMARY KEY,
    usubjid VARCHAR,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    preset VARCHAR,
    input_sha256 VARCHAR,
    bed_sha256 VARCHAR,
    params_sha256 VARCHAR,
    counted_variants INTEGER,
    territory_bp BIGINT,
    tmb_per_mb DOUBLE,
    tmb_ci95_low_per_mb DOUBLE,
    tmb_ci95_high_per_mb DOUBLE,
    tmb_high BOOLEAN,
    caller VARCHAR,
    annotator VARCHAR,
    package_version VARCHAR,
    json_path VARCHAR,
    variants_path VARCHAR,
    warnings VARCHAR
);
CREATE TABLE IF NOT EXISTS tmb_filter_audit (
    sample VARCHAR NOT NULL,
    filter VARCHAR NOT NULL,
    removed INTEGER NOT NULL,
    PRIMARY KEY (sample, filter)
);
CREATE TABLE IF NOT EXISTS provenance (
    run_id INTEGER,
    step VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value VARCHAR,
    PRIMARY KEY (table_name, key)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    command VARCHAR,
    package_version VARCHAR,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    status VARCHAR,
    data_cutoff VARCHAR,
    config_path VARCHAR,
    config_sha256 VARCHAR
);
"""

#: The tables :data:`SCHEMA` creates (an open whose store has them all skips the DDL).
OWNED_TABLES = tuple(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA))

#: Columns of ``tmb_results`` in order.
TMB_COLUMNS = (
    "sample",
    "usubjid",
    "status",
    "reason",
    "preset",
    "input_sha256",
    "bed_sha256",
    "params_sha256",
    "counted_variants",
    "territory_bp",
    "tmb_per_mb",
    "tmb_ci95_low_per_mb",
    "tmb_ci95_high_per_mb",
    "tmb_high",
    "caller",
    "annotator",
    "package_version",
    "json_path",
    "variants_path",
    "warnings",
)
#: Tables whose rows are keyed by sample and written by the TMB batch (never replaced whole).
SAMPLE_TABLES = ("samples", "tmb_results", "tmb_filter_audit")
STALE = "stale"
