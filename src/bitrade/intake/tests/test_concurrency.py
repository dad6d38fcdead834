"""Concurrent duplicate submissions with one Idempotency-Key create exactly one case."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from bitrade.intake.models import AssistanceRequest
from bitrade.organisation.demo import DEMO_API_KEY

from .helpers import LVU_CARE


@pytest.mark.django_db(transaction=True)
def test_concurrent_twins_share_one_case(demo_tx):
    key = str(uuid.uuid4())
    n = 6
    barrier = threading.Barrier(n)
    responses, errors = [], []

    def submit():
        try:
            barrier.wait()
            r = Client().post("/api/v1/requests", LVU_CARE, content_type="application/json",
                              HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}", HTTP_IDEMPOTENCY_KEY=key)
            responses.append((r.status_code, r.json()))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    codes = sorted(code for code, _ in responses)
    assert codes == [200] * (n - 1) + [201], responses
    assert len({body["id"] for _, body in responses}) == 1
    assert AssistanceRequest.objects.count() == 1
    assert AssistanceRequest.objects.get().case.reference_number.endswith("-00001")
