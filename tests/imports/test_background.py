"""A large ledger file is checked and imported by a real Celery worker; the page follows the job.

The threshold is lowered to three rows so that a five-row file takes the background path.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from municipality import import_jobs
from municipality.models import Area, ImportJob, ImportRun
from tests.factories import UserFactory
from tests.imports.helpers import confirm, csv_bytes, preview

AREA_HEADERS = ["区域コード", "区域名", "層", "上位の区域コード"]
ROWS = [["L1", "市全域", "1", ""]] + [[f"L2-0{i}", f"第{i}地区", "2", "L1"] for i in range(1, 5)]


@pytest.fixture
def staff(client, city_staff, settings, tmp_path):
    settings.IMPORT_BACKGROUND_ROWS = 3
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(city_staff)
    return client


def wait_for(job: ImportJob) -> ImportJob:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
            return job
        time.sleep(0.2)
    raise AssertionError(f"the job is still {job.status}")


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_previewed_and_imported_by_the_worker(staff, city_staff):
    response = preview(staff, "areas", csv_bytes(AREA_HEADERS, ROWS), "areas.csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:imports_job", args=[job.token])
    waiting = staff.get(response.url)
    assert "5 行）を確認しています" in waiting.content.decode()
    assert staff.get(response.url, {"state": "1"}).json() == {"running": True}

    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        assert wait_for(job).status == ImportJob.Status.DONE
        assert staff.get(response.url, {"state": "1"}).json() == {"running": False}
        shown = staff.get(response.url)
        assert shown.context["outcome"].created == 5
        assert "すべて取り込む（5件）" in shown.content.decode()
        assert not Area.objects.exists()  # a preview saves nothing

        imported = confirm(staff, "areas", shown)
        job2 = ImportJob.objects.get(kind=ImportJob.Kind.IMPORT)
        assert imported.url == reverse("admin:imports_job", args=[job2.token])
        assert wait_for(job2).status == ImportJob.Status.DONE

    done = staff.get(imported.url, follow=True)
    assert "区域を取り込みました（areas.csv：新規 5 件、変更 0 件）。" in done.content.decode()
    assert sorted(Area.objects.values_list("code", flat=True)) == ["L1", "L2-01", "L2-02", "L2-03", "L2-04"]
    run = ImportRun.objects.get()
    assert (run.saved, run.created_count, run.imported_by) == (True, 5, city_staff)


@pytest.mark.django_db
def test_a_job_runs_once_however_often_it_is_delivered(staff, city_staff):
    preview(staff, "areas", csv_bytes(AREA_HEADERS, ROWS), "areas.csv")
    upload = ImportJob.objects.get().upload
    job = import_jobs.job_start(ledger=import_jobs.importing.ledger_for("areas"), filename="areas.csv",
                                upload=upload, kind=ImportJob.Kind.IMPORT, row_count=5, by=city_staff)
    import_jobs.job_run(job_id=job.pk)
    import_jobs.job_run(job_id=job.pk)
    assert Area.objects.count() == 5
    assert ImportRun.objects.count() == 1


@pytest.mark.django_db
def test_only_the_person_who_asked_sees_the_job(staff, client):
    preview(staff, "areas", csv_bytes(AREA_HEADERS, ROWS), "areas.csv")
    job = ImportJob.objects.get()
    colleague = UserFactory(username="city2", roles=["市職員"], is_staff=True)
    client.force_login(colleague)
    assert client.get(reverse("admin:imports_job", args=[job.token])).status_code == 404
    assert client.get(reverse("admin:imports_job", args=[uuid.uuid4()])).status_code == 404


@pytest.mark.django_db
def test_the_sweep_marks_a_dead_job_and_forgets_old_results(staff):
    preview(staff, "areas", csv_bytes(AREA_HEADERS, ROWS), "areas.csv")
    job = ImportJob.objects.get()
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, requested_at=an_hour_ago)
    import_jobs.jobs_sweep()
    page = staff.get(reverse("admin:imports_job", args=[job.token])).content.decode()
    assert "処理が中断されました" in page and "何も保存していません" in page

    ImportJob.objects.filter(pk=job.pk).update(requested_at=timezone.now() - dt.timedelta(hours=25))
    import_jobs.jobs_sweep()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_a_small_file_is_still_previewed_in_the_request(staff):
    response = preview(staff, "areas", csv_bytes(AREA_HEADERS, ROWS[:3]), "areas.csv")
    assert response.status_code == 200 and response.context["outcome"].created == 3
    assert not ImportJob.objects.exists()
