"""Which items of the case file are 要配慮個人情報, declared next to each field.

個人情報保護法 第2条第3項 and 施行令 第2条 name the kinds of 要配慮個人情報: 人種, 信条, 社会的身分,
病歴, 犯罪の経歴, 犯罪により害を被った事実, 心身の機能の障害, 健康診断等の結果, 保健指導・診療・調剤,
刑事事件・少年保護事件の手続. A case record's free text about the person (主訴, 状況, 課題, 経過,
プラン) routinely holds them (an illness, a disability, a debt that led to 生活保護, an abuse), so
every such text is declared 要配慮 as a whole: masking it is the only way to be sure.

Each field of a model in ``consultations`` is wrapped at its declaration::

    person_name = personal(models.CharField("本人氏名", max_length=100))
    presenting_problems = sensitive(models.TextField("相談の内容（主訴）", max_length=4000))

and ``tests/consultations/test_privacy_classification.py`` fails for a field that is not. The
wrappers only set an attribute on the field: nothing reaches the database or the migrations.

* ``sensitive``: 要配慮個人情報 (masked in every output unless an approval names it).
* ``personal``: ordinary personal data of the person or their household (name, address, dates
  of their consultation and support): in the 個人情報ファイル簿's items, printed as it is.
* ``record``: how the record is kept (who wrote it and when, versions, links between records,
  the agencies' register): not an item about the person.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

MASK = "＊＊＊（要配慮）"


class Level(models.TextChoices):
    SENSITIVE = "sensitive", "要配慮個人情報"
    PERSONAL = "personal", "個人情報"
    RECORD = "record", "記録の管理項目"


F = TypeVar("F", bound=models.Field)


def _classify(field: F, level: Level) -> F:
    field.privacy_level = level  # type: ignore[attr-defined]
    return field


def sensitive(field: F) -> F:
    """要配慮個人情報 (個人情報保護法 第2条第3項), or free text that may hold it."""
    return _classify(field, Level.SENSITIVE)


def personal(field: F) -> F:
    """Personal data of the person or their household that is not 要配慮."""
    return _classify(field, Level.PERSONAL)


def record(field: F) -> F:
    """How the record is kept: not an item about the person."""
    return _classify(field, Level.RECORD)


def level_of(field: Any) -> Level | None:
    """The declared level of a model field (None: not declared, which a test refuses)."""
    return getattr(field, "privacy_level", None)


def declared_fields(model: type[models.Model]) -> list[models.Field]:
    """The model's own fields and many-to-many fields, in declaration order, without the id."""
    own = [f for f in model._meta.get_fields(include_hidden=False)
           if f.concrete and not f.auto_created] + list(model._meta.local_many_to_many)
    seen: set[str] = set()
    result = []
    for field in own:
        if field.name not in seen:
            seen.add(field.name)
            result.append(field)
    return result


def fields_of_level(model: type[models.Model], level: Level) -> list[models.Field]:
    return [f for f in declared_fields(model) if level_of(f) == level]


def sensitive_field_names(model: type[models.Model]) -> list[str]:
    return [f.name for f in fields_of_level(model, Level.SENSITIVE)]
