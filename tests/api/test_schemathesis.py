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
    # Every limit the server enforces on a read is in the document, so every schema-valid read is
    # accepted ("positive data acceptance"). A write may still be refused for what a schema cannot say
    # (an invalid personnummer's check digit, a case not in a state that allows the action): a 4xx by
    # design, so for writes that check is not asked for.
    # The WSGI transport does not undo gzip (an HTTP client does): ask for the body as it is.
    # Two kinds of read parameter cannot be fully described by a schema, so a schema-valid value may
    # still be refused with a 422 naming the field: an opaque paging cursor (only the one a previous
    # answer gave is valid) and a follow-up period in its small grammar (2023, 2023-05, 2023-01..2023-06).
    opaque = {"/api/v1/requests", "/api/v1/cases", "/api/v1/followup/comparison"}
    read = case.operation.method.upper() == "GET" and case.operation.path not in opaque
    wanted = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
              checks.response_schema_conformance, checks.response_headers_conformance,
              checks.negative_data_rejection]
    case.call_and_validate(headers={"Authorization": f"Bearer {DEMO_API_KEY}", "Accept-Encoding": "identity"},
                           checks=[*wanted, *([checks.positive_data_acceptance] if read else [])],
                           excluded_checks=[] if read else [checks.positive_data_acceptance])
