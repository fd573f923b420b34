"""Every field of the case file declares whether it is 要配慮個人情報 (consultations/privacy.py)."""

from django.apps import apps
from django.db import models

from consultations.models import REFERRAL_ITEM_LEVELS, Case, ReferralItem
from consultations.privacy import Level, declared_fields, level_of, sensitive, sensitive_field_names


def _unclassified(app_models):
    return [f"{model.__name__}.{field.name}" for model in app_models for field in declared_fields(model)
            if level_of(field) is None]


def test_every_field_of_every_case_model_is_classified():
    case_models = list(apps.get_app_config("consultations").get_models())
    assert len(case_models) > 25
    assert _unclassified(case_models) == []


def test_a_new_unclassified_field_is_found():
    """The check above is not vacuous: a model with one plain field among classified ones fails it."""

    class Draft(models.Model):
        summary = sensitive(models.TextField("概要"))
        diagnosis = models.TextField("診断名")  # not declared

        class Meta:
            app_label = "consultations"
            managed = False

        def __str__(self) -> str:
            return "draft"

    try:
        assert _unclassified([Draft]) == ["Draft.diagnosis"]
    finally:
        apps.all_models["consultations"].pop("draft", None)
        apps.clear_cache()


def test_the_case_record_declares_its_sensitive_items():
    assert sensitive_field_names(Case) == ["domains", "presenting_problems"]
    assert level_of(Case._meta.get_field("person_name")) == Level.PERSONAL
    assert level_of(Case._meta.get_field("csw")) == Level.RECORD


def test_every_referral_item_has_a_level():
    assert set(REFERRAL_ITEM_LEVELS) == set(ReferralItem.values)
