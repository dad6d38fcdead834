"""A request's rows are built before its write transaction: its documents are hashed and written to storage
before the write lock is taken, and they are removed again when the transaction does not commit."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection

from bitrade.intake import services as intake
from bitrade.intake.models import AssistanceRequest, Attachment
from bitrade.intake.schemas import RequestIn

from .helpers import LVU_CARE


def _files(root) -> set[Path]:
    return {p for p in Path(root).rglob("*") if p.is_file()}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def test_documents_are_stored_before_the_write_transaction_and_kept_once_committed(demo, actor_of, media,
                                                                                   monkeypatch):
    save_depth: list[int] = []
    original = FileSystemStorage._save

    def noting_save(self, name, content):
        save_depth.append(len(connection.atomic_blocks))
        return original(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", noting_save)
    # pytest-django's test transaction is the outer atomic block: a write transaction of the request's own
    # is a savepoint inside it, so "inside" means deeper than the test's own block.
    depth = len(connection.atomic_blocks)
    seen_depth: list[int] = []
    original_submit = intake._submit

    def noting_submit(*args, **kwargs):
        seen_depth.append(len(connection.atomic_blocks))
        return original_submit(*args, **kwargs)

    monkeypatch.setattr(intake, "_submit", noting_submit)
    req = intake.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(LVU_CARE),
                                idempotency_key=str(uuid.uuid4())).request
    assert seen_depth and seen_depth[0] > depth  # the rows went in inside a write transaction ...
    assert save_depth == [depth] * len(LVU_CARE["attachments"])
    stored = list(Attachment.objects.filter(request=req))
    assert len(stored) == len(LVU_CARE["attachments"])
    for att in stored:  # ... and the documents were written before it, with the right hash
        path = Path(att.file.path)
        assert path.is_file() and str(path).startswith(str(media))
        assert att.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert att.size == path.stat().st_size


def test_a_transaction_that_does_not_commit_leaves_no_documents_behind(demo, actor_of, media, monkeypatch):
    before = _files(media) if media.exists() else set()
    requests_before = AssistanceRequest.objects.count()

    class Boom(Exception):
        pass

    def failing_open_case(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(intake.cases, "open_case", failing_open_case)
    with pytest.raises(Boom):
        intake.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(LVU_CARE),
                              idempotency_key=str(uuid.uuid4()))
    assert AssistanceRequest.objects.count() == requests_before
    assert (_files(media) if media.exists() else set()) == before
