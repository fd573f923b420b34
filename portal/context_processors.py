from django.http import HttpRequest
from django.urls import reverse

from consultations.access import may_see_figures
from municipality.models import Municipality
from municipality.naming import SYSTEM_NAME
from municipality.roles import Role
from reminders.models import Notice


def portal(request: HttpRequest) -> dict:
    """The municipality's name and the navigation of the signed-in user, for every page."""
    context = {"system_name": SYSTEM_NAME, "municipality": Municipality.objects.current()}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        context["nav_items"] = []
        return context
    items = [("ホーム", reverse("portal:home"))]
    if user.has_role(Role.CONTRACTOR, Role.COORDINATOR):
        items.append((context["municipality"].coordinator_term, reverse("coordinators:list")))
    if user.has_role(Role.CONTRACTOR):
        items.append(("届出", reverse("coordinators:notices")))
    if user.has_role(Role.COORDINATOR, Role.CONTRACTOR):
        items.append(("活動記録", reverse("activities:list")))
    if user.has_role(Role.CITY_STAFF):
        items.append(("活動状況", reverse("activities:dashboard")))
    if user.has_role(Role.CASE_WORKER):
        items.append(("ケース", reverse("cases:list")))
    elif user.has_role(Role.CITY_STAFF):  # no case, no personal data: the city reads these meetings
        items.append(("地域生活課題の会議", reverse("cases:area_conferences")))
    if may_see_figures(user):
        items.append(("年度の集計", reverse("cases:figures")))
    if user.has_role(Role.AUDITOR):  # the register of a case, by its number: no case contents
        items.append(("提供の記録の確認", reverse("cases:audit_disclosures")))
    if user.has_role(Role.SECRETARIAT) or user.councils_run.exists():
        items.append(("協議体", reverse("councils:list")))
    if user.organisation_id:
        items.append(("所属団体", reverse("portal:organisation", args=[user.organisation_id])))
    if user.is_staff:
        items.append(("管理サイト", reverse("admin:index")))
    unread = Notice.objects.filter(user=user).unread().count()
    context["unread_notice_count"] = unread
    items.append(("お知らせ", reverse("reminders:list")))
    counts = {reverse("reminders:list"): unread}
    items.append(("利用ガイド", reverse("portal:guide")))
    items.append(("パスワード変更", reverse("password_change")))
    context["user_role_names"] = [role.value for role in user.roles]
    context["nav_items"] = [
        {"label": label, "url": url, "count": counts.get(url, 0), "current": request.path == url}
        for label, url in items
    ]
    return context
