"""The secretariat uploads papers (資料) to a meeting in a real browser at phone (390 px) and desktop
(1366 px) width: a refused file shows its Japanese message, a good one is listed with its kind and size,
opens from the list, and appears on the public page when marked public. No sideways scrolling, no
serious or critical axe finding."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from councils import services
from councils.models import Paper
from tests.browser.test_daily_screens_browser import fits_and_passes_axe, log_in
from tests.conftest import name_city
from tests.council_fixtures import people
from tests.factories import AgendaItemFactory, MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)], ids=["phone", "desktop"])


def workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["地区", "世帯数"])
    book.active.append(["汐見中央", 42])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@WIDTHS
def test_the_secretariat_uploads_a_paper_and_the_public_page_lists_it(
        page: Page, live_server, settings, tmp_path, council, body, secretary, width, height):
    settings.MEDIA_ROOT = tmp_path
    name_city()
    for person in people(2):
        services.membership_add(council=council, person=person, organisation=body, start=dt.date(2025, 4, 1),
                                by=secretary)
    meeting = MeetingFactory(council=council, title="令和8年度 第3回 第1層協議体",
                             date=timezone.localdate() + dt.timedelta(days=7))
    AgendaItemFactory(meeting=meeting, order=1, title="移動・買い物支援について")
    services.meeting_invite_members(meeting=meeting, by=secretary)

    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "secretary")
    page.goto(f"{live_server.url}{reverse('councils:meeting', args=[meeting.pk])}")
    expect(page.get_by_role("heading", name="資料")).to_be_visible()
    page.get_by_role("link", name="資料を登録する").click()
    fits_and_passes_axe(page, width)

    # A Word document renamed .xlsx: refused with the reason, nothing saved.
    docx = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override '
            'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("word/document.xml", "<document/>")
    page.get_by_label("ファイル").set_input_files(
        {"name": "集計表.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": docx.getvalue()})
    page.get_by_label("資料名").fill("資料2 地区別の集計")
    page.get_by_role("button", name="登録する").click()
    expect(page.locator("form.form")).to_contain_text("中身はWordですが、名前の拡張子が「.xlsx」です")
    assert not Paper.objects.exists()
    fits_and_passes_axe(page, width)

    # The real workbook, for the agenda item, public.
    page.get_by_label("ファイル").set_input_files(
        {"name": "地区別の集計.xlsx", "mimeType": "application/octet-stream", "buffer": workbook()})
    page.get_by_label("資料名").fill("資料2 地区別の集計")
    page.get_by_label("議題").select_option(label="移動・買い物支援について")
    page.get_by_label("公開資料にする（会議のページで誰でも見られます）").check()
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_role("status")).to_contain_text("資料「資料2 地区別の集計」（Excel、")
    paper = Paper.objects.get()
    assert (paper.kind, paper.is_public, paper.agenda_item.title) == ("xlsx", True, "移動・買い物支援について")
    papers = page.locator("#papers-section")
    expect(papers).to_contain_text("議題「移動・買い物支援について」")
    expect(papers).to_contain_text("公開資料／未送付")
    fits_and_passes_axe(page, width)

    # The list's link downloads the file under its Japanese name.
    with page.expect_download() as download:
        papers.get_by_role("link", name="資料2 地区別の集計").click()
    assert download.value.suggested_filename == "地区別の集計.xlsx"

    # Everyone sees it on the public page (signed out), and it opens there.
    public = page.context.browser.new_page()
    public.set_viewport_size({"width": width, "height": height})
    public.goto(f"{live_server.url}{reverse('meetings:public', args=[meeting.pk])}")
    expect(public.get_by_role("link", name="資料2 地区別の集計")).to_be_visible()
    fits_and_passes_axe(public, width)
    response = public.request.get(f"{live_server.url}{reverse('meetings:paper', args=[meeting.pk, paper.pk])}")
    assert response.status == 200 and response.headers["x-content-type-options"] == "nosniff"
    public.close()

    # Not sent yet: it can be deleted outright.
    papers.get_by_role("button", name="削除する").click()
    expect(page.get_by_role("status")).to_contain_text("資料「資料2 地区別の集計」を削除しました。")
    assert not Paper.objects.exists()
