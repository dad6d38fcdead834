"""Property-based fuzzing of the published OpenAPI document: no 500s, no response outside the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from bitrade.organisation.demo import DEMO_API_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(demo):
    """The real WSGI application, in the test's transaction (as Django's test client does it, the
    per-request connection closing is switched off while the fuzzer runs)."""
    from django.core import signals
    from django.db import close_old_connections

    from bitrade.config.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
def test_api_conforms_to_its_schema(case):
    # Schema-valid data may still be refused for what a schema cannot say (an unknown kommunkod, an
    # invalid personnummer): that is a 4xx by design, so "positive data acceptance" is not asked for.
    # The WSGI transport does not undo gzip (an HTTP client does): ask for the body as it is.
    case.call_and_validate(headers={"Authorization": f"Bearer {DEMO_API_KEY}", "Accept-Encoding": "identity"}, checks=[
        checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
        checks.response_schema_conformance, checks.response_headers_conformance,
        checks.negative_data_rejection,
    ], excluded_checks=[checks.positive_data_acceptance])
