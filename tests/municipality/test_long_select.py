"""The activity form's organisation list is written without a template per option: the same markup
as Django's widget, selected options, escaping and the field's accessibility attributes included."""

import pytest
from django import forms
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext

from activities.forms import ActivityForm
from municipality.forms import LongModelMultipleChoiceField, LongSelectMultiple
from municipality.models import Organisation

pytestmark = pytest.mark.django_db


def _forms(data=None):
    class Plain(forms.Form):
        organisations = forms.ModelMultipleChoiceField(
            label="関わった団体", queryset=Organisation.objects.order_by("name"), required=True,
            widget=forms.SelectMultiple(attrs={"size": 5}))

    class Long(Plain):
        organisations = LongModelMultipleChoiceField(
            label="関わった団体", queryset=Organisation.objects.order_by("name"), required=True,
            widget=LongSelectMultiple(attrs={"size": 5}))

    return Plain(data), Long(data)


@pytest.mark.parametrize("selected", [None, "first", "none_chosen"])
def test_the_long_select_renders_what_django_renders(selected):
    first = Organisation.objects.create(name="NPO法人 <支え合い> & 仲間")
    Organisation.objects.create(name="自治会 \"みなと\"")
    data = {"first": {"organisations": [str(first.pk)]}, "none_chosen": {}, None: None}[selected]
    plain, long = _forms(data)
    if data is not None:
        assert plain.is_valid() == long.is_valid()
    assert parse_html(str(long["organisations"].as_field_group())) == parse_html(
        str(plain["organisations"].as_field_group()))
    html = str(long["organisations"])
    assert "&lt;支え合い&gt; &amp; 仲間" in html
    if selected == "first":
        assert f'<option value="{first.pk}" selected>' in html
    if selected == "none_chosen":
        assert 'aria-invalid="true"' in html


def test_the_activity_form_uses_it_for_every_organisation():
    Organisation.objects.bulk_create(Organisation(name=f"団体{i:04d}") for i in range(300))
    from tests.factories import UserFactory

    form = ActivityForm(areas=[], user=UserFactory())
    assert isinstance(form.fields["organisations"].widget, LongSelectMultiple)
    html = str(form["organisations"])
    assert html.count("<option") == Organisation.objects.count()


def test_the_list_is_read_in_one_query_of_two_columns():
    """No COUNT before the list and no model instance per organisation: one query of (pk, name)."""
    Organisation.objects.bulk_create(Organisation(name=f"団体{i:04d}") for i in range(50))
    from tests.factories import UserFactory

    form = ActivityForm(areas=[], user=UserFactory())
    with CaptureQueriesContext(connection) as queries:
        html = str(form["organisations"])
    assert html.count("<option") == 50
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert "COUNT" not in sql.upper() and "name_kana" not in sql


def test_a_chosen_organisation_is_still_checked_against_the_database():
    kept = Organisation.objects.create(name="残る団体")
    gone = Organisation.objects.create(name="消える団体")
    _, long = _forms({"organisations": [str(kept.pk), str(gone.pk)]})
    gone.delete()
    assert not long.is_valid()
    assert "organisations" in long.errors
