"""Line breaking on the coordinator card (様式第2号): the card's lines are short, so a sentence
that wraps inside its last word leaves one or two characters alone on the last line (「こ／と。」)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# The sentence's last word: a verb in kanji with its kana ending and the full stop (返還すること。).
_LAST_WORD = re.compile(r"[\u4e00-\u9fff々]+[\u3041-\u309f]*。$")


@register.filter
def keep_last_word(text: str) -> SafeString:
    """The text with its last word kept on one line: the line breaks before it, not inside it.
    Works on the notes of snapshots already stored (plain strings)."""
    text = str(text)
    found = _LAST_WORD.search(text)
    if found is None:
        return conditional_escape(text)
    head, tail = text[:found.start()], found.group(0)
    return mark_safe(f'{conditional_escape(head)}<span class="keep">{conditional_escape(tail)}</span>')
