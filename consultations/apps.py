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


def log_masked_fields(model) -> list[str]:
    """The fields whose values the append-only audit log must never hold (consultations/privacy.py):
    every 要配慮 field, and every personal field that can carry free content (not a choice, a
    yes/no or a link to another record, whose values say nothing of the person)."""
    from django.db import models

    from .privacy import Level, declared_fields, level_of

    return [f.name for f in declared_fields(model) if not f.many_to_many and (
        level_of(f) == Level.SENSITIVE
        or (level_of(f) == Level.PERSONAL and not f.choices and not f.is_relation
            and not isinstance(f, models.BooleanField)))]


def _mask_in_audit_log(app_config: AppConfig) -> None:
    """Register every case model with the audit log masking the fields the declarations name, on top
    of what the settings say: a new 要配慮 field is masked in the log the moment it is declared."""
    from auditlog.registry import auditlog

    for model in app_config.get_models():
        masked = log_masked_fields(model)
        if not masked or not auditlog.contains(model):
            continue
        current = auditlog.get_model_fields(model)
        auditlog.register(
            model, include_fields=current["include_fields"] or None, exclude_fields=current["exclude_fields"],
            mapping_fields=current["mapping_fields"], mask_callable=current["mask_callable"],
            m2m_fields=auditlog._registry[model]["m2m_fields"],  # not in get_model_fields (auditlog 3.4)
            mask_fields=sorted(set(current["mask_fields"]) | set(masked)))


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "重層的支援"

    def ready(self) -> None:
        post_migrate.connect(_seed_assessment_items, sender=self, dispatch_uid="consultations.assessment_items")
        _mask_in_audit_log(self)
