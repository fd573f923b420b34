"""No date the application accepts can break a page: every form, every admin add page, every model.

The forms and admin pages are enumerated, not listed by hand: a new form or admin with a date field
that is not range-checked makes these tests fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from municipality.validators import validate_birth_date, validate_event_date
from tests.factories import AgencyFactory, AreaFactory, OrganisationFactory, PersonFactory, UserFactory

BAD_DATES = ["0001-01-01", "9999-12-31", "99", "2026-13-45", "garbage"]
BAD_TIMES = {"0001-01-01": "00:00", "9999-12-31": "23:59"}


def project_apps():
    """The apps whose code lives in this repository (not Django's or a package's)."""
    base = Path(settings.BASE_DIR).resolve()
    # The virtualenv may live inside the checkout (bin/dev makes .venv there): its packages are not ours.
    return [a for a in apps.get_app_configs()
            if base in Path(a.path).resolve().parents and "site-packages" not in Path(a.path).parts]


def form_modules():
    names = []
    for app in project_apps():
        for sub in ("forms", "admin"):
            with contextlib.suppress(ModuleNotFoundError):
                names.append(importlib.import_module(f"{app.name}.{sub}"))
    names.append(importlib.import_module("config.beat_admin"))
    return names


def project_form_classes():
    found = set()
    for module in form_modules():
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__:
                if issubclass(obj, forms.BaseModelForm) and obj._meta.model is None:
                    continue  # a base class such as JapaneseModelForm
                found.add(obj)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def date_fields(form: forms.BaseForm) -> list[tuple[str, forms.Field]]:
    return [(name, field) for name, field in form.fields.items()
            if isinstance(field, (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField))]


def bad_data(name: str, field: forms.Field, value: str) -> dict[str, str]:
    if isinstance(field, forms.SplitDateTimeField):
        return {f"{name}_0": value, f"{name}_1": BAD_TIMES.get(value, "10:00")}
    if isinstance(field, forms.DateTimeField):
        return {name: f"{value} {BAD_TIMES.get(value, '10:00')}"}
    return {name: value}


@pytest.fixture
def superuser(db):
    organisation = OrganisationFactory()
    return UserFactory(username="root", is_staff=True, is_superuser=True, organisation=organisation)


def constructor_kwargs(form_class, superuser) -> dict:
    """Keyword-only arguments a form asks for, by name. A new name fails the test until it is added here."""
    from activities.models import SocialResource
    from municipality.models import Area
    from tests.factories import CaseFactory

    known = {
        "user": lambda: superuser,
        "areas": lambda: Area.objects.all(),
        "resources": lambda: SocialResource.objects.all(),
        # マスクなし出力の申請: of a case, for one output (the timeline's has the period's two dates)
        "case": lambda: CaseFactory(),
        "output": lambda: "timeline",
    }
    kwargs = {}
    for cls in form_class.__mro__:
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        for param in inspect.signature(init).parameters.values():
            if param.kind is param.KEYWORD_ONLY and param.default is param.empty and param.name not in kwargs:
                assert param.name in known, f"{form_class.__qualname__}: teach this test the argument {param.name!r}"
                kwargs[param.name] = known[param.name]()
    return kwargs


def test_the_enumeration_finds_the_forms():
    names = {c.__qualname__ for c in project_form_classes()}
    # A few known ones, so that a broken enumeration cannot pass by finding nothing.
    assert {"IntakeForm", "AppointmentNoticeForm", "MemberForm", "NeedForm", "MembershipAddForm"} <= names


@pytest.mark.django_db
def test_every_form_refuses_out_of_range_and_garbage_dates(superuser):
    AreaFactory()
    checked = 0
    for form_class in project_form_classes():
        kwargs = constructor_kwargs(form_class, superuser)
        form = form_class(data={}, **kwargs)
        for name, field in date_fields(form):
            for value in BAD_DATES:
                form = form_class(data=bad_data(name, field, value), **kwargs)
                assert not form.is_valid(), (form_class, name, value)
                assert name in form.errors, f"{form_class.__qualname__}.{name} accepted {value!r}"
                checked += 1
    assert checked >= 15 * len(BAD_DATES)


@pytest.mark.django_db
def test_every_form_date_field_is_range_checked_by_its_own_validators(superuser):
    """A date field that only the service would refuse is not enough: the form must say it."""
    for form_class in project_form_classes():
        form = form_class(data={}, **constructor_kwargs(form_class, superuser))
        for name, field in date_fields(form):
            if isinstance(form, forms.ModelForm) and name in {f.name for f in form._meta.model._meta.fields}:
                validators = form._meta.model._meta.get_field(name).validators
            else:
                validators = field.validators
            assert {validate_event_date, validate_birth_date} & set(validators), \
                f"{form_class.__qualname__}.{name} has no range check"


def test_every_model_date_field_is_range_checked():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField):  # DateTimeField is a DateField too
                if model._meta.app_label not in {a.label for a in project_apps()} and model._meta.label != "municipality.User":
                    continue
                assert {validate_event_date, validate_birth_date} & set(field.validators), \
                    f"{model._meta.label}.{field.name} has no range check"


def admin_add_pages(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_add_permission(request):
            continue
        try:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        except NoReverseMatch:
            continue
        yield model, url


@pytest.mark.django_db
def test_every_admin_add_page_refuses_out_of_range_dates_and_saves_nothing(client, superuser):
    AreaFactory()
    client.force_login(superuser)
    pages = list(admin_add_pages(superuser))
    assert len(pages) >= 20
    checked = 0
    for model, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        if "adminform" not in (response.context or {}):
            continue
        form = response.context["adminform"].form
        for name, field in date_fields(form):
            for value in BAD_DATES:
                before = model._default_manager.count()
                response = client.post(url, bad_data(name, field, value))
                assert response.status_code == 200, (url, name, value, response.status_code)
                assert name in response.context["adminform"].form.errors, f"{url} {name} accepted {value!r}"
                assert model._default_manager.count() == before
                checked += 1
    assert checked >= 12 * len(BAD_DATES)


def test_services_refuse_out_of_range_dates():
    from municipality.errors import DomainError
    from municipality.validators import require_birth_date, require_event_date

    for day in (dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1999, 12, 31), dt.date(2101, 1, 1)):
        with pytest.raises(DomainError, match="2000年から2100年までの日付"):
            require_event_date(day, label="開催日")
    require_event_date(dt.date(2000, 1, 1), label="開催日")
    require_event_date(dt.date(2100, 12, 31), label="開催日")
    require_birth_date(dt.date(1868, 1, 1))
    with pytest.raises(DomainError, match="明治元年"):
        require_birth_date(dt.date(1867, 12, 31))


# --- Services refuse dates that come from elsewhere (commands, imports, other code) -----------

EXTREMES = [dt.date(1, 1, 1), dt.date(9999, 12, 31)]


@pytest.mark.django_db
@pytest.mark.parametrize("day", EXTREMES, ids=str)
def test_case_services_refuse_extreme_dates_and_save_nothing(day):
    from consultations import services
    from consultations.models import Case, Consent
    from municipality.errors import DomainError

    worker = UserFactory(username="worker", roles=["相談支援員"])
    agency = AgencyFactory()
    values = {"route": "phone", "domains": ["elderly"], "person_name": "山田 花子", "presenting_problems": "相談",
              "by": worker}
    with pytest.raises(DomainError, match="受付日：2000年から2100年までの日付"):
        services.case_open(received_on=day, **values)
    with pytest.raises(DomainError, match="生年月日"):
        services.case_open(received_on=dt.date(2026, 5, 1), person_birth_date=dt.date(9999, 1, 1), **values)
    assert Case.objects.count() == 0
    case = services.case_open(received_on=dt.date(2026, 5, 1), **values)
    with pytest.raises(DomainError, match="同意日"):
        services.consent_record(case=case, agencies=[agency], given_on=day, method="written", by=worker)
    with pytest.raises(DomainError, match="有効期限"):
        services.consent_record(case=case, agencies=[agency], given_on=dt.date(2026, 5, 1), method="written",
                                by=worker, expires_on=day)
    assert Consent.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("day", EXTREMES, ids=str)
def test_council_and_coordinator_services_refuse_extreme_dates(day, council, contract_a, contractor_a):
    from councils import services as council_services
    from councils.models import Membership
    from municipality.errors import DomainError
    from tests.lifecycle import file_notice

    person = PersonFactory()
    with pytest.raises(DomainError, match="任期の始まり"):
        council_services.membership_add(council=council, person=person, organisation=contractor_a.organisation,
                                        start=day, by=contractor_a)
    assert Membership.objects.count() == 0
    with pytest.raises(DomainError, match="選任年月日"):
        file_notice(contract_a, contractor_a, appointed_on=day)
