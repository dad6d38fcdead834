"""The self-refreshing inbox in a real browser: a poll carries the ETag of what the page shows, a 304
leaves the page exactly as it is, and a change is swapped in."""

from __future__ import annotations

import pytest

from bitrade.assistance.tests.bulk import open_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL = "htmx.ajax('GET', '/arenden/inkorg/', {source: '#inbox', target: '#inbox', swap: 'innerHTML'})"


def test_a_304_poll_changes_nothing_and_a_change_is_swapped_in(page, login):
    first = open_cases(2)
    login("gc.malmo")
    page.goto("/")
    assert first[0].reference_number in page.locator("#inbox").inner_text()
    # A mark that a swap would wipe out: it stays if the page is left alone.
    page.evaluate("document.querySelector('#inbox table').setAttribute('data-untouched', 'yes')")
    with page.expect_response(lambda r: r.url.endswith("/arenden/inkorg/")) as answer:
        page.evaluate(POLL)
    assert answer.value.status == 304 and answer.value.request.headers.get("if-none-match")
    page.wait_for_timeout(300)
    assert page.locator("#inbox table[data-untouched='yes']").count() == 1
    assert first[0].reference_number in page.locator("#inbox").inner_text()

    newer = open_cases(1, start=7)[0]
    with page.expect_response(lambda r: r.url.endswith("/arenden/inkorg/")) as answer:
        page.evaluate(POLL)
    assert answer.value.status == 200
    page.locator("#inbox").get_by_text(newer.reference_number).wait_for()
    assert page.locator("#inbox table[data-untouched='yes']").count() == 0
    # The next poll carries the new ETag and is a 304 again.
    with page.expect_response(lambda r: r.url.endswith("/arenden/inkorg/")) as answer:
        page.evaluate(POLL)
    assert answer.value.status == 304
