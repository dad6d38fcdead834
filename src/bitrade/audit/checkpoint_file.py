"""The checkpoint file: one JSON line per signed checkpoint, appended (O_APPEND + fsync), never rewritten.

It lives outside the database (BITRADE_AUDIT_CHECKPOINT_DIR): put it on other storage, ideally
write-once (chattr +a, object lock, a log shipper), so that an administrator of the database alone cannot
rewrite it. `bitrade audit verify` trusts this file, not the database's copy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings

from .rules import Checkpoint

FILE_NAME = "checkpoints.jsonl"


def path() -> Path:
    return Path(settings.BITRADE_AUDIT_CHECKPOINT_DIR) / FILE_NAME


def line_of(cp: Checkpoint) -> bytes:
    """A checkpoint's line in the file."""
    return (json.dumps({"body": cp.body, "sig": cp.signature}, separators=(",", ":")) + "\n").encode("utf-8")


def append(checkpoints: list[Checkpoint]) -> None:
    if not checkpoints:
        return
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(line_of(cp) for cp in checkpoints)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        if os.fstat(fd).st_size and not _ends_with_newline(target):
            data = b"\n" + data  # a line cut short by a crash stays alone on its line
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _ends_with_newline(target: Path) -> bool:
    with target.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def read() -> list[Checkpoint]:
    """Every complete, well-formed line (a line cut short by a crash is ignored)."""
    return [cp for cp, _ in read_from(0)]


def read_from(offset: int) -> list[tuple[Checkpoint, int]]:
    """The checkpoints on the lines from byte ``offset`` on, each with the offset just after its line
    (where to read on from once it is verified)."""
    target = path()
    if not target.exists():
        return []
    with target.open("rb") as f:
        f.seek(offset)
        data = f.read()
    out = []
    at = offset
    for line in data.splitlines(keepends=True):
        at += len(line)
        try:
            d = json.loads(line)
            out.append((Checkpoint.parse(d["body"], d["sig"]), at))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def line_before(offset: int, length: int) -> bytes:
    """The ``length`` bytes before ``offset`` (the line of a checkpoint read before, to see it unchanged)."""
    target = path()
    if not target.exists() or offset < length:
        return b""
    with target.open("rb") as f:
        f.seek(offset - length)
        return f.read(length)


def last_number() -> int:
    """The number of the newest checkpoint in the file (reads only the tail)."""
    target = path()
    if not target.exists():
        return 0
    with target.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 8192))
        tail = f.read().decode("utf-8", errors="replace").splitlines()
    for line in reversed(tail):
        try:
            return int(json.loads(json.loads(line)["body"])["n"])
        except (ValueError, KeyError, TypeError):
            continue
    return 0 if size < 8192 else max((cp.number for cp in read()), default=0)
