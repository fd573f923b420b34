"""The public 社会資源 directory (issue 17) at scale: 20,000 public resources (and as many kept
inside the portal) in 40 areas on PostgreSQL (200,000 each at ``--scale 10``).

The public list as anyone gets it, searched by text, narrowed by area and kind, a far page, and as a
signed-in coordinator: the same number of queries at 400 resources and at 20,000, the median of warm
requests, and the large tables their plans read whole. Then the printable PDF of one area (500
resources, 47 A4 pages) and of a small one (10): the first render, the median of the renders that
follow (served from the cache until a resource of the area changes), the render after a change, and
the size.
"""

from __future__ import annotations

import io
import statistics
import time

from django.db import connection
from django.db.models.functions import Now
from django.test import Client

from activities.models import ProviderKind, ResourceStatus, SocialResource
from bench._util import measure_page, report_page, scaled, timed
from municipality.models import Area, User

AREAS = 40
PUBLIC = scaled(20_000)
INTERNAL = scaled(20_000)
FIRST = 400  # the query counts are compared with those at this size


def _insert(first: int, count: int, areas: list[Area], *, public: bool) -> None:
    """``count`` resources spread over the areas and kinds, built in SQL."""
    kinds = ProviderKind.values
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO activities_socialresource (name, provider_kind, area_id, offers, contact, status, created_at,
                   is_public, public_description, public_window, public_phone)
               SELECT CASE WHEN g %% 7 = 0 THEN 'ふれあいサロン' ELSE '見守り活動' END || g,
                      (%s::text[])[1 + (g / %s) %% %s], (%s::bigint[])[1 + g %% %s],
                      '内部向けの内容', '担当 個人名 090-0000-0000', %s, now(), %s,
                      CASE WHEN %s THEN '毎週水曜の茶話会と体操、ごみ出しの手伝い（' || g || '）' ELSE '' END,
                      CASE WHEN %s THEN '汐見市社会福祉協議会 地域福祉課' ELSE '' END,
                      CASE WHEN %s THEN '0467-00-1234' ELSE '' END
               FROM generate_series(%s, %s - 1) AS g""",
            [kinds, len(areas), len(kinds), [a.pk for a in areas], len(areas), ResourceStatus.ACTIVE, public,
             public, public, public, first, first + count])


def build() -> list[Area]:
    city = Area.objects.get_or_create(code="L1", defaults={"name": "市全域", "layer": 1})[0]
    areas = Area.objects.bulk_create(
        Area(code=f"BD-{i:03d}", name=f"公開地区{i}", layer=2, parent=city, sort_order=1000 + i) for i in range(AREAS)
    )
    _insert(0, FIRST, areas, public=True)
    return areas


def grow(areas: list[Area]) -> None:
    _insert(FIRST, PUBLIC - FIRST, areas, public=True)
    _insert(PUBLIC, INTERNAL, areas, public=False)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _pages(areas: list[Area]) -> list[tuple[str, str]]:
    area = areas[3].pk
    return [
        ("list", "/resources/"),
        ("search", "/resources/?q=%E3%82%B5%E3%83%AD%E3%83%B3"),  # サロン: one resource in 7
        ("area", f"/resources/?area={area}"),
        ("area_kind_search", f"/resources/?area={area}&kind=salon&q=%E8%8C%B6%E8%A9%B1%E4%BC%9A"),  # 茶話会
        ("far_page", "/resources/?page=350"),
        ("bad_parameters", "/resources/?area=x&kind=bogus&page=x&q=" + "x" * 5000),
    ]


def _pdf_times(client: Client, url: str, repeat: int) -> tuple[float, float, int, int]:
    """(first, median) seconds of ``repeat`` renders, the size in bytes and the pages."""
    from pypdf import PdfReader

    times, content = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        content = response.content
    return times[0], statistics.median(times), len(content), len(PdfReader(io.BytesIO(content)).pages)


def run(report) -> None:
    areas: list[Area] = []
    report("directory.build", timed(lambda: areas.extend(build())), "s")
    anonymous = Client()
    few = {name: measure_page(anonymous, url, repeat=1)[1] for name, url in _pages(areas)}
    report("directory.grow", timed(lambda: grow(areas)), "s")
    for name, url in _pages(areas):
        report_page(report, f"directory.{name}", anonymous, url)
        report(f"directory.{name}.queries_at_{FIRST}", few[name], "queries")
    coordinator = User.objects.create_user("bench-directory-coordinator", password="x", name="推進員")
    signed_in = Client()
    signed_in.force_login(coordinator)
    report_page(report, "directory.list_signed_in", signed_in, "/resources/")

    big, small = areas[3], Area.objects.bulk_create([Area(code="BD-small", name="小さな地区", layer=2,
                                                          parent=areas[0].parent, sort_order=2000)])[0]
    _insert(PUBLIC + INTERNAL, 10, [small], public=True)

    from django.core.cache import cache

    cache.clear()
    for name, area in (("pdf_area_500", big), ("pdf_area_10", small)):
        url = f"/resources/areas/{area.pk}.pdf"
        first, median, size, pages = _pdf_times(anonymous, url, 10)
        report(f"directory.{name}.first", first, "s")
        report(f"directory.{name}.cached.median", median, "s")
        SocialResource.objects.filter(pk=SocialResource.objects.listed_publicly().filter(area=area).values("pk")[:1]
                                      ).update(public_window="汐見市社会福祉協議会 地域福祉係", updated_at=Now())
        report(f"directory.{name}.after_a_change", _pdf_times(anonymous, url, 1)[0], "s")
        report(f"directory.{name}.size", size // 1024, "KB")
        report(f"directory.{name}.pages", pages, "pages")
