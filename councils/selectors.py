"""Councils: the reads that need care (scoping, select_related, one query where it matters)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from municipality.models import User
from municipality.roles import Role
from reminders.models import DeliveryStatus, Reason
from reminders.selectors import latest_deliveries

from .models import Body, Council, Invitation, Meeting, Membership, MinutesConfirmation, Office, OfficeRole, Paper


def councils_run_by(user: User) -> QuerySet[Council]:
    """The councils a user runs in the portal: all for city staff, their own for a secretariat,
    and their 第2層 council for a coordinator while in office."""
    councils = Council.objects.visible_to(user)
    if user.is_city_wide:
        return councils
    if not user.has_role(Role.SECRETARIAT):
        # A coordinator runs their 第2層 council while in office.
        from coordinators.models import Appointment

        if not Appointment.objects.active_on(timezone.localdate()).filter(coordinator__user=user).exists():
            return councils.none()
    return councils.filter(secretariat=user)


def bodies_run_by(user: User) -> QuerySet[Body]:
    """The other bodies (定例会・連絡会議, 地域ケア会議) a user runs: all for city staff, their own
    for a secretariat."""
    bodies = Body.objects.visible_to(user)
    if user.is_city_wide:
        return bodies
    return bodies.filter(secretariat=user)


def meetings_run_by(user: User) -> QuerySet[Meeting]:
    """The meetings of every body the user runs: their councils' (and working groups') and the others'."""
    return Meeting.objects.filter(
        Q(council__in=councils_run_by(user)) | Q(body__in=bodies_run_by(user).values("pk"))
    ).select_related("council", "working_group", "body")


def members_without_pledge(council: Council, day: dt.date) -> QuerySet[Membership]:
    """Members in office on a day who have not signed a pledge for this council."""
    return (
        Membership.objects.active_on(day).filter(council=council)
        .exclude(person__pledges__council=council)
        .select_related("person", "organisation")
    )


def awaiting_mail(meeting: Meeting, invitations: list[Invitation]) -> list[Invitation]:
    """The invitations (with an address) that have not had this version of the notice, or whose
    mail could not be sent (the address may have been corrected since). One query."""
    failed = {key for key, delivery in latest_deliveries(
        reason=Reason.INVITATION, object_keys=[f"councils.invitation:{i.pk}" for i in invitations]).items()
        if delivery.status == DeliveryStatus.FAILED}
    return [i for i in invitations if i.person.email and (
        i.mailed_sequence is None or i.mailed_sequence < meeting.sequence or f"councils.invitation:{i.pk}" in failed)]


def papers_current(meeting: Meeting) -> QuerySet[Paper]:
    """The papers handed out for a meeting now (not replaced, not withdrawn), in their order, with
    their agenda item. One query."""
    return Paper.objects.current().filter(meeting=meeting).select_related("agenda_item").order_by(
        F("agenda_item__order").asc(nulls_first=True), "order", "pk")


def papers_history(meeting: Meeting) -> QuerySet[Paper]:
    """Every paper of a meeting the secretariat may see, replaced and withdrawn ones included. One query."""
    return Paper.objects.filter(meeting=meeting).select_related("agenda_item", "replaces").order_by(
        "order", "-uploaded_at", "pk")
def minutes_confirmations(meeting: Meeting) -> QuerySet[MinutesConfirmation]:
    """Every attendee's answer to every round of confirmation, the latest round first (one query)."""
    return (MinutesConfirmation.objects.filter(invitation__meeting=meeting).select_related("invitation__person")
            .order_by("-round", "invitation__person__name_kana", "pk"))


def current_minutes(meeting: Meeting):
    """The approved version the public sees (the latest), or None."""
    return meeting.minutes_versions.select_related("document").order_by("-number").first()


def rsvp_contact(meeting: Meeting) -> dict[str, str]:
    """Whom to tell one's attendance, as the notice prints it: the meeting's own contact, else the
    secretariat's organisation (its phone and mail), else the city's department for the notices."""
    from municipality.models import Municipality

    contact = {"name": meeting.contact_name, "phone": meeting.contact_phone, "email": meeting.contact_email}
    if all(contact.values()):
        return contact
    secretary = (meeting.host.secretariat.filter(is_active=True).select_related("organisation")
                 .order_by("pk").first())
    organisation = secretary.organisation if secretary is not None else None
    if organisation is not None:
        contact["name"] = contact["name"] or organisation.name
        contact["phone"] = contact["phone"] or organisation.phone
        contact["email"] = contact["email"] or organisation.email
    if not contact["name"]:
        contact["name"] = Municipality.objects.current().certificate_department
    return contact


def current_chair(meeting: Meeting) -> Office | None:
    """The council's chair now; a meeting of another body has none (its secretariat approves)."""
    if meeting.council_id is None:
        return None
    return Office.objects.filter(council_id=meeting.council_id, role=OfficeRole.CHAIR, end__isnull=True).first()
