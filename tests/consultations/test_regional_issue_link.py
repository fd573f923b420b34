"""The link between a regional issue and a council's agenda item moved to the case side (issue 12):
the migration keeps every existing link, and the council app no longer depends on the case app."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("consultations", "0005_dates_text_limits"), ("councils", "0005_dates_text_limits")]
AFTER = [("consultations", "0007_small_copy_agenda_links"),
         ("councils", "0006_small_remove_agendaitem_regional_issue")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_each_link_and_the_latest_meeting_wins():
    apps = _migrate(BEFORE)
    User = apps.get_model("municipality", "User")
    Area = apps.get_model("municipality", "Area")
    Council = apps.get_model("councils", "Council")
    Meeting = apps.get_model("councils", "Meeting")
    AgendaItem = apps.get_model("councils", "AgendaItem")
    RegionalIssue = apps.get_model("consultations", "RegionalIssue")

    worker = User.objects.create(username="worker_link")
    area = Area.objects.create(code="L1", name="市全域", layer=1)
    council = Council.objects.create(name="第1層協議体", layer=1, area=area, setup_type="npo")

    def meeting(day):
        return Meeting.objects.create(council=council, title="定例会", date=day, start_time=dt.time(10),
                                      end_time=dt.time(11), place="市役所")

    def issue(title):
        return RegionalIssue.objects.create(title=title, description="d", raised_on=dt.date(2026, 4, 1),
                                            raised_by=worker)

    once, twice = issue("買い物"), issue("通院")
    issue("見守り")  # never taken up
    first, later = meeting(dt.date(2026, 5, 1)), meeting(dt.date(2026, 8, 1))
    item_once = AgendaItem.objects.create(meeting=first, title="買い物", topic="2", regional_issue=once)
    AgendaItem.objects.create(meeting=later, title="通院（続き）", topic="2", regional_issue=twice)
    AgendaItem.objects.create(meeting=first, title="通院", topic="2", regional_issue=twice)
    AgendaItem.objects.create(meeting=first, title="その他", topic="6")

    apps = _migrate(AFTER)
    RegionalIssue = apps.get_model("consultations", "RegionalIssue")
    links = {i.title: (i.agenda_item.title if i.agenda_item_id else None) for i in RegionalIssue.objects.all()}
    assert links == {"買い物": item_once.title, "通院": "通院（続き）", "見守り": None}
    assert "regional_issue" not in {f.name for f in apps.get_model("councils", "AgendaItem")._meta.get_fields()}

    apps = _migrate(BEFORE)  # and back: the links return to the agenda items
    AgendaItem = apps.get_model("councils", "AgendaItem")
    assert AgendaItem.objects.get(title="買い物").regional_issue.title == "買い物"
    assert AgendaItem.objects.get(title="通院（続き）").regional_issue.title == "通院"
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_council_migrations_name_the_case_app_only_to_order_the_move():
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    removal = graph.nodes[AFTER[1]]
    assert AFTER[0] in removal.dependencies  # the copy runs before the old column goes


@pytest.mark.django_db
def test_a_secretary_takes_an_issue_to_their_own_meetings_agenda_and_nothing_else(client, council, secretary):
    """As before the move (when the agenda form chose the issue): the secretary links an issue to an agenda
    item of a meeting they run; the issue's text stays as raised, and other councils' items are not offered."""
    from django.urls import reverse

    from consultations.models import RegionalIssue
    from tests.factories import AgendaItemFactory, UserFactory

    ours = AgendaItemFactory(meeting__council=council, title="買い物の足")
    other = AgendaItemFactory(title="別の議題")  # a meeting of another council
    issue = RegionalIssue.objects.create(title="坂の上で買い物に行けない", description="d", raised_on=dt.date(2026, 4, 1),
                                         raised_by=UserFactory(username="raiser", roles=["相談支援員"]))
    client.force_login(secretary)
    url = reverse("admin:consultations_regionalissue_change", args=[issue.pk])
    page = client.get(url).content.decode()
    assert "買い物の足" in page and "別の議題" not in page
    response = client.post(url, {"agenda_item": other.pk})
    assert response.status_code == 200  # refused: not a choice
    issue.refresh_from_db()
    assert issue.agenda_item is None
    response = client.post(url, {"agenda_item": ours.pk, "title": "書き換え", "description": "書き換え"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.agenda_item, issue.title, issue.description) == (ours, "坂の上で買い物に行けない", "d")
