from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from coordinators.selectors import waiting_counts
from municipality import selectors, wareki
from municipality.models import Organisation
from municipality.roles import ROLE_SLUGS, Role
from municipality.scoping import get_visible_or_404
from municipality.terms import localise

from . import services
from .forms import PasswordResetForm

COUNCILS_ON_START_PAGE = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: one section for each role the user holds."""
    user = request.user
    today = timezone.localdate()
    roles = [role for role in Role if role in user.roles]
    context = {
        "today": today,
        "fiscal_year_label": wareki.fiscal_year_label(wareki.fiscal_year(today)),
        "plan_period": selectors.plan_period_on(today),
        "role_sections": [
            {"role": role, "template": f"portal/roles/{ROLE_SLUGS[role]}.html"} for role in roles
        ],
        "areas": user.areas.select_related("parent"),
    }
    if Role.CASE_WORKER in roles:
        # Urgent cases head a case worker's start page (seed 003 支援会議 ③); the read is logged.
        # A case worker who is also a coordinator or secretariat handles no case: no link to cases.
        from consultations.access import may_handle_cases
        from consultations.selectors import urgent_cases_read

        context["handles_cases"] = may_handle_cases(user)
        if context["handles_cases"]:
            context["urgent"] = urgent_cases_read(user)
    if Role.SECRETARIAT in roles:
        from councils.selectors import councils_run_by

        # A city-wide secretariat runs every council: the start page names a few, the list has all.
        councils = list(councils_run_by(user).order_by("layer", "name")[:COUNCILS_ON_START_PAGE + 1])
        context["councils"] = councils[:COUNCILS_ON_START_PAGE]
        context["more_councils"] = len(councils) > COUNCILS_ON_START_PAGE
    if Role.CITY_STAFF in roles:
        context["overview"] = selectors.city_overview()
        context["waiting"] = waiting_counts(day=today)
    return render(request, "portal/home.html", context)


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_visible_or_404(Organisation, request.user, pk=pk)
    return render(request, "portal/organisation_detail.html", {"organisation": organisation})


@login_required
def guide(request: HttpRequest) -> HttpResponse:
    def days(values: list[int]) -> str:
        return "・".join("前日" if d == 1 else f"{d}日前" for d in values)

    response = render(request, "portal/guide.html", {
        "term_days": days(settings.REMINDER_TERM_DAYS), "meeting_days": days(settings.REMINDER_MEETING_DAYS),
        "expiry_days": days(settings.REMINDER_EXPIRY_DAYS),
    })
    # The guide is our own text, written with the usual name of the role: it reads the city's term.
    response.content = localise(response.content.decode()).encode()
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, with nothing done in the request but recording it: the answer, the work
    and the time are the same whether or not the address is registered. A worker looks the user up
    and queues the mail in the outbox; requests over the limits send nothing."""

    form_class = PasswordResetForm

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        services.password_reset_request(email=form.cleaned_data["email"],
                                        client=get_client_ip_address(self.request))
        return HttpResponseRedirect(self.get_success_url())


class LogoutView(auth_views.LogoutView):
    """Django's logout, and the browser told to forget what this site kept on the device: the field
    page's store of entries and choice lists (IndexedDB), its service worker and its cache
    (activities/field.py). Nothing of the user stays on a shared phone after logging out."""

    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
