from __future__ import annotations

from functools import cached_property

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from consultations.access import may_handle_cases, may_see_figures
from councils.models import Council
from municipality.models import Municipality, User
from municipality.naming import SYSTEM_NAME
from municipality.roles import Role
from municipality.terms import localise
from reminders.models import Notice


def portal(request: HttpRequest) -> dict:
    """The municipality's name and the navigation of the signed-in user, for every page.

    Every value is lazy: a page that shows no navigation (the admin, a PDF, a mail) pays no query
    for it, and a portal page pays one for the unread notices and the councils the user runs together.
    """
    municipality = SimpleLazyObject(Municipality.objects.current)
    context = {"system_name": SYSTEM_NAME, "municipality": municipality}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        context["nav_items"] = []
        return context
    navigation = _Navigation(request, user, municipality)
    context["unread_notice_count"] = SimpleLazyObject(lambda: navigation.unread)
    context["user_role_names"] = SimpleLazyObject(lambda: [localise(role.value) for role in user.roles])
    context["nav_items"] = SimpleLazyObject(lambda: navigation.items)
    return context


class _Navigation:
    def __init__(self, request: HttpRequest, user: User, municipality: Municipality) -> None:
        self.request, self.user, self.municipality = request, user, municipality

    @cached_property
    def _flags(self) -> tuple[int, bool]:
        """The unread notices and whether the user runs a council, in one query."""
        unread = (Notice.objects.filter(user=OuterRef("pk")).unread().order_by().values("user")
                  .annotate(count=Count("pk")).values("count"))
        return (User.objects.filter(pk=self.user.pk)
                .values_list(Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
                             Exists(Council.objects.filter(secretariat=OuterRef("pk"))))
                .get())

    @property
    def unread(self) -> int:
        return self._flags[0]

    @cached_property
    def items(self) -> list[dict]:
        user = self.user
        items = [("ホーム", reverse("portal:home"))]
        if user.has_role(Role.CONTRACTOR, Role.COORDINATOR):
            items.append((self.municipality.coordinator_term, reverse("coordinators:list")))
        if user.has_role(Role.CONTRACTOR):
            items.append(("届出", reverse("coordinators:notices")))
        if user.has_role(Role.COORDINATOR, Role.CONTRACTOR):
            items.append(("活動記録", reverse("activities:list")))
        if user.has_role(Role.CITY_STAFF):
            items.append(("活動状況", reverse("activities:dashboard")))
        if may_handle_cases(user):  # not a case worker who is also a coordinator or secretariat
            items.append(("ケース", reverse("cases:list")))
        elif user.has_role(Role.CITY_STAFF):  # no case, no personal data: the city reads these meetings
            items.append(("地域生活課題の会議", reverse("cases:area_conferences")))
        if may_see_figures(user):
            items.append(("年度の集計", reverse("cases:figures")))
        if user.has_role(Role.AUDITOR):  # the register of a case, by its number: no case contents
            items.append(("提供の記録の確認", reverse("cases:audit_disclosures")))
        if user.has_role(Role.SECRETARIAT) or self._flags[1]:
            items.append(("協議体", reverse("councils:list")))
        if user.organisation_id:
            items.append(("所属団体", reverse("portal:organisation", args=[user.organisation_id])))
        if user.is_staff:
            items.append(("管理サイト", reverse("admin:index")))
        notices = reverse("reminders:list")
        items.append(("お知らせ", notices))
        items.append(("利用ガイド", reverse("portal:guide")))
        items.append(("パスワード変更", reverse("password_change")))
        return [
            {"label": label, "url": url, "count": self.unread if url == notices else 0,
             "current": self.request.path == url}
            for label, url in items
        ]
