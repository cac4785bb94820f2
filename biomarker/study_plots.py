"""Every figure of a study, drawn from store tables: ``study.pl`` of a :class:`~biomarker.api.Study`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from biomarker.errors import ConfigError

if TYPE_CHECKING:
    from biomarker.api import Study


class Plots:
    """Every figure of a study, drawn from store tables (``study.pl.km("pfs")``, ``study.pl.tmb()``...)."""

    def __init__(self, study: Study) -> None:
        self._study = study

    def tmb(self) -> Any:
        """TMB per tumour with its exact 95% CI."""
        return self._study.tmb().plot("tmb")

    def tmb_audit(self) -> Any:
        """What each TMB filter removed, per tumour."""
        return self._study.tmb().plot("tmb_audit")

    def pdl1(self) -> Any:
        """Subjects per PD-L1 TPS category."""
        return self._study.pathology().plot("pdl1_category")

    def km(self, endpoint: str = "pfs") -> Any:
        """Kaplan-Meier curve of ``pfs``, ``os`` or ``dor`` with numbers at risk."""
        return self._study.endpoints().plot(f"km_{endpoint}")

    def waterfall(self) -> Any:
        """Best % change of the target-lesion sum per subject."""
        return self._study.endpoints().plot("waterfall")

    def spider(self) -> Any:
        """% change of the target-lesion sum over time per subject."""
        return self._study.endpoints().plot("spider")

    def swimmer(self) -> Any:
        """Time on study with response, progression and death."""
        return self._study.endpoints().plot("swimmer")

    def signatures(self, name: str = "exposures", sample: str | None = None) -> Any:
        """A genomic figure: ``exposures`` (by best response), ``comutations`` (grid by response) or ``profile``
        (the SBS96 profile of ``sample``)."""
        result = self._study.genomic()
        if result is None:
            raise ConfigError("signatures: the store holds no genomic tables (add a genomic: block to study.yaml)")
        bor = self._study.endpoints().tables.get("bor")
        response = None if bor is None or "bor" not in bor.columns else bor[["usubjid", "bor"]]
        return result.plot(name, sample=sample, response=response if name != "profile" else None)

    def model(self, name: str = "roc") -> Any:
        """A model figure: ``roc``, ``calibration``, ``forest``, ``biomarker_by_response``, ``km_<end>_<group>``."""
        return self._study.models().plot(name)


__all__ = ["Plots"]
