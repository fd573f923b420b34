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


class GeneratedFileStatus(models.TextChoices):
    QUEUED = "queued", "作成中"
    READY = "ready", "作成済み"
    FAILED = "failed", "作成できませんでした"


class GeneratedFile(models.Model):
    """A file made in the background for one user (e.g. a year of certificate sheets): only that
    user fetches it, until it expires. Not an issued document: it is printed from them and can be
    made again, so it is deleted after ``GENERATED_FILE_DAYS``."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="依頼した人", on_delete=models.CASCADE, related_name="+",
    )
    # Which app's task makes it and from what (ids only; the task loads the rest).
    kind = models.CharField("種類", max_length=40)
    params = models.JSONField("作成の条件", default=dict)
    title = models.CharField("件名", max_length=200)
    filename = models.CharField("ファイル名", max_length=200)
    status = models.CharField("状態", max_length=10, choices=GeneratedFileStatus.choices,
                              default=GeneratedFileStatus.QUEUED)
    error = models.CharField("作成できなかった理由", max_length=300, blank=True)
    content = models.BinaryField("内容", null=True, blank=True)
    size = models.PositiveIntegerField("大きさ（バイト）", default=0)
    requested_at = models.DateTimeField("依頼日時", validators=[validate_event_date])
    finished_at = models.DateTimeField("作成日時", null=True, blank=True, validators=[validate_event_date])
    expires_at = models.DateTimeField("保存期限", validators=[validate_event_date])
    # Whether the owner has been told (a message on the page they come back to) that it is finished.
    announced = models.BooleanField("完成を知らせた", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "出力したファイル"
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-requested_at"], name="generatedfile_owner_idx")]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"
