"""Which taxonomy edition is current: the institution type chosen at setup (insurer or bank) selects it."""

from __future__ import annotations

from django.db import transaction

from xiaobao.complaints.models import TaxonomyVersion
from xiaobao.core import audit
from xiaobao.core.models import User


@transaction.atomic
def taxonomy_select_edition(*, institution_type: str, actor: User | None) -> TaxonomyVersion:
    """Make the newest taxonomy edition of `institution_type` (insurer / bank) current, chosen at setup.
    Complaints keep the edition they were classified on. Raises LookupError when no such edition exists."""
    version = (
        TaxonomyVersion.objects.select_for_update()
        .filter(institution_type=institution_type)
        .order_by("-effective_from", "-pk")
        .first()
    )
    if version is None:
        raise LookupError(f"no taxonomy edition for {institution_type}")
    if not version.is_current:
        before = TaxonomyVersion.objects.filter(is_current=True).values_list("code", flat=True).first()
        TaxonomyVersion.objects.filter(is_current=True).update(is_current=False)
        version.is_current = True
        version.save(update_fields=["is_current"])
        audit.record(
            actor=actor,
            action="complaints.taxonomy_select",
            obj=version,
            changes={"current": {"before": before, "after": version.code}, "institution_type": institution_type},
        )
    return version
