"""What the activity lists download (municipality/exports.py): the portal's list and the admin's."""

from __future__ import annotations

from typing import Any

from municipality.exports import Table

from .models import Activity


def _prepare_activities(activities: Any) -> Any:
    return activities.select_related("coordinator", "area", "home_area", "category").prefetch_related("organisations", "resources")


def _activity_row(a: Activity) -> list[object]:
    return [a.date, a.coordinator.name, a.area.name, a.get_function_display(), str(a.category), a.minutes,
            a.participants, a.narrative, a.follow_up_on,
            "、".join(o.name for o in a.organisations.all()), "、".join(r.name for r in a.resources.all()),
            f"区域を越えた連携（担当 {a.home_area.name}）" if a.cross_area and a.home_area else ""]


ACTIVITIES = Table(
    filename="activities", title="活動記録",
    header=["活動日", "記録した人", "区域", "機能", "活動の項目", "時間（分）", "参加人数", "内容", "次の対応日",
            "関わった団体", "関わった社会資源", "区域を越えた連携"],
    row=_activity_row, prepare=_prepare_activities,
)
