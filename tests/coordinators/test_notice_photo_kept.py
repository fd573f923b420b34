"""A 選任届 shown again after an error keeps the photo already sent (issue 16, problem 6)."""

import pytest
from django.urls import reverse
from PIL import Image

from coordinators.models import AppointmentNotice, Coordinator
from coordinators.photos import KEPT_PHOTO_SESSION_KEY
from municipality.once import TOKEN_FIELD
from tests.coordinators.test_portal import notice_form
from tests.lifecycle import jpeg_bytes, photo_upload

pytestmark = pytest.mark.django_db

KEPT = "添付済みの写真："


def test_the_photo_is_kept_after_a_validation_error_and_used_on_the_next_sending(client, contractor_a, contract_a):
    client.force_login(contractor_a)
    url = reverse("coordinators:appoint")
    data = notice_form(contract_a, name="", photo=photo_upload(content=jpeg_bytes((900, 1200), color=(10, 200, 30))))
    page = client.post(url, data).content.decode()
    assert "氏名を入力してください" in page
    assert KEPT in page and "（変更する場合は選び直してください）" in page
    assert 'src="data:image/jpeg;base64,' in page
    assert not AppointmentNotice.objects.exists()

    # Sent again, corrected, without choosing the file again: filed with the kept photo.
    corrected = {**data, "name": "新井 花子"}
    del corrected["photo"]
    response = client.post(url, corrected)
    assert response.status_code == 302
    coordinator = Coordinator.objects.get()
    assert coordinator.photo

    with Image.open(coordinator.photo.open("rb")) as image:
        red, green, _ = image.convert("RGB").getpixel((10, 10))
    assert green > 150 and red < 80  # the photo sent the first time
    assert KEPT_PHOTO_SESSION_KEY not in client.session  # nothing left behind


def test_the_kept_photo_belongs_to_its_form_only(client, contractor_a, contract_a):
    client.force_login(contractor_a)
    url = reverse("coordinators:appoint")
    data = notice_form(contract_a, reason="")
    client.post(url, data)
    assert client.session[KEPT_PHOTO_SESSION_KEY]["token"] == data[TOKEN_FIELD]
    # Another form (another token) does not pick it up: the notice is filed without a photo.
    other = notice_form(contract_a, photo=None)
    other.pop("photo", None)
    assert client.post(url, other).status_code == 302
    assert not Coordinator.objects.get().photo


def test_a_refused_photo_is_not_kept_and_says_so(client, contractor_a, contract_a):
    client.force_login(contractor_a)
    page = client.post(reverse("coordinators:appoint"),
                       notice_form(contract_a, name="", photo=photo_upload("x.jpg", b"not an image"))).content.decode()
    assert "画像" in page and KEPT not in page
    assert KEPT_PHOTO_SESSION_KEY not in client.session


def test_a_new_choice_replaces_the_kept_photo(client, contractor_a, contract_a):
    client.force_login(contractor_a)
    url = reverse("coordinators:appoint")
    data = notice_form(contract_a, name="", photo=photo_upload(content=jpeg_bytes(color=(10, 200, 30))))
    client.post(url, data)
    response = client.post(url, {**data, "name": "新井 花子",
                                 "photo": photo_upload(content=jpeg_bytes(color=(220, 20, 20)))})
    assert response.status_code == 302

    with Image.open(Coordinator.objects.get().photo.open("rb")) as image:
        red, green, _ = image.convert("RGB").getpixel((10, 10))
    assert red > 150 and green < 80
