"""Papers (資料) of a meeting: the kind told from the bytes, the size limit, who is served what (the
secretariat, invitees by their link, everyone for public papers of a public meeting), the notice
PDF and the invitation mail listing them, removal before and after sending, double submit."""

import datetime as dt
import io
import re
import zipfile
from email.header import decode_header, make_header
from urllib.parse import unquote

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from councils import services
from councils.models import Paper, PaperStatus
from councils.paper_files import identify
from municipality.errors import DomainError
from reminders.services import send_due
from tests.council_fixtures import people
from tests.factories import AgendaItemFactory, CouncilFactory, MeetingFactory, UserFactory
from tests.once import once

pytestmark = pytest.mark.django_db

# --- Files as the programs that make them write them ---------------------------------------------

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n")


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "地区別の活動件数"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ooxml(main_part: str, content_type: str, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>'))
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(main_part, "<document>会議資料</document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def docx() -> bytes:
    return ooxml("word/document.xml",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def meeting(council, body, secretary):
    with_mail, without_mail = people(2)
    with_mail.email = "iin0@example.jp"
    with_mail.save()
    for person in (with_mail, without_mail):
        services.membership_add(council=council, person=person, organisation=body, start=dt.date(2025, 4, 1),
                                by=secretary)
    meeting = MeetingFactory(council=council, title="令和8年度 第2回 第1層協議体", date=dt.date(2026, 12, 1))
    AgendaItemFactory(meeting=meeting, order=1, title="買い物支援の取組について")
    services.meeting_invite_members(meeting=meeting, by=secretary)
    return meeting


def add(meeting, secretary, data=PDF, name="資料1 活動報告.pdf", **kwargs) -> Paper:
    return services.paper_add(meeting=meeting, upload=upload(data, name), title=kwargs.pop("title", ""),
                              by=secretary, **kwargs)


# --- The kind, from the content ------------------------------------------------------------------

@pytest.mark.parametrize(("make", "name", "kind"), [
    (lambda: PDF, "報告.pdf", "pdf"), (xlsx, "集計表.xlsx", "xlsx"), (docx, "要綱案.docx", "docx"),
    (lambda: image("PNG"), "地図.png", "png"), (lambda: image("JPEG"), "写真.jpg", "jpeg"),
    (lambda: image("JPEG"), "写真.JPEG", "jpeg"),
])
def test_each_allowed_kind_is_told_from_its_content(make, name, kind):
    assert identify(make(), name).key == kind


def bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", b"\0" * (20 * 1024 * 1024))  # 20 MB of zeros: about 20 KB packed
    return out.getvalue()


def random_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("memo.txt", "ただのメモ")
    return out.getvalue()


@pytest.mark.parametrize(("make", "name", "message"), [
    (docx, "集計表.xlsx", "中身はWordですが、名前の拡張子が「.xlsx」"),  # a Word document renamed
    (xlsx, "要綱案.docx", "中身はExcelですが"),
    (lambda: PDF, "報告.png", "中身はPDFですが"),
    (lambda: image("PNG"), "地図.jpg", "中身は画像（PNG）ですが"),
    (lambda: PDF, "報告", "拡張子が「なし」"),
    (random_zip, "集計表.xlsx", "Excel・Wordのファイルとして読み取れませんでした"),
    (bomb, "集計表.xlsx", "展開すると極端に大きくなる"),
    (lambda: ooxml("xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"), "集計表.xlsx",
     "マクロを含む"),
    (lambda: xlsx()[:-200], "集計表.xlsx", "Excel・Wordのファイルとして読み取れませんでした"),  # cut short
    (lambda: PDF[:-20], "報告.pdf", "PDFとして読み取れませんでした"),
    (lambda: image("PNG")[:-30], "地図.png", "画像として読み取れませんでした"),
    (lambda: image("JPEG")[:-30], "写真.jpg", "画像として読み取れませんでした"),
    (lambda: image("GIF"), "地図.png", "このファイルの種類は登録できません"),
    (lambda: b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "図.png", "種類は登録できません"),
    (lambda: b"<html><script>alert(1)</script></html>", "報告.pdf", "このファイルの種類は登録できません"),
    (lambda: b"MZ\x90\x00" + b"\0" * 100, "報告.pdf", "このファイルの種類は登録できません"),
    (lambda: b"", "報告.pdf", "ファイルが空です"),
])
def test_tricks_are_refused_with_a_japanese_message(make, name, message):
    with pytest.raises(DomainError) as refused:
        identify(make(), name)
    assert message in refused.value.message


def test_a_file_over_the_size_setting_is_refused_and_nothing_is_saved(meeting, secretary, settings, media):
    settings.MEETING_PAPER_MAX_BYTES = 2048
    big = PDF.replace(b"trailer", b"%" + b"x" * 3000 + b"\ntrailer")
    with pytest.raises(DomainError) as refused:
        add(meeting, secretary, big)
    assert "ファイルが大きすぎます（3KB）。1つの資料は 2KB までです。" in refused.value.message
    assert not Paper.objects.exists() and not any(media.rglob("*.pdf"))
    settings.MEETING_PAPER_MAX_BYTES = 10 * 1024 * 1024
    assert add(meeting, secretary, big).size == len(big)


def test_the_stored_name_is_ours_and_the_original_is_kept(meeting, secretary, media):
    data = xlsx()
    paper = add(meeting, secretary, data, "C:\\Users\\事務局\\令和8年度 集計表.xlsx")
    assert paper.original_name == "令和8年度 集計表.xlsx" and paper.title == "令和8年度 集計表"
    assert re.fullmatch(r"councils/papers/[0-9a-f]{32}\.xlsx", paper.file.name)
    assert (media / paper.file.name).read_bytes() == data
    assert paper.kind == "xlsx" and len(paper.sha256) == 64


# --- Who is served ------------------------------------------------------------------------------

def disposition_name(response) -> str:
    header = response["Content-Disposition"]
    return unquote(header.split("filename*=UTF-8''", 1)[1])


def test_an_invitee_gets_the_papers_by_their_link_and_the_right_headers(client, meeting, secretary):
    paper = add(meeting, secretary, title="資料1 活動報告")
    invitation = meeting.invitations.first()
    response = client.get(reverse("meetings:rsvp_paper", args=[invitation.token, paper.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert disposition_name(response) == "資料1 活動報告.pdf"
    assert "no-store" in response["Cache-Control"]
    # The RSVP page lists the papers with the invitee's links.
    page = client.get(reverse("meetings:rsvp", args=[invitation.token])).content.decode()
    assert "資料1 活動報告" in page and reverse("meetings:rsvp_paper", args=[invitation.token, paper.pk]) in page


def test_an_office_file_is_served_as_an_attachment_of_its_checked_type(client, meeting, secretary):
    paper = add(meeting, secretary, docx(), "要綱案（修正）.docx")
    response = client.get(reverse("meetings:rsvp_paper", args=[meeting.invitations.first().token, paper.pk]))
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert response["Content-Disposition"].startswith("attachment;")
    assert disposition_name(response) == "要綱案（修正）.docx"


def test_another_meetings_token_and_a_bad_token_get_404(client, meeting, secretary, council):
    paper = add(meeting, secretary)
    other = MeetingFactory(council=council, title="別の会議")
    [stranger] = people(1, prefix="別会議の委員")
    services.meeting_invite_guest(meeting=other, person=stranger, by=secretary)
    other_token = other.invitations.get().token
    assert client.get(reverse("meetings:rsvp_paper", args=[other_token, paper.pk])).status_code == 404
    assert client.get(reverse("meetings:rsvp_paper", args=["x" * 32, paper.pk])).status_code == 404


def test_the_secretariat_gets_every_paper_and_outsiders_get_404(client, meeting, secretary, periods):
    paper = add(meeting, secretary)
    url = reverse("councils:paper", args=[meeting.pk, paper.pk])
    client.force_login(secretary)
    assert client.get(url).status_code == 200
    outsider = UserFactory(username="other_secretary", roles=["協議体事務局"])
    CouncilFactory(name="別の協議体", secretariat=[outsider])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("councils:paper_add", args=[meeting.pk])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    # A paper asked for under another meeting's address is not found either.
    client.force_login(secretary)
    other = MeetingFactory(council=meeting.council)
    assert client.get(reverse("councils:paper", args=[other.pk, paper.pk])).status_code == 404


def test_public_papers_of_a_public_meeting_are_served_to_everyone_and_no_other(client, meeting, secretary):
    public = add(meeting, secretary, image("PNG"), "会場案内図.png", is_public=True)
    internal = add(meeting, secretary, xlsx(), "委員名簿.xlsx")
    page = client.get(reverse("meetings:public", args=[meeting.pk])).content.decode()
    assert "会場案内図" in page and "委員名簿" not in page
    response = client.get(reverse("meetings:paper", args=[meeting.pk, public.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client.get(reverse("meetings:paper", args=[meeting.pk, internal.pk])).status_code == 404
    # The meeting closed later: its papers are no longer public.
    type(meeting).objects.filter(pk=meeting.pk).update(is_public=False, closed_reason="個人の情報を扱うため")
    assert client.get(reverse("meetings:paper", args=[meeting.pk, public.pk])).status_code == 404
    assert "会場案内図" not in client.get(reverse("meetings:public", args=[meeting.pk])).content.decode()


def test_a_closed_meetings_paper_cannot_be_made_public(meeting, secretary):
    type(meeting).objects.filter(pk=meeting.pk).update(is_public=False, closed_reason="個人の情報を扱うため")
    meeting.refresh_from_db()
    with pytest.raises(DomainError, match="非公開の会議の資料は公開できません"):
        add(meeting, secretary, is_public=True)
    assert not Paper.objects.exists()


# --- Listed in the notice and the invitation mail -------------------------------------------------

def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


def test_the_notice_pdf_lists_the_papers_and_marks_them_sent(client, meeting, secretary):
    item = meeting.agenda.get()
    add(meeting, secretary, title="資料1 活動報告")
    add(meeting, secretary, xlsx(), "集計.xlsx", title="資料2 地区別の集計", agenda_item=item)
    client.force_login(secretary)
    response = client.get(reverse("councils:meeting_pdf", args=[meeting.pk, "notice"]))
    text = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
    assert "５資料" in text
    assert "資料1活動報告（PDF、1KB）" in text
    assert "資料2地区別の集計（Excel、" in text and "議題「買い物支援の取組について」" in text
    assert Paper.objects.filter(sent_at__isnull=True).count() == 0


def test_the_invitation_mail_lists_the_papers_with_links_that_open_them(client, meeting, secretary, smtp_sink):
    paper = add(meeting, secretary, title="資料1 活動報告")
    services.invitations_send(meeting=meeting, by=secretary)
    assert send_due() == 1
    [message] = smtp_sink.messages
    assert "開催のお知らせ" in str(make_header(decode_header(message["Subject"])))
    parts = {part.get_content_type(): part for part in message.walk()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    html = parts["text/html"].get_payload(decode=True).decode()
    assert "資料1 活動報告（PDF、1KB）" in text and "資料1 活動報告</a>（PDF、1KB）" in html
    [link] = re.findall(r"http://\S+/meetings/rsvp/\S+/papers/\d+/", text)
    assert link in html
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    paper.refresh_from_db()
    assert paper.sent_at is not None


# --- History: removal before sending, withdrawal and replacement after -----------------------------

def test_a_paper_not_yet_sent_may_be_removed_and_its_file_goes(meeting, secretary, media, django_capture_on_commit_callbacks):
    paper = add(meeting, secretary)
    stored = media / paper.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert services.paper_remove(paper=paper, reason="", by=secretary) is None
    assert not Paper.objects.exists() and not stored.exists()


def test_a_sent_paper_is_withdrawn_with_its_reason_and_kept(client, meeting, secretary, media):
    paper = add(meeting, secretary)
    services.papers_mark_sent(meeting=meeting)
    with pytest.raises(DomainError, match="取り下げの理由を入力してください"):
        services.paper_remove(paper=paper, reason=" ", by=secretary)
    services.paper_remove(paper=paper, reason="数値に誤りがあったため", by=secretary)
    paper.refresh_from_db()
    assert (paper.status, paper.withdrawn_reason) == (PaperStatus.WITHDRAWN, "数値に誤りがあったため")
    assert (media / paper.file.name).exists()
    # Invitees no longer get it; the secretariat still does, from the record.
    token = meeting.invitations.first().token
    assert client.get(reverse("meetings:rsvp_paper", args=[token, paper.pk])).status_code == 404
    client.force_login(secretary)
    assert client.get(reverse("councils:paper", args=[meeting.pk, paper.pk])).status_code == 200
    page = client.get(reverse("councils:meeting", args=[meeting.pk])).content.decode()
    assert "取り下げ（令和8年11月23日、数値に誤りがあったため）" in page


def test_a_sent_paper_replaced_is_kept_and_marked(meeting, secretary):
    old = add(meeting, secretary, title="資料1 活動報告")
    services.papers_mark_sent(meeting=meeting)
    new = add(meeting, secretary, PDF + b"\n", "活動報告（修正版）.pdf", title="資料1 活動報告（修正版）", replaces=old,
              reason="数値の修正")
    old.refresh_from_db()
    assert old.status == PaperStatus.REPLACED and old.withdrawn_reason == "数値の修正"
    assert new.replaces == old and new.order == old.order
    assert [p.title for p in Paper.objects.current()] == ["資料1 活動報告（修正版）"]


def test_an_unsent_paper_replaced_simply_goes(meeting, secretary):
    old = add(meeting, secretary, title="下書き")
    new = add(meeting, secretary, title="清書", replaces=old)
    assert list(Paper.objects.all()) == [new] and new.replaces is None


def test_the_database_keeps_a_sent_paper(meeting, secretary, on_postgres):
    if not on_postgres:
        pytest.skip("the trigger is PostgreSQL's")
    paper = add(meeting, secretary)
    services.papers_mark_sent(meeting=meeting)
    with pytest.raises(DatabaseError, match="送付済みの資料は削除できません"), transaction.atomic():
        Paper.objects.filter(pk=paper.pk).delete()
    with pytest.raises(DatabaseError, match="資料のファイルは変更できません"), transaction.atomic():
        Paper.objects.filter(pk=paper.pk).update(sha256="0" * 64)
    assert Paper.objects.filter(pk=paper.pk).exists()


# --- The portal's form ------------------------------------------------------------------------------

def test_the_upload_form_saves_once_on_a_double_submit(client, meeting, secretary):
    client.force_login(secretary)
    url = reverse("councils:paper_add", args=[meeting.pk])
    token = once()
    for _ in range(2):
        response = client.post(url, {**token, "title": "資料1", "file": upload(PDF, "報告.pdf")})
        assert response.status_code == 302
    assert Paper.objects.count() == 1
    follow = client.get(response["Location"])
    assert "二重送信を防ぎました" in follow.content.decode()


def test_a_bad_file_in_the_form_shows_the_message_and_saves_nothing(client, meeting, secretary, media):
    client.force_login(secretary)
    response = client.post(reverse("councils:paper_add", args=[meeting.pk]),
                           {**once(), "title": "名簿", "file": upload(docx(), "名簿.xlsx")})
    assert response.status_code == 200
    assert "中身はWordですが、名前の拡張子が「.xlsx」です" in response.content.decode()
    assert not Paper.objects.exists() and not any(media.rglob("*.*"))


def test_the_portal_removes_an_unsent_paper_and_withdraws_a_sent_one(client, meeting, secretary):
    client.force_login(secretary)
    first, second = add(meeting, secretary, title="一"), None
    client.post(reverse("councils:paper_remove", args=[meeting.pk, first.pk]))
    assert not Paper.objects.exists()
    second = add(meeting, secretary, title="二")
    services.papers_mark_sent(meeting=meeting)
    response = client.post(reverse("councils:paper_remove", args=[meeting.pk, second.pk]), follow=True)
    assert "取り下げの理由を入力してください" in response.content.decode()
    client.post(reverse("councils:paper_remove", args=[meeting.pk, second.pk]), {"reason": "差し替え予定"})
    assert Paper.objects.get().status == PaperStatus.WITHDRAWN


# --- Demo data ---------------------------------------------------------------------------------------

def test_the_demo_meeting_has_papers_made_in_code(client):
    from django.core.management import call_command

    call_command("load_demo_data", stdout=io.StringIO())
    papers = list(Paper.objects.select_related("meeting").order_by("pk"))
    assert [(p.kind, p.is_public, p.sent_at is not None) for p in papers] == [
        ("pdf", True, True), ("xlsx", True, True), ("xlsx", False, False)]
    assert papers[1].agenda_item.title == "移動・買い物支援部会の中間報告"
    # Each stored file passes the same check an upload does, and the public ones are on the public page.
    for paper in papers:
        assert identify(paper.file.read(), paper.original_name).key == paper.kind
    page = client.get(reverse("meetings:public", args=[papers[0].meeting_id])).content.decode()
    assert "資料1 第2層協議体の活動報告" in page and "参考資料 委員名簿" not in page


def test_the_pages_listing_papers_make_as_many_queries_for_six_papers_as_for_one(client, meeting, secretary):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = meeting.invitations.first().token
    urls = [reverse("councils:meeting", args=[meeting.pk]), reverse("meetings:public", args=[meeting.pk]),
            reverse("meetings:rsvp", args=[token])]
    client.force_login(secretary)

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    first = add(meeting, secretary, is_public=True, title="一")
    counts()  # the first request of a test creates the municipality's row
    one = counts()
    item = meeting.agenda.get()
    for i in range(4):
        add(meeting, secretary, is_public=True, title=f"追加{i}", agenda_item=item if i % 2 else None)
    services.papers_mark_sent(meeting=meeting)
    add(meeting, secretary, PDF + b"\n", "差し替え.pdf", title="一（差し替え）", replaces=first, reason="修正")
    assert counts() == one


# --- The admin ------------------------------------------------------------------------------------------

def test_the_admin_adds_a_paper_through_the_same_checks_and_withdraws_it(client, meeting, secretary):
    from municipality.roles import sync_roles

    sync_roles()
    client.force_login(secretary)
    url = reverse("admin:councils_paper_add")
    refused = client.post(url, {**once(), "meeting": meeting.pk, "title": "名簿", "upload": upload(docx(), "名簿.xlsx")})
    assert refused.status_code == 200 and "中身はWordですが" in refused.content.decode()
    assert not Paper.objects.exists()
    saved = client.post(url, {**once(), "meeting": meeting.pk, "title": "資料1 活動報告", "is_public": "on",
                              "upload": upload(PDF, "活動報告.pdf")})
    assert saved.status_code == 302
    paper = Paper.objects.get()
    assert (paper.title, paper.kind, paper.is_public, paper.uploaded_by) == ("資料1 活動報告", "pdf", True, secretary)
    services.papers_mark_sent(meeting=meeting)
    # A paper does not change in the admin, and is withdrawn with a reason, never deleted.
    assert client.post(reverse("admin:councils_paper_change", args=[paper.pk]), {"title": "別名"}).status_code == 403
    assert client.post(reverse("admin:councils_paper_delete", args=[paper.pk]), {"post": "yes"}).status_code == 403
    client.post(reverse("admin:councils_paper_changelist"), {
        "action": "withdraw", "_selected_action": [paper.pk], "apply": "1", "text": "会場の変更により"})
    paper.refresh_from_db()
    assert (paper.status, paper.withdrawn_reason) == (PaperStatus.WITHDRAWN, "会場の変更により")
