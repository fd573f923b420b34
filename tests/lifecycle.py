"""Fixtures and helpers of the coordinator lifecycle, shared by the tests of later apps (a pytest plugin)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from coordinators import services
from coordinators.services import PersonData
from tests.factories import AreaFactory, ContractFactory, UserFactory

CONTRACT_START = dt.date(2026, 4, 1)
CONTRACT_END = dt.date(2027, 3, 31)


def jpeg_bytes(size=(600, 750), color=(200, 210, 220), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    Image.new("RGB", size, color).save(out, format="JPEG", **kwargs)
    return out.getvalue()


def photo_upload(name="photo.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content if content is not None else jpeg_bytes(), content_type=content_type)


@pytest.fixture
def areas(db):
    return [AreaFactory(code=f"T2-{i}", name=f"テスト{i}地区") for i in range(1, 4)]


@pytest.fixture
def contract_a(org_a, areas):
    return ContractFactory(organisation=org_a, title="汐見市地域支え合い推進員配置業務委託", layer=2,
                           start=CONTRACT_START, end=CONTRACT_END, areas=areas[:2])


@pytest.fixture
def contract_b(org_b, areas):
    return ContractFactory(organisation=org_b, title="汐見市地域支え合い推進員配置業務委託（Ｂ）", layer=2,
                           start=CONTRACT_START, end=CONTRACT_END, areas=areas[2:])


@pytest.fixture
def city_user(db):
    return UserFactory(username="city_user", roles=["市職員"], is_staff=True)


def file_notice(contract, filed_by, *, name="松本 さくら", appointed_on=CONTRACT_START, areas=None, photo=True,
                filed_on=dt.date(2026, 3, 25), **kwargs):
    from coordinators.photos import clean_photo

    return services.appointment_notice_file(
        organisation=contract.organisation, contract=contract,
        areas=areas if areas is not None else list(contract.areas.all()[:1]),
        appointed_on=appointed_on, reason="委託契約の締結に伴い選任したため。", filed_by=filed_by,
        person=PersonData(name=name, name_kana="まつもと さくら", birth_date=dt.date(1984, 6, 12), job_title="主任"),
        photo=clean_photo(photo_upload()) if photo else None, filed_on=filed_on, **kwargs,
    )


@pytest.fixture
def accepted(contract_a, contractor_a, city_user):
    """An accepted appointment in contract A, ready for a certificate."""
    notice = file_notice(contract_a, contractor_a)
    return services.appointment_notice_accept(notice=notice, accepted_by=city_user)
