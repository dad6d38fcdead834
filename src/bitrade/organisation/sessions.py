"""The session engine: Django's database sessions, with the session's row read by SQL compiled once per thread.

Every request of a logged-in person reads its session row (``SELECT … FROM django_session WHERE session_key =
… AND expire_date > now``). The row is read afresh on every request as before (nothing about a session is
kept between requests, so a logout or an expiry takes effect on the next request in every process); only the
ORM's building and compiling of that same query each time is saved (``common.compiled``)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from bitrade.common.compiled import CompiledRead

_READ = CompiledRead(
    "organisation.session",
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now),
    (Session._meta.get_field("session_key"), Session._meta.get_field("expire_date")),
    ("~unused-session-key~", datetime(1901, 1, 1, tzinfo=UTC)))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.model is not Session:  # a custom session model: as Django reads it
            return super()._get_session_from_db()
        try:
            found = _READ.first(self.session_key, timezone.now())
        except SuspiciousOperation as e:
            logging.getLogger(f"django.security.{e.__class__.__name__}").warning(str(e))
            found = None
        if found is None:
            self._session_key = None
        return found
