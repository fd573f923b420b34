"""Free text has a limit that fits each field: forms say it in Japanese, the database enforces it.

Forms, admin add pages and models are enumerated (see test_input_bounds.py): a new text field
without a limit makes these tests fail.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.db.utils import DataError
from django.urls import reverse

from municipality.validators import text_limits
from tests.factories import AreaFactory, UserFactory
from tests.test_input_bounds import (
    admin_add_pages,
    constructor_kwargs,
    project_apps,
    project_form_classes,
    superuser,  # noqa: F401  (fixture)
)

# Text the application writes itself (mail bodies rendered from templates), never typed by a user.
SYSTEM_TEXT = {"reminders.Delivery.body", "reminders.Delivery.html_body", "reminders.Notice.body"}


def text_fields(form: forms.BaseForm) -> list[tuple[str, forms.CharField]]:
    return [(name, field) for name, field in form.fields.items() if isinstance(field, forms.CharField)]


def project_models():
    labels = {a.label for a in project_apps()}
    return [m for m in apps.get_models() if m._meta.app_label in labels]


def test_every_text_field_users_fill_has_a_limit_the_database_checks():
    for model in project_models():
        checks = {c.name: c for c in model._meta.constraints}
        for field in model._meta.concrete_fields:
            label = f"{model._meta.label}.{field.name}"
            if isinstance(field, models.TextField) and label not in SYSTEM_TEXT:
                assert field.max_length, f"{label} has no max_length"
                expected = text_limits(model._meta.model_name, **{field.name: field.max_length})[0]
                assert expected.name in checks, f"{label}: no CheckConstraint {expected.name}"
                assert checks[expected.name] == expected, f"{label}: the constraint and max_length disagree"
            elif isinstance(field, models.CharField):
                assert field.max_length and field.max_length <= 300, label


@pytest.mark.django_db
def test_every_form_text_field_has_a_limit_and_refuses_one_character_more(superuser):  # noqa: F811
    AreaFactory()
    checked = 0
    for form_class in project_form_classes():
        kwargs = constructor_kwargs(form_class, superuser)
        for name, field in text_fields(form_class(data={}, **kwargs)):
            assert field.max_length, f"{form_class.__qualname__}.{name} has no max_length"
            over = "あ" * (field.max_length + 1)
            form = form_class(data={name: over}, **kwargs)
            assert not form.is_valid()
            assert name in form.errors, f"{form_class.__qualname__}.{name} accepted {field.max_length + 1} characters"
            assert str(field.max_length) in " ".join(form.errors[name]), form.errors[name]
            checked += 1
    assert checked >= 40


@pytest.mark.django_db
def test_every_admin_add_page_refuses_over_long_text_and_saves_nothing(client, superuser):  # noqa: F811
    AreaFactory()
    client.force_login(superuser)
    checked = 0
    for model, url in admin_add_pages(superuser):
        response = client.get(url)
        if "adminform" not in (response.context or {}):
            continue
        for name, field in text_fields(response.context["adminform"].form):
            if field.max_length is None:
                continue  # e.g. the password fields of the user form: hashed, never stored as typed
            before = model._default_manager.count()
            response = client.post(url, {name: "あ" * (field.max_length + 1)})
            assert response.status_code == 200, (url, name)
            assert name in response.context["adminform"].form.errors, f"{url} {name}"
            assert model._default_manager.count() == before
            checked += 1
    assert checked >= 30


@pytest.mark.django_db
def test_a_long_household_line_is_refused_by_the_intake_form():
    from consultations.forms import IntakeForm

    form = IntakeForm(data={"household": "山田 一郎／長男\n" + "あ" * 101 + "／長男"})
    assert not form.is_valid()
    assert "2行目の氏名は100文字以内" in form.errors["household"][0]


@pytest.mark.django_db
def test_an_over_long_need_is_refused_by_its_page_and_nothing_is_saved(client, contract_a, contractor_a, city_user):
    from activities.models import Need
    from tests.activities.conftest import appoint

    area = contract_a.areas.first()
    coordinator = appoint(contract_a, contractor_a, city_user, username="c1", name="松本 さくら", areas=[area])
    client.force_login(coordinator.user)
    response = client.post(reverse("activities:need_create"), {
        "title": "坂の上で買い物に行けない", "area": area.pk, "raised_by": "民生委員", "raised_on": "2026-11-20",
        "status": "open", "description": "あ" * 4001,
    })
    assert response.status_code == 200
    assert "4000" in response.content.decode()
    assert not Need.objects.exists()


# --- The database refuses what slips past a form ------------------------------------------

def _case():
    from consultations import services

    worker = UserFactory(username="worker", roles=["相談支援員"])
    return services.case_open(received_on=dt.date(2026, 5, 10), route="phone", domains=["elderly"],
                              person_name="山田 花子", presenting_problems="相談", by=worker)


@pytest.mark.django_db
def test_the_database_refuses_an_over_long_text_written_past_the_form():
    from consultations.models import Case

    case = _case()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(presenting_problems="あ" * 4001)
    Case.objects.filter(pk=case.pk).update(presenting_problems="あ" * 4000)  # the limit itself fits


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_over_long_names_and_has_every_text_check():
    from consultations.models import Case

    case = _case()
    with pytest.raises(DataError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(person_name="あ" * 101)
    with connection.cursor() as cursor:
        for model in project_models():
            names = {c.name for c in model._meta.constraints if c.name.endswith("_max_length")}
            if names:
                present = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
                assert names <= present, model._meta.label
