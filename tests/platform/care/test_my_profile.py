"""The therapist's profile page (a photo and a few words for her welcome message), the photo's
checks (care.photos) and who may see the photo (care:therapist_photo)."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from embct.platform.care import photos
from embct.platform.care.models import MessageKind, Supervision, TherapistProfile
from embct.platform.care.services import therapist_writes
from support.testing import BaseTestCase

URL = "/profile/"


def image_file(
    fmt: str = "JPEG", size: tuple[int, int] = (600, 400), exif: bool = False, **save: object
) -> bytes:
    """An image in ``fmt``; with ``exif``, a camera's make, a GPS tag and "rotated 90°"."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "SecretCam"  # Make
        tags[0x0112] = 6  # Orientation: rotate 90° clockwise to show
        tags[0x8825] = {1: "N", 2: (52.0, 5.0, 0.0)}  # GPS latitude
        save["exif"] = tags
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def upload(
    data: bytes, name: str = "me.jpg", content_type: str = "image/jpeg"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


class PhotoProcessingTests(BaseTestCase):
    def test_a_photo_is_re_encoded_square_small_and_without_metadata(self) -> None:
        original = image_file(exif=True, size=(600, 400))
        assert b"SecretCam" in original
        stored = photos.process(io.BytesIO(original))
        assert b"SecretCam" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert (image.format, image.size) == ("JPEG", (photos.SIZE, photos.SIZE))
            assert not image.getexif()
            assert "exif" not in image.info
            # Turned upright first: the blue left half is now the top half.
            top, bottom = image.getpixel((128, 20)), image.getpixel((128, 235))
        assert top[2] > 150 > top[0]
        assert bottom[0] > 150 > bottom[2]

    def test_png_and_webp_are_accepted(self) -> None:
        for fmt in ("PNG", "WEBP"):
            stored = photos.process(io.BytesIO(image_file(fmt)))
            assert stored.startswith(b"\xff\xd8"), fmt  # a JPEG

    def test_what_is_not_an_accepted_image_is_refused(self) -> None:
        gif = image_file("GIF")
        truncated = image_file()[:300]
        for data in (b"%PDF-1.4 not a photo", gif, truncated, b""):
            with pytest.raises(photos.PhotoError):
                photos.process(io.BytesIO(data))

    def test_too_large_or_too_many_pixels_is_refused(self) -> None:
        with pytest.raises(photos.PhotoError, match="too large"):
            photos.process(io.BytesIO(b"x"), size=photos.MAX_BYTES + 1)
        with mock.patch.object(photos, "MAX_BYTES", 100), pytest.raises(photos.PhotoError):
            photos.process(io.BytesIO(image_file()))
        with (
            mock.patch.object(photos, "MAX_JPEG_PIXELS", 100),
            pytest.raises(photos.PhotoError, match="pixels"),
        ):
            photos.process(io.BytesIO(image_file(size=(20, 20))))

    def test_a_small_file_of_many_pixels_is_refused_before_it_is_decoded(self) -> None:
        # a one-colour 17-megapixel PNG is a few dozen KB and would decode to 68 MB
        bomb = image_file("PNG", size=(4200, 4100))
        assert len(bomb) < 200_000
        with pytest.raises(photos.PhotoError, match="pixels"):
            photos.process(io.BytesIO(bomb))

    def test_a_large_jpeg_is_decoded_at_a_reduced_scale(self) -> None:
        # 20 megapixels, over the PNG limit: a JPEG is decoded at 1/2-1/8 scale, then fitted
        stored = photos.process(io.BytesIO(image_file(size=(5000, 4000))))
        with Image.open(io.BytesIO(stored)) as image:
            assert image.size == (photos.SIZE, photos.SIZE)
            left, right = image.getpixel((10, 128)), image.getpixel((245, 128))
        assert left[2] > left[0]  # the blue left half
        assert right[0] > right[2]  # the red right half


class ProfilePageTests(BaseTestCase):
    def test_saves_are_limited_per_hour_and_the_one_over_changes_nothing(self) -> None:
        from embct.platform.care.views import PROFILE_SAVES_PER_HOUR

        self.login(self.tessa)
        for n in range(PROFILE_SAVES_PER_HOUR):
            assert self.client.post(URL, {"about": f"save {n}"}).status_code == 302
        response = self.client.post(URL, {"about": "one too many", "photo": upload(image_file())})
        assert response.status_code == 429
        self.assertContains(response, "Too many changes in one hour", status_code=429)
        profile = TherapistProfile.objects.get(user=self.tessa)
        assert profile.about == f"save {PROFILE_SAVES_PER_HOUR - 1}"
        assert profile.photo is None
        # another therapist is not limited by her saves
        self.login(self.otto)
        assert self.client.post(URL, {"about": "Otto"}).status_code == 302

    def test_she_saves_a_photo_and_a_few_words(self) -> None:
        self.login(self.tessa)
        response = self.client.post(
            URL,
            {
                "about": "  I am a psychologist in Nijmegen.  ",
                "photo": upload(image_file(exif=True)),
            },
        )
        self.assertRedirects(response, URL)
        profile = TherapistProfile.objects.get(user=self.tessa)
        assert profile.about == "I am a psychologist in Nijmegen."
        assert profile.photo_updated is not None
        assert bytes(profile.photo).startswith(b"\xff\xd8")
        assert b"SecretCam" not in bytes(profile.photo)
        page = self.client.get(URL)
        self.assertContains(page, f'src="/therapists/{self.tessa.pk}/photo/?v=', html=False)
        self.assertContains(page, "I am a psychologist in Nijmegen.")

    def test_a_file_that_is_not_a_photo_is_refused_and_nothing_changes(self) -> None:
        TherapistProfile.objects.create(user=self.tessa, about="Before")
        self.login(self.tessa)
        response = self.client.post(
            URL, {"about": "After", "photo": upload(b"<?php echo 1; ?>", "me.jpg")}
        )
        self.assertContains(response, "This file is not a photo we can use", status_code=400)
        profile = TherapistProfile.objects.get(user=self.tessa)
        assert (profile.about, profile.photo_updated) == ("Before", None)

    def test_a_too_long_text_is_refused(self) -> None:
        self.login(self.tessa)
        response = self.client.post(URL, {"about": "x" * 1001})
        assert response.status_code == 400
        assert not TherapistProfile.objects.exists()

    def test_saving_the_text_keeps_the_photo_and_remove_takes_it_away(self) -> None:
        self.login(self.tessa)
        self.client.post(URL, {"about": "One", "photo": upload(image_file())})
        self.client.post(URL, {"about": "Two"})
        profile = TherapistProfile.objects.get(user=self.tessa)
        assert (profile.about, profile.has_photo) == ("Two", True)
        self.client.post(URL, {"about": "Two", "remove_photo": "on"})
        profile.refresh_from_db()
        assert (profile.has_photo, profile.photo) == (False, None)

    def test_other_roles_get_403(self) -> None:
        for user in (self.pim, self.rosa, self.ada):
            self.login(user)
            assert self.client.get(URL).status_code == 403
            assert self.client.post(URL, {"about": "x"}).status_code == 403
        assert not TherapistProfile.objects.exists()


class TherapistPhotoTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        for therapist in (self.tessa, self.otto):
            self.login(therapist)
            self.client.post(
                URL, {"about": f"I am {therapist.first_name}.", "photo": upload(image_file())}
            )
        self.client.logout()

    def photo(self, therapist: object) -> int:
        return self.client.get(f"/therapists/{therapist.pk}/photo/").status_code  # type: ignore[attr-defined]

    def test_her_own_patient_gets_the_photo_as_a_jpeg(self) -> None:
        self.login(self.pim)
        response = self.client.get(f"/therapists/{self.tessa.pk}/photo/")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, max-age=86400"
        assert response.content == bytes(TherapistProfile.objects.get(user=self.tessa).photo)

    def test_another_therapists_patient_gets_404(self) -> None:
        self.login(self.pim)
        assert self.photo(self.otto) == 404

    def test_she_and_her_supervisor_see_it_other_therapists_do_not(self) -> None:
        self.login(self.tessa)
        assert (self.photo(self.tessa), self.photo(self.otto)) == (200, 404)
        self.login(self.sam)  # supervises Tessa
        assert (self.photo(self.tessa), self.photo(self.otto)) == (200, 404)
        Supervision.objects.filter(supervisor=self.sam).delete()
        assert self.photo(self.tessa) == 404

    def test_researchers_and_administrators_get_403(self) -> None:
        for user in (self.rosa, self.ada):
            self.login(user)
            assert self.photo(self.tessa) == 403

    def test_no_photo_or_no_therapist_is_404(self) -> None:
        self.login(self.tessa)
        Supervision.objects.create(supervisor=self.tessa, therapist=self.otto)
        TherapistProfile.objects.filter(user=self.otto).update(photo=None, photo_updated=None)
        assert self.photo(self.otto) == 404
        assert self.client.get("/therapists/999999/photo/").status_code == 404
        self.login(self.pim)
        assert self.client.get(f"/therapists/{self.pim.pk}/photo/").status_code == 404

    def test_it_refuses_post(self) -> None:
        self.login(self.pim)
        assert self.client.post(f"/therapists/{self.tessa.pk}/photo/").status_code == 405

    def test_the_inbox_shows_the_photo_and_profile_with_the_welcome_only(self) -> None:
        therapist_writes(self.tessa, self.pim_profile, "Welcome, Pim.", kind=MessageKind.WELCOME)
        therapist_writes(self.tessa, self.pim_profile, "Well done this week.")
        self.login(self.pim)
        response = self.client.get("/inbox/")
        page = response.content.decode()
        assert page.count(f'src="/therapists/{self.tessa.pk}/photo/?v=') == 1
        self.assertContains(response, 'alt="Photo of Tessa"', html=False)
        self.assertContains(response, "I am Tessa.", count=1)
