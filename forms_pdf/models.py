from __future__ import annotations

from django.conf import settings
from django.db import models

from municipality.roles import Role
from municipality.scoping import ScopedQuerySet, ScopeRule
from municipality.validators import validate_event_date

from .kinds import label_of


class IssuedDocumentQuerySet(ScopedQuerySet):
    # Only the organisation's 受託団体 users (and city-wide roles) see its papers.
    scope_rule = ScopeRule(organisation="organisation", organisation_roles=frozenset({Role.CONTRACTOR}))


class IssuedDocument(models.Model):
    """An official document as it was issued: the data it was built from and its PDF.

    Never re-rendered from later data and never deleted (the database refuses both);
    a correction is a new document that names the one it replaces.
    """

    # The key of a kind declared by the issuing app (forms_pdf.kinds); no choices here, so that
    # a new kind needs no change (and no migration) in this app.
    kind = models.CharField("様式", max_length=10)
    title = models.CharField("件名", max_length=200)
    organisation = models.ForeignKey(
        "municipality.Organisation", verbose_name="団体", null=True, blank=True,
        on_delete=models.PROTECT, related_name="documents",
    )
    snapshot = models.JSONField("作成時のデータ")
    pdf = models.BinaryField("PDF")
    sha256 = models.CharField("PDFのSHA-256", max_length=64)
    size = models.PositiveIntegerField("大きさ（バイト）")
    filename = models.CharField("ファイル名", max_length=200)
    issued_at = models.DateTimeField("作成日時", validators=[validate_event_date])
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="作成者", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    replaces = models.OneToOneField(
        "self", verbose_name="訂正前の書類", null=True, blank=True,
        on_delete=models.PROTECT, related_name="replaced_by",
    )
    correction_reason = models.CharField("訂正の理由", max_length=200, blank=True)

    objects = IssuedDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "発行済み書類"
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind_label}（{self.title}）"

    @property
    def kind_label(self) -> str:
        return label_of(self.kind)
