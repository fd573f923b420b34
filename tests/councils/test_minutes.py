"""Minutes with approval (issue 17 must-have 3): draft → confirmation by the attendees (a token
link, at a real SMTP sink) → corrections → approval (an issued, stored PDF) → publication;
corrections after approval as new versions; every refusal; double submits."""

import datetime as dt
import hashlib
import io
import re

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from councils import services
from councils.demo import MINUTES_STATES, minutes_to_state
from councils.models import (
    ApprovedAs,
    ConfirmationAnswer,
    MinutesConfirmation,
    MinutesStatus,
    MinutesVersion,
    OfficeRole,
)
from forms_pdf.models import IssuedDocument
from municipality.errors import DomainError
from reminders.models import Delivery, Reason
from reminders.services import send_due
from tests.council_fixtures import people
from tests.factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db

HELD_ON = dt.date(2026, 12, 1)
DEADLINE = dt.date(2026, 12, 9)


@pytest.fixture(autouse=True)
def today():
    # The day after the meeting (10:00 in Tokyo).
    with time_machine.travel(dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def meeting(council, body, secretary):
    members = people(3)
    members[0].email, members[1].email = "iin0@example.jp", "iin1@example.jp"
    for person in members:
        person.save()
        services.membership_add(council=council, person=person, organisation=body, start=dt.date(2025, 4, 1),
                                by=secretary)
    meeting = MeetingFactory(council=council, title="令和8年度 第2回 第1層協議体", date=HELD_ON)
    AgendaItemFactory(meeting=meeting, order=1, title="買い物支援の取組について")
    services.meeting_invite_members(meeting=meeting, by=secretary)
    services.attendance_record(meeting=meeting, by=secretary, attended_person_ids=[p.pk for p in members])
    services.minutes_save(meeting=meeting, by=secretary, minutes="買い物支援について意見交換を行った。",
                          decisions="移動販売の停車場所の追加を働きかける。", outline="")
    return meeting


@pytest.fixture
def chair(council, meeting, secretary):
    person = meeting.invitations.order_by("pk").first().person
    return services.office_assign(council=council, role=OfficeRole.CHAIR, holder=person, start=dt.date(2025, 4, 1),
                                  by=secretary)


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


def send(meeting, secretary, deadline=DEADLINE):
    return services.minutes_send_for_confirmation(meeting=meeting, confirm_by=deadline, by=secretary)


def tokens(meeting, round_=None):
    rows = MinutesConfirmation.objects.filter(invitation__meeting=meeting, round=round_ or meeting.minutes_round)
    return list(rows.order_by("pk").values_list("token", flat=True))


def test_attendees_confirm_by_the_link_in_their_mail_and_the_chair_approves(
        client, meeting, secretary, chair, smtp_sink):
    queued, without = send(meeting, secretary)
    assert (queued, without) == (2, 1)  # the third attendee has no address: confirmed on paper
    assert send_due() == 2
    assert sorted(m["To"] for m in smtp_sink.messages) == ["iin0@example.jp", "iin1@example.jp"]
    message = smtp_sink.messages[0]
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "令和8年12月9日" in text  # the deadline, in 和暦
    [link] = re.findall(r"https?://\S+/meetings/minutes/\S+/", text)
    page = client.get(link.split("testserver")[-1] if "testserver" in link else "/" + link.split("/", 3)[3])
    assert page.status_code == 200
    assert "買い物支援について意見交換を行った。" in page.content.decode()

    first, second, _third = tokens(meeting)
    client.post(reverse("meetings:minutes_confirm", args=[first]), {"correction": ""})
    client.post(reverse("meetings:minutes_confirm", args=[second]), {"correction": "発言者は副会長です。"})
    answers = dict(MinutesConfirmation.objects.values_list("token", "answer"))
    assert answers[first] == ConfirmationAnswer.CONFIRMED and answers[second] == ConfirmationAnswer.CORRECTED
    # The secretariat sees the correction on the meeting's page.
    client.force_login(secretary)
    assert "発言者は副会長です。" in client.get(reverse("councils:meeting", args=[meeting.pk])).content.decode()

    version = services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.CHAIR, by=secretary)
    meeting.refresh_from_db()
    assert meeting.minutes_status == MinutesStatus.APPROVED and version.number == 1 and version.chair == chair
    text = pdf_text(bytes(version.document.pdf))
    assert "買い物支援について意見交換を行った。" in text and "議長" in text and "令和8年12月2日" in text
    # After approval the link only says the confirmation is closed.
    closed = client.get(reverse("meetings:minutes_confirm", args=[first])).content.decode()
    assert "締め切られました" in closed and "買い物支援について意見交換" not in closed


def test_another_token_is_not_found(client, meeting, secretary):
    send(meeting, secretary)
    assert client.get(reverse("meetings:minutes_confirm", args=["x" * 32])).status_code == 404
    assert client.post(reverse("meetings:minutes_confirm", args=["x" * 32]), {"correction": ""}).status_code == 404
    assert not MinutesConfirmation.objects.exclude(answer=ConfirmationAnswer.PENDING).exists()


def test_a_resend_opens_a_new_round_and_the_old_link_is_closed(client, meeting, secretary):
    send(meeting, secretary)
    [old, *_] = tokens(meeting)
    services.minutes_save(meeting=meeting, by=secretary, minutes="買い物支援と移動支援について意見交換を行った。",
                          decisions=meeting.decisions, outline="")
    send(meeting, secretary)
    meeting.refresh_from_db()
    assert meeting.minutes_round == 2
    assert MinutesConfirmation.objects.filter(invitation__meeting=meeting).count() == 6  # both rounds kept
    with pytest.raises(DomainError, match="締め切られました"):
        services.minutes_confirmation_answer(token=old, correction="")
    response = client.post(reverse("meetings:minutes_confirm", args=[old]), {"correction": "古い案への訂正"}, follow=True)
    assert "締め切られました" in response.content.decode()
    assert MinutesConfirmation.objects.get(token=old).answer == ConfirmationAnswer.PENDING


def test_an_answer_after_the_deadline_is_refused(meeting, secretary):
    send(meeting, secretary, deadline=dt.date(2026, 12, 3))
    [token, *_] = tokens(meeting)
    with (time_machine.travel(dt.datetime(2026, 12, 4, 1, 0, tzinfo=dt.UTC), tick=False),
          pytest.raises(DomainError, match="期限")):
        services.minutes_confirmation_answer(token=token, correction="")
    assert MinutesConfirmation.objects.get(token=token).answer == ConfirmationAnswer.PENDING


def test_answering_twice_keeps_one_answer(client, meeting, secretary):
    send(meeting, secretary)
    [token, *_] = tokens(meeting)
    url = reverse("meetings:minutes_confirm", args=[token])
    client.post(url, {"correction": "誤字があります。"})
    client.post(url, {"correction": "誤字があります。"})
    assert MinutesConfirmation.objects.filter(token=token).values_list("answer", "correction").get() == (
        ConfirmationAnswer.CORRECTED, "誤字があります。")


def test_each_refused_transition_saves_nothing(meeting, secretary, council):
    versions = MinutesVersion.objects.count
    with pytest.raises(DomainError, match="確認を依頼してから"):
        services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.SECRETARIAT, by=secretary)
    with pytest.raises(DomainError, match="承認されていない"):
        services.minutes_publish(meeting=meeting, by=secretary)
    with pytest.raises(DomainError, match="承認済みの議事録です"):
        services.minutes_correct(meeting=meeting, by=secretary)
    with pytest.raises(DomainError, match="過去の日付"):
        send(meeting, secretary, deadline=dt.date(2026, 12, 1))
    # No attendance recorded: nobody to ask.
    bare = MeetingFactory(council=council, date=HELD_ON, minutes="議事")
    with pytest.raises(DomainError, match="出席者が記録されていません"):
        send(bare, secretary)
    # Before the meeting.
    ahead = MeetingFactory(council=council, date=dt.date(2026, 12, 20), minutes="議事")
    with pytest.raises(DomainError, match="開催前"):
        send(ahead, secretary)
    send(meeting, secretary)
    # No chair in office: the chair's approval is refused, the secretariat's is not.
    with pytest.raises(DomainError, match="議長が登録されていません"):
        services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.CHAIR, by=secretary)
    assert versions() == 0
    services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.SECRETARIAT, by=secretary)
    with pytest.raises(DomainError, match="すでに承認"):
        services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.SECRETARIAT, by=secretary)
    with pytest.raises(DomainError, match="承認済みの議事録は変更できません"):
        services.minutes_save(meeting=meeting, by=secretary, minutes="書き換え", decisions="", outline="")
    with pytest.raises(DomainError, match="承認済み"):
        send(meeting, secretary)
    meeting.refresh_from_db()
    assert meeting.minutes == "買い物支援について意見交換を行った。" and versions() == 1
    services.minutes_publish(meeting=meeting, by=secretary)
    services.minutes_publish(meeting=meeting, by=secretary)  # twice: nothing more happens
    # A correction must say why.
    services.minutes_correct(meeting=meeting, by=secretary)
    send(meeting, secretary)
    with pytest.raises(DomainError, match="訂正する理由"):
        services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.SECRETARIAT, by=secretary)
    assert versions() == 1


def test_approved_minutes_never_change_and_a_correction_is_a_new_version_naming_the_old(
        client, meeting, secretary):
    send(meeting, secretary)
    first = services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.SECRETARIAT, by=secretary)
    services.minutes_publish(meeting=meeting, by=secretary)
    stored = bytes(first.document.pdf)
    digest = hashlib.sha256(stored).hexdigest()

    # Later edits of the meeting (title, attendees) and a correction leave the issued PDF as it was.
    services.minutes_correct(meeting=meeting, by=secretary)
    services.minutes_save(meeting=meeting, by=secretary, minutes="買い物支援と見守りについて意見交換を行った。",
                          decisions=meeting.decisions, outline="")
    meeting.title = "令和8年度 第2回 第1層協議体（改称）"
    meeting.save()
    public = reverse("meetings:public", args=[meeting.pk])
    body = client.get(public).content.decode()
    assert "買い物支援について意見交換を行った。" in body and "見守り" not in body  # v1 until v2 is approved
    send(meeting, secretary)
    second = services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.SECRETARIAT, by=secretary,
                                      correction_reason="議事の経過の記載漏れ")
    first.refresh_from_db()
    assert hashlib.sha256(bytes(IssuedDocument.objects.get(pk=first.document_id).pdf)).hexdigest() == digest
    assert second.number == 2 and second.replaces == first and second.document.replaces_id == first.document_id
    text = pdf_text(bytes(second.document.pdf))
    assert "第1版を訂正したもの" in text and "見守り" in text
    assert "見守り" not in pdf_text(stored)

    # The public page shows the current version and says what it replaces; both PDFs are served.
    body = client.get(public).content.decode()
    assert "見守りについて意見交換" in body and "第1版を訂正したもの" in body
    for number, data in ((1, stored), (2, bytes(second.document.pdf))):
        response = client.get(reverse("meetings:minutes_pdf", args=[meeting.pk, number]))
        assert response.status_code == 200 and response.content == data
    assert client.get(reverse("meetings:minutes_pdf", args=[meeting.pk, 3])).status_code == 404


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_an_approved_version_or_its_document(meeting, secretary):
    """The triggers are PostgreSQL's (councils 0011, forms_pdf 0002): skipped, with the reason, on SQLite."""
    send(meeting, secretary)
    first = services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.SECRETARIAT, by=secretary)
    for statement in ("UPDATE councils_minutesversion SET correction_reason = 'x' WHERE id = %s",
                      "DELETE FROM councils_minutesversion WHERE id = %s"):
        with pytest.raises(Exception, match="承認済みの議事録"), transaction.atomic(), connection.cursor() as c:
            c.execute(statement, [first.pk])
    with pytest.raises(Exception, match="発行済みの書類"), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE forms_pdf_issueddocument SET pdf = %s WHERE id = %s", [b"x", first.document_id])


def test_a_version_must_name_what_it_replaces(meeting, secretary):
    send(meeting, secretary)
    first = services.minutes_approve(meeting=meeting, approved_as=ApprovedAs.SECRETARIAT, by=secretary)
    with pytest.raises(IntegrityError), transaction.atomic():
        MinutesVersion.objects.create(meeting=meeting, number=2, document=first.document, approved_as="secretariat",
                                      approved_on=HELD_ON, approved_by=secretary)


def test_a_closed_meeting_publishes_only_its_outline_and_no_pdf(client, meeting, secretary):
    meeting.is_public, meeting.closed_reason = False, "個人に関する情報を扱うため"
    meeting.minutes = "Ａさんの事例について詳しく検討した。"
    meeting.save()
    with pytest.raises(DomainError, match="議事要旨"):
        send(meeting, secretary)
    meeting.outline = "個別事例を通じて見守り体制の課題を共有した。"
    meeting.save()
    minutes_to_state(meeting, "published", by=secretary)
    body = client.get(reverse("meetings:public", args=[meeting.pk])).content.decode()
    assert "見守り体制の課題" in body and "Ａさんの事例" not in body
    assert client.get(reverse("meetings:minutes_pdf", args=[meeting.pk, 1])).status_code == 404


def test_a_double_click_sends_for_confirmation_once(client, meeting, secretary):
    client.force_login(secretary)
    url = reverse("councils:minutes_step", args=[meeting.pk, "send"])
    data = {"confirm_by": "2026-12-09", "once_token": "6f1c1f0e-8a55-4f43-9d0e-2d0c5f5b1a11"}
    client.post(url, data)
    response = client.post(url, data, follow=True)
    assert "二重送信" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes_round == 1 and MinutesConfirmation.objects.count() == 3
    assert Delivery.objects.filter(reason=Reason.MINUTES_CONFIRMATION).count() == 2


def test_a_refused_step_keeps_its_token_usable(client, meeting, secretary):
    client.force_login(secretary)
    url = reverse("councils:minutes_step", args=[meeting.pk, "approve"])
    data = {"approved_as": "secretariat", "once_token": "0b7b3c52-3c4f-4d55-8f0f-0e3a2b1c9d01"}
    response = client.post(url, data, follow=True)
    assert "確認を依頼してから" in response.content.decode()
    send(meeting, secretary)
    response = client.post(url, data, follow=True)
    assert "第1版を承認" in response.content.decode()
    assert MinutesVersion.objects.filter(meeting=meeting).count() == 1


def test_the_version_pdf_is_served_as_stored_to_the_secretariat_only(client, meeting, secretary):
    from tests.factories import UserFactory

    minutes_to_state(meeting, "approved", by=secretary)
    version = meeting.minutes_versions.get()
    url = reverse("councils:minutes_version_pdf", args=[meeting.pk, 1])
    client.force_login(secretary)
    assert client.get(url).content == bytes(version.document.pdf)
    client.force_login(UserFactory(username="other", roles=["協議体事務局"]))
    assert client.get(url).status_code == 404
    # Not published: the public PDF is not served either.
    client.logout()
    assert client.get(reverse("meetings:minutes_pdf", args=[meeting.pk, 1])).status_code == 404


@pytest.mark.parametrize("state", MINUTES_STATES)
def test_the_demo_helper_reaches_each_state(meeting, secretary, chair, state):
    minutes_to_state(meeting, state, by=secretary)
    expected = {"draft": (MinutesStatus.DRAFT, 0, False), "confirming": (MinutesStatus.CONFIRMING, 0, False),
                "corrections": (MinutesStatus.CONFIRMING, 0, False), "approved": (MinutesStatus.APPROVED, 1, False),
                "published": (MinutesStatus.APPROVED, 1, True), "corrected": (MinutesStatus.APPROVED, 2, True)}
    assert (meeting.minutes_status, meeting.minutes_versions.count(), meeting.minutes_published) == expected[state]
    if state == "corrections":
        assert MinutesConfirmation.objects.filter(answer=ConfirmationAnswer.CORRECTED).exists()


def test_the_meeting_page_makes_as_many_queries_for_many_attendees_as_for_few(client, meeting, secretary, body):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(secretary)
    url = reverse("councils:meeting", args=[meeting.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    send(meeting, secretary)
    few = queries()
    for person in people(12, prefix="出席者"):
        person.save()
        services.meeting_invite_guest(meeting=meeting, person=person, by=secretary)
    services.attendance_record(meeting=meeting, by=secretary, attended_person_ids=list(
        meeting.invitations.values_list("person_id", flat=True)))
    send(meeting, secretary)  # a second round: 3 + 15 answers listed
    minutes_to_state(meeting, "corrected", by=secretary)
    assert queries() == few
