"""What a person reads on a page: its visible text, and the two checks of issue 16 on it.

- One date style: no Western date (2026年11月30日, 2027/3/31, 2026-11-30) in the visible text.
  Attribute values (an ``<input type="date">``'s ISO value, links), ``<script>``, ``<style>``,
  ``<textarea>`` and hidden elements are not read: the browser does not show them as text.
- One term: where the municipality calls the coordinator 地域支え合い推進員, no 「コーディネーター」, except
  where the text names the legal term itself (``TERM_EXCEPTIONS``).

Python's html.parser is enough here (no HTML library is installed): pages are our own templates.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Not a 和暦 year of four digits (令和7981年12月31日 for a typed 9999-12-31 is 和暦, if odd).
# Not followed by a digit: a phone number (0467-00-1234, the public 社会資源 directory) is not a date.
WESTERN_DATE = re.compile(r"(?<![\d和成正治])(\d{4}年\d{1,2}月\d{1,2}日|\d{4}/\d{1,2}/\d{1,2}|\d{4}-\d{2}-\d{2})(?!\d)")

# Texts that may say 「コーディネーター」 whatever the setting: the seeds' legal names, as a person reads
# them in the records (a training course is named after the 生活支援コーディネーター of the law) and the
# setting's own choices on the municipality's settings page.
TERM_EXCEPTIONS: tuple[re.Pattern[str], ...] = (
    # A training course's own name (the prefecture's 生活支援コーディネーター養成研修, seed 002): data, not
    # the product's wording.
    re.compile(r"生活支援コーディネーター[^、。（）]{0,20}?研修\d*"),
    # The setting itself, as its label reads on the settings page and in the guide.
    re.compile("コーディネーターの名称"),
)
# The settings page offers both terms as the setting's choices.
SETTINGS_PAGE_EXCEPTIONS: tuple[re.Pattern[str], ...] = (re.compile("生活支援コーディネーター"),)

_SKIPPED = {"script", "style", "textarea", "template", "head"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self.parts: list[str] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        names = dict(attrs)
        hidden = (self._hidden() or tag in _SKIPPED or "hidden" in names
                  or "display:none" in (names.get("style") or "").replace(" ", ""))
        self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        for index in range(len(self.stack) - 1, -1, -1):  # tolerate unclosed <p>, <li> …
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden() and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    """The text nodes a browser shows, in order."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.parts


def western_dates(html: str) -> list[str]:
    """Western dates in the visible text; one quoted as what a user may type (「2026/4/1」) is an example of
    input, not a date shown."""
    return [f"{m.group(0)} in 「{part[:80]}」" for part in visible_text(html) for m in WESTERN_DATE.finditer(part)
            if not (part[max(m.start() - 1, 0):m.start()] == "「" and part[m.end():m.end() + 1] == "」")]


def term_problems(html: str, *, settings_page: bool = False) -> list[str]:
    """「コーディネーター」 in the visible text of a page of a city whose term is 地域支え合い推進員."""
    found = []
    exceptions = TERM_EXCEPTIONS + SETTINGS_PAGE_EXCEPTIONS if settings_page else TERM_EXCEPTIONS
    for part in visible_text(html):
        rest = part
        for allowed in exceptions:
            rest = allowed.sub("", rest)
        if "コーディネーター" in rest:
            found.append(f"「{part[:80]}」")
    return found


# A certificate number is written 令和8-002 under the label 証番号 (as the import template and the
# guide write it), never wrapped in 第…号 (「第令和8-002号」).
WRAPPED_NUMBER = re.compile(r"第\s*(令和|平成)[元\d]+-\d+\s*号")


def wrapped_certificate_numbers(html: str) -> list[str]:
    return [f"「{part[:80]}」" for part in visible_text(html) if WRAPPED_NUMBER.search(part)]
