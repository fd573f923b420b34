from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The items of 本人の状況 most cities ask (生活困窮者自立相談支援のアセスメントシート); city staff change
# them in the admin afterwards. Migration 0013 seeded them once; see _seed_assessment_items.
DEFAULT_ASSESSMENT_ITEMS = ["健康", "障がい", "住まい", "収入・負債", "就労・日中活動", "社会関係・つながり"]


def _seed_assessment_items(sender, using="default", **kwargs):
    """An installation without any item gets the usual six (a table emptied by ``flush``, as the
    test runner does between transactional tests, would otherwise leave the sheet without items).
    Items are never deleted, only switched off, so an empty table means a new database."""
    from .models import AssessmentItem

    if not AssessmentItem.objects.using(using).exists():
        AssessmentItem.objects.using(using).bulk_create(
            AssessmentItem(label=label, order=order * 10) for order, label in enumerate(DEFAULT_ASSESSMENT_ITEMS, 1))


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "重層的支援"

    def ready(self) -> None:
        post_migrate.connect(_seed_assessment_items, sender=self, dispatch_uid="consultations.assessment_items")
