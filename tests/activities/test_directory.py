"""The public 社会資源 directory (issue 17, must-have 8): only resources marked public, only their
public fields, never a person's name; search and filters; a PDF per area; bad parameters answered
in Japanese, never a 500; a fixed number of queries whatever the rows; marking public through the
portal form and the admin, checked and in the audit log."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
import time_machine
from auditlog.models import LogEntry
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from activities.models import ProviderKind, ResourceStatus, SocialResource
from tests.factories import AreaFactory, SocialResourceFactory
from tests.once import once

pytestmark = pytest.mark.django_db

PERSON = "山田花子"  # the internal contact person: never on a public page or PDF


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def public(area, name, *, kind=ProviderKind.SALON, description="毎週水曜の茶話会と体操（公民館）", **extra):
    values = {"is_public": True, "public_description": description, "public_window": "汐見市社会福祉協議会 地域福祉課",
              "public_phone": "0467-00-1234", "contact": f"担当 {PERSON} 090-1111-2222",
              "offers": f"{PERSON}さんの自宅で開催。参加者の名簿あり。", **extra}
    return SocialResourceFactory(area=area, name=name, provider_kind=kind, **values)


@pytest.fixture
def world():
    north, south, empty = (AreaFactory(code=f"D-{n}", name=f"{n}地区", sort_order=i)
                           for i, n in enumerate(("北", "南", "東")))
    closed_area = AreaFactory(code="D-old", name="旧西地区", is_active=False)
    return {
        "north": north, "south": south, "empty": empty, "closed_area": closed_area,
        "salon": public(north, "ひだまりサロン"),
        "help": public(south, "おたすけ隊しおみ", kind=ProviderKind.VOLUNTEER, description="ごみ出し・電球交換の手伝い"),
        "coop": public(south, "汐見生協 移動販売", kind=ProviderKind.COOPERATIVE, description="火曜・金曜の移動販売車"),
        "private": SocialResourceFactory(area=north, name="内部だけのサロン", contact=f"{PERSON} 090-1111-2222"),
        "paused": public(north, "休止中の体操教室", status=ResourceStatus.PAUSED),
        "gone": public(closed_area, "旧西地区の見守り"),
    }


def page_text(client, query: str = "") -> str:
    response = client.get(reverse("directory:list") + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return response.content.decode()


def pdf_text(content: bytes, tmp_path) -> str:
    """The text of every page (poppler's pdftotext when the machine has it, else pypdf)."""
    if shutil.which("pdftotext"):
        path = tmp_path / "list.pdf"
        path.write_bytes(content)
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_directory_lists_only_public_active_resources_without_login(client, world):
    response = client.get(reverse("directory:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=300"
    for shown in ("ひだまりサロン", "おたすけ隊しおみ", "汐見生協 移動販売", "汐見市社会福祉協議会 地域福祉課",
                  "0467-00-1234", "ごみ出し・電球交換の手伝い", "北地区", "南地区"):
        assert shown in html
    for hidden in ("内部だけのサロン", "休止中の体操教室", "旧西地区の見守り"):
        assert hidden not in html
    assert "東地区" not in html  # an area without public resources is neither a choice nor a PDF


def test_a_named_contact_person_is_nowhere_in_the_page_the_search_or_the_pdf(client, world, tmp_path):
    for query in ("", f"q={PERSON}", f"area={world['north'].pk}", "q=090-1111-2222", "q=サロン"):
        typed = query.removeprefix("q=")
        html = page_text(client, query).replace(f'value="{typed}"', "")  # the search box echoes what was typed
        assert PERSON not in html and "090-1111-2222" not in html and "参加者の名簿" not in html
    assert "該当する社会資源はありません" in page_text(client, f"q={PERSON}")  # internal fields are not searched
    for area in ("north", "south"):
        response = client.get(reverse("directory:area_pdf", args=[world[area].pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content, tmp_path)
        assert PERSON not in text and "090-1111-2222" not in text and "内部だけのサロン" not in text


def test_search_by_text_area_and_kind(client, world):
    html = page_text(client, "q=移動販売")
    assert "汐見生協 移動販売" in html and "ひだまりサロン" not in html and "おたすけ隊しおみ" not in html
    html = page_text(client, "q=電球")  # the public description is searched
    assert "おたすけ隊しおみ" in html and "汐見生協" not in html
    html = page_text(client, f"area={world['south'].pk}")
    assert "おたすけ隊しおみ" in html and "汐見生協 移動販売" in html and "ひだまりサロン" not in html
    html = page_text(client, f"area={world['south'].pk}&kind={ProviderKind.VOLUNTEER}")
    assert "おたすけ隊しおみ" in html and "汐見生協" not in html
    html = page_text(client, f"area={world['north'].pk}&kind={ProviderKind.VOLUNTEER}")
    assert "該当する社会資源はありません" in html


def test_pages_of_fifty_keep_the_search_in_their_links(client, world):
    area = world["north"]
    for n in range(60):
        public(area, f"体操クラブ{n:02d}", kind=ProviderKind.NPO, description="ラジオ体操")
    html = page_text(client, f"q=体操クラブ&area={area.pk}")
    assert "1 / 2ページ" in html and "60件（1〜50件目を表示）" in html
    assert f"?q=%E4%BD%93%E6%93%8D%E3%82%AF%E3%83%A9%E3%83%96&amp;area={area.pk}&amp;page=2" in html
    assert "体操クラブ59" in page_text(client, f"q=体操クラブ&area={area.pk}&page=2")


@pytest.mark.parametrize(("query", "message"), [
    ("q=" + "あ" * 1_000_000, "キーワードは100文字以内で入力してください。"),
    ("q=%00", "キーワードに使えない文字が含まれています。"),
    ("area=x", "区域は一覧から選んでください。"),
    ("area=99999", "区域は一覧から選んでください。"),
    ("area=99999999999999999999999", "区域は一覧から選んでください。"),
    ("kind=bogus", "種類は一覧から選んでください。"),
    ("page=x", None),
    ("page=0", None),
    ("page=-1", None),
    ("page=999999", None),
    ("page=" + "9" * 5000, None),
    ("area=&kind=&q=&page=", None),
])
def test_bad_query_parameters_get_a_japanese_message_never_a_500(client, world, query, message):
    response = client.get(reverse("directory:list") + "?" + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert len(html) < 60_000  # a huge parameter is not echoed back
    if message:
        assert message in html
    assert "ひだまりサロン" in html or "おたすけ隊しおみ" in html  # the valid rest of the search still lists


def test_a_bad_or_empty_area_has_no_pdf(client, world):
    for area in (world["empty"], world["closed_area"]):
        assert client.get(reverse("directory:area_pdf", args=[area.pk])).status_code == 404
    assert client.get(reverse("directory:area_pdf", args=[99999999])).status_code == 404
    assert client.get("/resources/areas/99999999999999999999999.pdf").status_code == 404
    assert client.get("/resources/areas/x.pdf").status_code == 404


def test_the_area_pdf_lists_the_area_by_kind_on_a4(client, world, tmp_path):
    response = client.get(reverse("directory:area_pdf", args=[world["south"].pk]))
    text = pdf_text(response.content, tmp_path)
    assert "南地区の社会資源一覧" in text and "令和8年11月23日現在" in text and "2件" in text
    assert "協同組合" in text and "ボランティア" in text
    assert "おたすけ隊しおみ" in text and "汐見生協 移動販売" in text and "0467-00-1234" in text
    assert "ひだまりサロン" not in text  # the north's
    assert text.index("協同組合") < text.index("ボランティア")  # the kinds in their listed order
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    catalog = reader.trailer["/Root"]  # tagged like every PDF (tests/forms_pdf/test_tagged.py, with pdfinfo)
    assert catalog["/Lang"] == "ja" and "/StructTreeRoot" in catalog
    assert reader.metadata.title == "南地区の社会資源一覧"


def test_the_directory_makes_the_same_queries_for_three_or_three_hundred_resources(client, world, django_user_model):
    url = reverse("directory:list")

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url + f"?area={world['south'].pk}&q=手伝い").status_code == 200
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for n in range(300):
        public(world["south" if n % 2 else "north"], f"見守り{n}", kind=ProviderKind.NEIGHBOURHOOD,
               description="声かけと見守り、ごみ出しの手伝い")
    AreaFactory.create_batch(20)
    assert queries() == few
    assert few <= 8, few


def test_marking_public_needs_the_public_fields_and_no_mobile_number(client, coord_a, areas):
    client.force_login(coord_a.user)
    resource = SocialResourceFactory(area=areas[0], registered_by=coord_a.employer, contact=f"{PERSON} 090-1111-2222")
    url = reverse("activities:resource_edit", args=[resource.pk])
    data = {"name": resource.name, "provider_kind": resource.provider_kind, "area": areas[0].pk,
            "offers": resource.offers, "contact": resource.contact, "status": "active", "is_public": "on"}
    html = client.post(url, {**data, **once()}).content.decode()
    assert "公開するには、公開用の説明を入力してください。" in html
    assert "公開するには、問い合わせ先の団体・窓口の名称を入力してください。" in html
    resource.refresh_from_db()
    assert not resource.is_public

    data |= {"public_description": "毎週水曜の茶話会", "public_window": "汐見市社会福祉協議会",
             "public_phone": "090-1111-2222"}
    html = client.post(url, {**data, **once()}).content.decode()
    assert "携帯電話の番号は個人の連絡先のため公開できません。" in html
    html = client.post(url, {**data, "public_phone": "1234", **once()}).content.decode()
    assert "市外局番から入力してください" in html
    resource.refresh_from_db()
    assert not resource.is_public

    response = client.post(url, {**data, "public_phone": "０４６７－００－１２３４", **once()})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.is_public, resource.public_phone) == (True, "0467-00-1234")
    entry = LogEntry.objects.get_for_object(resource).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert entry.actor == coord_a.user and "is_public" in entry.changes_dict
    assert resource.name in page_text(client)


def test_who_may_mark_public_is_who_may_edit_the_resource(client, coord_a, coord_b, areas):
    resource = SocialResourceFactory(area=areas[0], registered_by=coord_a.employer)
    client.force_login(coord_b.user)
    response = client.post(reverse("activities:resource_edit", args=[resource.pk]), {
        "name": resource.name, "provider_kind": resource.provider_kind, "area": areas[0].pk, "offers": "x",
        "status": "active", "is_public": "on", "public_description": "x", "public_window": "x",
        "public_phone": "0467-00-1234", **once()})
    assert response.status_code == 404
    resource.refresh_from_db()
    assert not resource.is_public


def test_the_city_marks_public_in_the_admin_with_an_audit_entry(client, city_user, areas):
    resource = SocialResourceFactory(area=areas[0], contact=f"{PERSON} 090-1111-2222")
    client.force_login(city_user)
    url = reverse("admin:activities_socialresource_change", args=[resource.pk])
    data = {"name": resource.name, "provider_kind": resource.provider_kind, "area": areas[0].pk,
            "offers": resource.offers, "contact": resource.contact, "status": "active", "registered_by": "",
            "is_public": "on", "public_description": "", "public_window": "", "public_phone": ""}
    html = client.post(url, data).content.decode()
    assert "公開するには、公開用の説明を入力してください。" in html
    resource.refresh_from_db()
    assert not resource.is_public
    data |= {"public_description": "茶話会", "public_window": "汐見市 高齢福祉課", "public_phone": "0467-82-1111"}
    assert client.post(url, data).status_code == 302
    resource.refresh_from_db()
    assert resource.is_public
    entry = LogEntry.objects.get_for_object(resource).latest("pk")
    assert entry.actor == city_user and "is_public" in entry.changes_dict


def test_the_database_refuses_a_public_resource_without_public_fields(areas):
    resource = SocialResourceFactory(area=areas[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        SocialResource.objects.filter(pk=resource.pk).update(is_public=True)


def test_the_demo_lists_public_resources_in_three_areas_and_loads_twice_the_same(client):
    import io as _io

    from django.core.management import call_command

    call_command("load_demo_data", stdout=_io.StringIO())
    listed = SocialResource.objects.listed_publicly()
    assert listed.values("area").distinct().count() == 3 and listed.count() == 6
    call_command("load_demo_data", stdout=_io.StringIO())
    assert SocialResource.objects.listed_publicly().count() == 6
    html = page_text(client)
    assert "海岸ふれあい食堂" in html and "0467-00-4444" in html
    assert "田中 健" not in html and "090-0000-3333" not in html  # the internal contact stays inside


def test_the_area_pdf_is_kept_until_a_resource_of_the_area_changes(client, world, tmp_path, city_user):
    from activities import services

    url = reverse("directory:area_pdf", args=[world["south"].pk])
    first = client.get(url).content
    assert client.get(url).content == first  # from the cache
    resource = world["help"]
    resource.public_window = "汐見市ボランティアセンター"
    with time_machine.travel(dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC), tick=False):
        services.resource_save(resource=resource, by=city_user)
    text = pdf_text(client.get(url).content, tmp_path)
    assert "汐見市ボランティアセンター" in text
    resource.status = ResourceStatus.CLOSED
    with time_machine.travel(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC), tick=False):
        services.resource_save(resource=resource, by=city_user)
    text = pdf_text(client.get(url).content, tmp_path)
    assert "おたすけ隊しおみ" not in text and "1件" in text
