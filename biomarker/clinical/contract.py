"""The SDTM column contract of the clinical readers: domains, required and known columns, dates, numbers."""

from __future__ import annotations

DOMAINS = ("dm", "ex", "tu", "tr", "rs", "ae", "ds", "suppae", "cm", "sv", "lb")

#: Text that means "missing" in a delivered CSV (R writes ``NA``, SAS ``.``).
MISSING_TEXT = ("", "NA", ".")

#: Columns a domain must have; the others of the contract are optional.
REQUIRED: dict[str, tuple[str, ...]] = {
    "dm": ("USUBJID", "RFSTDTC"),
    "ex": ("USUBJID", "EXSTDTC"),
    "tu": ("USUBJID", "TULNKID", "TUORRES"),
    "tr": ("USUBJID", "TRLNKID", "TRTESTCD", "TRDTC"),
    "rs": ("USUBJID", "RSSTRESC", "RSDTC"),
    "ae": ("USUBJID", "AESTDTC"),
    "ds": ("USUBJID", "DSDECOD", "DSSTDTC"),
    "suppae": ("USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL"),
    "cm": ("USUBJID", "CMTRT", "CMSTDTC"),
    "sv": ("USUBJID", "SVSTDTC"),
    "lb": ("USUBJID", "LBDTC"),
}

#: Every column of the contract, so that a domain file that is absent becomes an empty frame.
COLUMNS: dict[str, tuple[str, ...]] = {
    "dm": (
        "STUDYID",
        "USUBJID",
        "SUBJID",
        "RFSTDTC",
        "RFENDTC",
        "RFXSTDTC",
        "RFXENDTC",
        "AGE",
        "SEX",
        "ECOG",
        "SMOKING",
        "HISTOLOGY",
        "DTHFL",
        "DTHDTC",
    ),
    "ex": ("USUBJID", "EXTRT", "EXDOSE", "EXDOSU", "EXDOSFRQ", "EXSTDTC", "EXENDTC", "VISIT", "EXADJ"),
    "tu": (
        "USUBJID",
        "TULNKID",
        "TUTESTCD",
        "TUORRES",
        "TULOC",
        "TUMETHOD",
        "TUDTC",
        "VISIT",
        "VISITNUM",
        "TUEVAL",
        "TUEVALID",
        "TUACPTFL",
    ),
    "tr": (
        "USUBJID",
        "TRLNKID",
        "TRTESTCD",
        "TRORRES",
        "TRSTRESC",
        "TRSTRESN",
        "TRSTRESU",
        "TRDTC",
        "VISIT",
        "VISITNUM",
        "TREVAL",
        "TREVALID",
        "TRACPTFL",
    ),
    "rs": (
        "USUBJID",
        "RSTESTCD",
        "RSCAT",
        "RSORRES",
        "RSSTRESC",
        "RSEVAL",
        "RSEVALID",
        "RSACPTFL",
        "RSDTC",
        "VISIT",
        "VISITNUM",
    ),
    "ae": (
        "USUBJID",
        "AETERM",
        "AEDECOD",
        "AEBODSYS",
        "AETOXGR",
        "AESEV",
        "AESER",
        "AEREL",
        "AEACN",
        "AEOUT",
        "AESEQ",
        "AESTDTC",
        "AEENDTC",
    ),
    "ds": ("USUBJID", "DSCAT", "DSDECOD", "DSTERM", "DSSTDTC", "EPOCH"),
    "suppae": ("USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL"),
    "cm": ("USUBJID", "CMTRT", "CMDECOD", "CMCAT", "CMCLAS", "CMSTDTC", "CMENDTC"),
    "sv": ("USUBJID", "VISIT", "VISITNUM", "SVSTDTC", "SVENDTC"),
    "lb": ("USUBJID", "LBTESTCD", "LBDTC"),
}

DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "dm": ("RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "DTHDTC"),
    "ex": ("EXSTDTC", "EXENDTC"),
    "tu": ("TUDTC",),
    "tr": ("TRDTC",),
    "rs": ("RSDTC",),
    "ae": ("AESTDTC", "AEENDTC"),
    "ds": ("DSSTDTC",),
    "cm": ("CMSTDTC", "CMENDTC"),
    "sv": ("SVSTDTC", "SVENDTC"),
    "lb": ("LBDTC",),
}

NUMERIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "dm": ("AGE", "ECOG"),
    "ex": ("EXDOSE",),
    "tr": ("TRSTRESN", "VISITNUM"),
    "rs": ("VISITNUM",),
    "ae": ("AESEQ",),
    "tu": ("VISITNUM",),
    "sv": ("VISITNUM",),
}

#: How a partial date (``2014-02``, ``2014``) is completed: the first, middle or last possible day, or refused.
