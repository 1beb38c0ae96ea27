"""Fuzzing the questionnaire form (the questionnaires app of the measurement issue): hostile
answers, tokens and actions are refused with the form again (400) and store no response, or
are accepted and stored as one response whose answers are options of the items; never a 500.
A refused submission may keep a draft of the answers: that is the form's promise, not a
change to the record."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.apps import apps
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from support.testing import BaseTestCase

pytestmark = [
    pytest.mark.skipif(
        not apps.is_installed("embct.platform.questionnaires"),
        reason="the questionnaires app is not installed in this tree",
    ),
    pytest.mark.slow,  # load-style: many generated submissions
]

RADIO = re.compile(r'<input type="radio" name="([^"]+)" value="([^"]*)"')
OMIT = object()
hostile = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
    st.sampled_from(["", "skip", "-1", "99", "1.0", "\x00", "NaN", "1e400", "٣", " 2 "]),
    st.integers(-(10**20), 10**20).map(str),
)


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class FuzzQuestionnaireFormTests(HypothesisTestCase, BaseTestCase):
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def test_fill(self, data: st.DataObject) -> None:
        from embct.platform.questionnaires import services
        from embct.platform.questionnaires.models import Response, ScheduledAssessment

        services.materialize(self.pim_profile)
        assessment = ScheduledAssessment.objects.get(patient=self.pim_profile, key="wai_w2")
        url = f"/questionnaires/{assessment.pk}/"
        self.login(self.pim)
        page = self.client.get(url).content.decode()
        options: dict[str, list[str]] = {}
        for name, value in RADIO.findall(page):
            options.setdefault(name, []).append(value)
        assert options, "the form offers no items"
        valid: dict[str, Any] = {name: values[0] for name, values in options.items()}
        valid["form_token"] = str(uuid.uuid4())
        valid["action"] = "submit"
        form = dict(valid)
        for name in sorted(data.draw(st.sets(st.sampled_from(sorted(valid)), max_size=3))):
            value = data.draw(st.one_of(hostile, st.just(OMIT)))
            if value is OMIT:
                del form[name]
            else:
                form[name] = value
        response = self.client.post(url, form)
        assert response.status_code in {302, 400}
        stored = list(Response.objects.filter(assessment=assessment))
        event("stored" if stored else f"not stored ({response.status_code})")
        if stored:
            assert response.status_code == 302
            (saved,) = stored
            for item, answer in saved.answers.items():
                # An explicit skip is stored as a missing answer (None).
                expected = "skip" if answer is None else str(answer)
                assert expected in options[str(item)]
            # Sending the same form again does not make a second response.
            self.client.post(url, form)
            assert Response.objects.filter(assessment=assessment).count() == 1
        elif response.status_code == 302:
            assert form.get("action") == "save"  # kept as a draft, not submitted
