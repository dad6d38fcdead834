"""Pure functions of the audit trail: the hash chain, RFC 6962 Merkle trees over sealed batches, signed
checkpoints and verification of the whole log against them. No Django here."""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64

# The chain hash covers the event's content and its place: the database id (seq) and the position in the
# chain that the sealer gave it.
HASHED_FIELDS = (
    "seq", "position",
    "occurred_at", "actor_kind", "actor_label", "actor_person_id", "actor_unit_id",
    "actor_organisation_id", "actor_api_key_id", "action", "object_type", "object_id",
    "result", "reason", "old", "new", "request_id",
)
CHECKPOINT_VERSION = 1


def normalise(value):
    """JSON-normalise a value so that it hashes the same before and after a database round trip."""
    return json.loads(json.dumps(value, default=str, sort_keys=True, ensure_ascii=False))


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash: str, fields: Mapping) -> str:
    payload = {k: fields.get(k) for k in HASHED_FIELDS}
    payload["occurred_at"] = _timestamp(fields["occurred_at"])
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


# --- Merkle trees (RFC 6962 section 2.1 / RFC 9162 section 2.1) ----------------------------------------

def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over already leaf-hashed entries."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf `index` (0-based) in the tree over `leaves`."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError("index outside the tree")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), merkle_root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), merkle_root(leaves[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does `proof` show that `leaf` is entry `index` of the tree with `root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def event_leaf(event_hash_hex: str) -> bytes:
    return leaf_hash(bytes.fromhex(event_hash_hex))


# --- Checkpoints ----------------------------------------------------------------------------------------

def checkpoint_body(*, number: int, first_position: int, last_position: int, first_seq: int, last_seq: int,
                    root: str, head: str, previous: str, created_at: datetime, key_id: str) -> str:
    """The canonical text that is signed: what the sealer saw when it closed a batch."""
    return json.dumps({
        "v": CHECKPOINT_VERSION, "n": number, "first": first_position, "last": last_position,
        "first_seq": first_seq, "last_seq": last_seq, "root": root, "head": head, "prev": previous,
        "time": _timestamp(created_at), "key": key_id,
    }, sort_keys=True, separators=(",", ":"))


def checkpoint_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    number: int
    body: str
    signature: str  # base64
    key_id: str
    first_position: int
    last_position: int
    first_seq: int
    last_seq: int
    root: str
    head: str
    previous: str

    @classmethod
    def parse(cls, body: str, signature: str) -> Checkpoint:
        d = json.loads(body)
        return cls(number=int(d["n"]), body=body, signature=signature, key_id=str(d["key"]),
                   first_position=int(d["first"]), last_position=int(d["last"]), first_seq=int(d["first_seq"]),
                   last_seq=int(d["last_seq"]), root=str(d["root"]), head=str(d["head"]), previous=str(d["prev"]))


# --- Verification ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    kind: str  # changed | removed | link | rewritten | truncated | checkpoint_missing | checkpoint_forged | unsealed
    seq: int | None
    message: str  # plain Swedish


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    findings: tuple[Finding, ...] = ()
    checkpoints: int = 0
    unsealed: int = 0


MAX_FINDINGS = 50


def verify_chain(events: Iterable[Mapping]) -> ChainReport:
    """Walk sealed events in position order; report the first one whose link or content does not match."""
    return verify_log(events, [], None, lambda *_: True)


def _report(findings: list[Finding], checked: int, checkpoints: int = 0, unsealed: int = 0) -> ChainReport:
    if not findings:
        return ChainReport(True, checked, checkpoints=checkpoints, unsealed=unsealed)
    first = findings[0]
    return ChainReport(False, checked, first.seq, first.message, tuple(findings[:MAX_FINDINGS]), checkpoints,
                       unsealed)


def check_checkpoints(file_cps: Sequence[Checkpoint], db_cps: Sequence[Checkpoint] | None,
                      signature_ok: Callable[[Checkpoint], str], *,
                      after: Checkpoint | None = None) -> tuple[list[Checkpoint], list[Finding]]:
    """Validate the checkpoints kept outside the database (signature, numbering, linking) and compare the
    database's copies with them. `signature_ok` returns "" or a Swedish reason. Returns the trusted list.
    With `after` (a checkpoint already verified), the checkpoints given are those after it, and the first
    must link to it."""
    findings: list[Finding] = []
    trusted: list[Checkpoint] = []
    by_number = {}
    for cp in file_cps:
        reason = signature_ok(cp)
        if reason:
            findings.append(Finding("checkpoint_forged", cp.last_seq,
                                    f"Kontrollpunkt {cp.number} (händelse #{cp.first_seq}–#{cp.last_seq}) är "
                                    f"förfalskad: {reason}."))
            continue
        by_number.setdefault(cp.number, cp)
    previous, expected_first = GENESIS_HASH, 1
    if after is not None:
        previous, expected_first = checkpoint_digest(after.body), after.last_position + 1
    for n in sorted(by_number):
        cp = by_number[n]
        last_number = trusted[-1].number if trusted else after.number if after is not None else None
        if last_number is not None and n != last_number + 1:
            findings.append(Finding("checkpoint_missing", cp.first_seq,
                                    f"Kontrollpunkt {last_number + 1}–{n - 1} saknas i kontrollpunktsfilen "
                                    f"(före händelse #{cp.first_seq})."))
        elif last_number is None and n != 1:
            findings.append(Finding("checkpoint_missing", cp.first_seq,
                                    f"Kontrollpunkt 1–{n - 1} saknas i kontrollpunktsfilen."))
        elif cp.previous != previous or cp.first_position != expected_first:
            findings.append(Finding("checkpoint_forged", cp.first_seq,
                                    f"Kontrollpunkt {n} hänger inte ihop med kontrollpunkt {n - 1}."))
        trusted.append(cp)
        previous, expected_first = checkpoint_digest(cp.body), cp.last_position + 1
    if db_cps is not None:
        db_by_number = {cp.number: cp for cp in db_cps}
        for n, cp in by_number.items():
            other = db_by_number.get(n)
            if other is None:
                findings.append(Finding("checkpoint_missing", cp.first_seq,
                                        f"Kontrollpunkt {n} (händelse #{cp.first_seq}–#{cp.last_seq}) saknas i "
                                        "databasen."))
            elif other.body != cp.body or other.signature != cp.signature:
                findings.append(Finding("checkpoint_forged", cp.first_seq,
                                        f"Kontrollpunkt {n} i databasen skiljer sig från kontrollpunktsfilen."))
        for n, cp in db_by_number.items():
            if n not in by_number:
                reason = signature_ok(cp)
                what = f"är förfalskad ({reason})" if reason else "finns inte i kontrollpunktsfilen"
                findings.append(Finding("checkpoint_forged" if reason else "checkpoint_missing", cp.first_seq,
                                        f"Kontrollpunkt {n} i databasen (händelse #{cp.first_seq}–#{cp.last_seq}) "
                                        f"{what}."))
    return trusted, findings


def verify_log(events: Iterable[Mapping], file_cps: Sequence[Checkpoint], db_cps: Sequence[Checkpoint] | None,
               signature_ok: Callable[[Checkpoint], str], *, unsealed: int = 0,
               start: Checkpoint | None = None) -> ChainReport:
    """Verify sealed events (in position order) against themselves and the trusted checkpoints.

    Reports, with sequence numbers: a changed event (content does not match its hash), a removed event (a
    hole in the positions or a broken link), a rewritten tail (hashes recomputed: they no longer match the
    signed Merkle root and head of a checkpoint), a truncated table (the checkpoints vouch for more events
    than there are), missing or forged checkpoints.

    With `start` (a checkpoint up to which the log was verified before, its head event still checked by
    the caller), only what came after it is verified: the events after its last position and the
    checkpoints after it, linked to it. The report counts the events up to it as checked.
    """
    trusted, findings = check_checkpoints(file_cps, db_cps, signature_ok, after=start)
    firsts = [cp.first_position for cp in trusted]
    prev_hash, prev_pos, prev_seq, checked = GENESIS_HASH, 0, None, 0
    if start is not None:
        prev_hash, prev_pos, prev_seq = start.head, start.last_position, start.last_seq
    rewritten: list[tuple[Checkpoint, int]] = []
    batch: dict = {"cp": None, "leaves": [], "first_seq": None, "hole": False, "head": ""}

    def close_batch() -> None:
        cp = batch["cp"]
        if cp is not None and not batch["hole"] and (
                len(batch["leaves"]) != cp.last_position - cp.first_position + 1
                or merkle_root(batch["leaves"]).hex() != cp.root or batch["head"] != cp.head):
            rewritten.append((cp, batch["first_seq"]))

    for e in events:
        checked += 1
        pos, seq = e["position"], e["seq"]
        hole = False
        if pos != prev_pos + 1:
            hole = True
            after = f"efter händelse #{prev_seq}" if prev_seq is not None else "i början av loggen"
            span = f"plats {prev_pos + 1}" if pos == prev_pos + 2 else f"plats {prev_pos + 1}–{pos - 1}"
            findings.append(Finding("removed", seq, f"Händelse saknas {after} och före händelse #{seq} ({span} i "
                                                    "kedjan): den har raderats."))
        elif e["prev_hash"] != prev_hash:
            findings.append(Finding("link", seq, f"Länken från händelse #{seq} till föregående händelse är bruten "
                                                 "(en händelse har raderats eller flyttats)."))
        if event_hash(e["prev_hash"], e) != e["hash"]:
            findings.append(Finding("changed", seq, f"Händelse #{seq} har ändrats: innehållet stämmer inte med "
                                                    "kontrollsumman."))
        i = bisect_right(firsts, pos) - 1
        cp = trusted[i] if i >= 0 and pos <= trusted[i].last_position else None
        if cp is not batch["cp"]:
            close_batch()
            batch.update(cp=cp, leaves=[], first_seq=seq, hole=False)
        batch["hole"] = batch["hole"] or hole
        batch["leaves"].append(event_leaf(e["hash"]))
        batch["head"] = e["hash"]
        prev_hash, prev_pos, prev_seq = e["hash"], pos, seq
        if len(findings) > MAX_FINDINGS:
            break
    close_batch()
    trusted_or_start = trusted or ([start] if start is not None else [])
    if rewritten:
        first_cp, first_seq = rewritten[0]
        numbers = f"{first_cp.number}" if len(rewritten) == 1 else f"{first_cp.number}–{rewritten[-1][0].number}"
        findings.append(Finding("rewritten", first_seq,
                                f"Händelserna från och med #{first_seq} (plats {first_cp.first_position} och framåt) "
                                f"stämmer inte med de signerade kontrollpunkterna {numbers}: loggen har skrivits om "
                                "(kontrollsummorna har räknats om)."))
    if trusted_or_start:
        last_cp = trusted_or_start[-1]
        if checked == 0 and start is None:
            findings.append(Finding("truncated", last_cp.last_seq,
                                    f"Granskningstabellen är tömd: kontrollpunkt {last_cp.number} intygar "
                                    f"{last_cp.last_position} händelser (till och med #{last_cp.last_seq}), "
                                    "databasen har inga."))
        elif prev_pos < last_cp.last_position:
            findings.append(Finding("truncated", last_cp.last_seq,
                                    f"Loggen har kortats: kontrollpunkt {last_cp.number} intygar händelser till och med "
                                    f"#{last_cp.last_seq} (plats {last_cp.last_position}), men databasen slutar vid "
                                    f"#{prev_seq} (plats {prev_pos})."))
        elif prev_pos > last_cp.last_position:
            findings.append(Finding("checkpoint_missing", prev_seq,
                                    f"Förseglade händelser efter plats {last_cp.last_position} (till och med "
                                    f"#{prev_seq}) saknar kontrollpunkt."))
    elif checked and db_cps is not None:
        findings.append(Finding("checkpoint_missing", prev_seq,
                                f"Det finns {checked} förseglade händelser men ingen giltig kontrollpunkt utanför "
                                "databasen."))
    findings.sort(key=lambda f: (f.seq is None, f.seq or 0))
    if start is not None:
        return _report(findings, checked + start.last_position, len(trusted) + start.number, unsealed)
    return _report(findings, checked, len(trusted), unsealed)
