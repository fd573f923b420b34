"""iCalendar (RFC 5545) for meetings: one event per mail, and a feed per council."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from .models import Body, Council, Meeting

TOKYO = ZoneInfo("Asia/Tokyo")


def _event(meeting: Meeting, url: str) -> Event:
    event = Event()
    event.add("uid", f"{meeting.ics_uid}@shien")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", dt.datetime.now(tz=dt.UTC))
    event.add("dtstart", dt.datetime.combine(meeting.date, meeting.start_time, tzinfo=TOKYO))
    event.add("dtend", dt.datetime.combine(meeting.date, meeting.end_time, tzinfo=TOKYO))
    event.add("summary", meeting.title)
    event.add("location", meeting.place)
    agenda = "\n".join(f"・{item.title}" for item in meeting.agenda.all())
    event.add("description", f"{meeting.host_name}\n議題：\n{agenda}\n\n詳しくは：{url}")
    event.add("url", url)
    return event


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//地域支え合い・重層的支援 管理システム//JA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Tokyo")
    return calendar


def meeting_ics(meeting: Meeting, url: str) -> bytes:
    calendar = _calendar(meeting.host.name)
    calendar.add("method", "PUBLISH")
    calendar.add_component(_event(meeting, url))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def council_feed(council: Council | Body, url_for) -> bytes:
    """Every meeting of a council (or of another body); url_for(meeting) gives each meeting's page."""
    calendar = _calendar(council.name)
    for meeting in council.meetings.prefetch_related("agenda").select_related("council", "working_group", "body"):
        calendar.add_component(_event(meeting, url_for(meeting)))
    calendar.add_missing_timezones()
    return calendar.to_ical()
