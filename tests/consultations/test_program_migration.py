"""The 事業 migration: cases and plans recorded before it are 包括的相談支援事業."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("consultations", "0007_small_copy_agenda_links")]
AFTER = [("consultations", "0008_fig_programs")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_cases_and_plans_become_comprehensive():
    apps = _migrate(BEFORE)
    User = apps.get_model("municipality", "User")
    Case = apps.get_model("consultations", "Case")
    SupportPlan = apps.get_model("consultations", "SupportPlan")
    worker = User.objects.create(username="worker_programs")
    cases = [Case.objects.create(number=f"R8-{n:04d}", received_on=dt.date(2026, 5, 1), route="phone",
                                 domains=["elderly"], person_name="架空", presenting_problems="相談") for n in (1, 2)]
    SupportPlan.objects.create(case=cases[0], version=1, goals="g", policy="p", contents="c",
                               monitoring_on=dt.date(2026, 9, 1), created_by=worker)

    try:
        apps = _migrate(AFTER)
        CaseProgram = apps.get_model("consultations", "CaseProgram")
        PlanProgram = apps.get_model("consultations", "PlanProgram")
        assert sorted(CaseProgram.objects.values_list("case__number", "program")) == [
            ("R8-0001", "comprehensive"), ("R8-0002", "comprehensive")]
        assert list(PlanProgram.objects.values_list("program", flat=True)) == ["comprehensive"]
    finally:
        _migrate(_latest())  # the rest of the suite runs on the full schema


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
