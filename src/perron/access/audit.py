"""The tamper-evident audit trail: a hash chain of every write and every read of detail data.

Each entry carries a strictly increasing ``seq``, the hash of the entry before it
(``prev_hash``; the first entry follows :data:`GENESIS`) and its own ``hash``: SHA-256 over the
canonical JSON of the entry (see :func:`entry_hash`). Anyone with read access to the table can
recompute the chain with :func:`verify`: an altered entry no longer matches its hash, a removed
entry leaves a gap in ``seq`` or a ``prev_hash`` that points nowhere, and moving entries around
breaks both. Removing entries at the *end* leaves a shorter but valid chain; an exported
:func:`anchor` (the head's seq and hash at some moment) detects that truncation later.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session

from perron.store.dialect import append_lock, is_postgresql, stream_rows, utc_text_sql
from perron.store.tables.access import AuditEntry

GENESIS = "0" * 64
PURPOSES = ("operational", "analysis", "accountability", "administration")
_LOCK_KEY = 0x5045_5252_4F4E  # "PERRON": the advisory lock that serialises appenders


class AuditError(ValueError):
    """An entry that cannot be recorded (unknown purpose, empty actor, ...)."""


class AuditForbidden(PermissionError):
    """The user may not do this with the audit trail; the message says who may."""


def canonical_detail(detail: dict[str, Any] | None) -> str:
    """The canonical JSON text of ``detail``: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def format_time(at: datetime) -> str:
    """The timestamp as hashed: UTC, microseconds, ``Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    seq: int,
    at: str,
    actor: str,
    party: str,
    purpose: str,
    action: str,
    subject: str,
    detail: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) over the canonical JSON array of the entry's fields and ``prev_hash``:
    ``[seq, at, actor, party, purpose, action, subject, detail, prev_hash]`` without spaces,
    UTF-8, ``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` and ``detail`` as canonical JSON text."""
    payload = _ENCODER.encode([seq, at, actor, party, purpose, action, subject, detail, prev_hash])
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock(session: Session) -> None:
    """Serialise appenders until the transaction ends, before the head is read (on PostgreSQL
    an advisory lock; on SQLite the write lock), so that concurrent audited requests queue
    instead of reading the same head."""
    append_lock(session, _LOCK_KEY, AuditEntry.__table__)


@event.listens_for(Session, "after_soft_rollback")
def _forget_head_on_rollback(session: Session, _previous: object) -> None:
    # a rolled-back savepoint or transaction may have taken appended entries with it
    session.info.pop("audit_head", None)


@event.listens_for(Session, "after_commit")
def _forget_head_on_commit(session: Session) -> None:
    session.info.pop("audit_head", None)


def _head(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def record(
    session: Session,
    *,
    actor: str,
    party: str,
    purpose: str,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append an entry to the chain inside the caller's transaction.

    ``purpose`` is one of :data:`PURPOSES` (``administration`` for imports, purges and other
    maintenance). Never put identifiers of persons in ``subject`` or ``detail``.
    """
    if purpose not in PURPOSES:
        raise AuditError(f"unknown purpose {purpose!r}; choose one of {', '.join(PURPOSES)}")
    if not actor or not action:
        raise AuditError("an audit entry needs an actor and an action")
    transaction = session.get_transaction()
    cached = session.info.get("audit_head")
    if cached is not None and cached[0] is transaction:
        prev_seq, prev_hash = cached[1], cached[2]
    else:
        _lock(session)
        prev_seq, prev_hash = _head(session)
    at = at or datetime.now(UTC)
    seq = prev_seq + 1
    detail_text = canonical_detail(detail)
    subject = subject[:200]
    digest = entry_hash(
        seq, format_time(at), actor, party, purpose, action, subject, detail_text, prev_hash
    )
    session.execute(
        insert(AuditEntry).values(
            seq=seq,
            at=at,
            actor=actor,
            party=party,
            purpose=purpose,
            action=action,
            subject=subject,
            detail=detail_text,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    # we hold the chain until this transaction ends: remember the head for the next append
    session.info["audit_head"] = (transaction, seq, digest)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.at,
    AuditEntry.actor,
    AuditEntry.party,
    AuditEntry.purpose,
    AuditEntry.action,
    AuditEntry.subject,
    AuditEntry.detail,
    AuditEntry.prev_hash,
    AuditEntry.hash,
)


def _at_text(session: Session) -> str:
    """SQL that renders ``at`` exactly as :func:`format_time` does."""
    return utc_text_sql(session, "at")


def _stream(
    session: Session, sql: str, name: str, batch: int = 20_000
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``sql`` as plain tuples from the driver, streamed (see
    :func:`perron.store.dialect.stream_rows`)."""
    return stream_rows(session, sql, name, batch)


def _between(lo: int | None, hi: int | None) -> str:
    if lo is None or hi is None:
        return ""
    return f" WHERE seq >= {int(lo)} AND seq <= {int(hi)}"


def _rows_between(
    session: Session, lo: int | None = None, hi: int | None = None, batch: int = 20_000
) -> Iterator[tuple[Any, ...]]:
    """Entries (seq, at as formatted by :func:`format_time`, actor, party, purpose, action,
    subject, detail, prev_hash, hash) in seq order, all of them or ``lo``..``hi``."""
    sql = (
        f"SELECT seq, {_at_text(session)}, actor, party, purpose, action, subject, detail, "
        f"prev_hash, hash FROM audit_entry{_between(lo, hi)} ORDER BY seq"
    )
    return _stream(session, sql, f"perron_audit_rows_{lo}", batch)


def _rows(session: Session, batch: int = 20_000) -> Iterator[tuple[Any, ...]]:
    """Every entry in seq order (see :func:`_rows_between`)."""
    return _rows_between(session, batch=batch)


#: The fields of an entry in the order they are hashed (``at`` rendered as by format_time).
_HASHED = ("actor", "party", "purpose", "action", "subject", "detail", "prev_hash")


def _checked_rows(
    session: Session, lo: int | None = None, hi: int | None = None, batch: int = 20_000
) -> Iterator[tuple[int, bool, str, str]]:
    """(seq, hash matches, prev_hash, hash) per entry in seq order, the canonical JSON payload
    of :func:`entry_hash` built without a Python object per field.

    Whatever the database renders, only :func:`entry_hash` itself says "no": an entry whose
    fast rendering does not match is recomputed by it."""
    if is_postgresql(session):
        return _checked_copy(session, lo, hi)
    return _checked_sqlite(session, lo, hi, batch)


def _checked_sqlite(
    session: Session, lo: int | None, hi: int | None, batch: int
) -> Iterator[tuple[int, bool, str, str]]:
    # json_array escapes text exactly as Python's json with ensure_ascii=False; typing is per
    # value in SQLite, so entries with anything but text are left to entry_hash
    typed = " AND ".join(f"typeof({c}) = 'text'" for c in ("at", *_HASHED))
    payload = f"json_array(seq, {_at_text(session)}, {', '.join(_HASHED)})"
    sql = (
        f"SELECT seq, CASE WHEN {typed} THEN {payload} END, prev_hash, hash "
        f"FROM audit_entry{_between(lo, hi)} ORDER BY seq"
    )
    sha = hashlib.sha256
    for seq, text_, prev_hash, digest in _stream(session, sql, "", batch):
        if text_ is not None and sha(text_.encode()).hexdigest() == digest:
            yield seq, True, prev_hash, digest
        else:
            yield seq, _matches(session, seq), prev_hash, digest


#: In COPY's text format a backslash starts an escape (``\\``, ``\t``, ``\n``, ``\N`` for
#: NULL, ...); other control characters are sent as they are. Tabs and newlines in values are
#: always escaped, so unescaped ones separate columns and rows. A line with any of these bytes
#: is decoded value by value.
_COPY_SPECIAL = bytes(range(9)) + bytes(range(11, 32)) + b"\\"
_COPY_ESCAPE = re.compile(rb"\\(.)", re.S)
_COPY_CHARS = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _copy_field(raw: bytes) -> str | None:
    if raw == b"\\N":
        return None
    return _COPY_ESCAPE.sub(lambda m: _COPY_CHARS.get(m[1], m[1]), raw).decode()


def _checked_copy(
    session: Session, lo: int | None, hi: int | None
) -> Iterator[tuple[int, bool, str, str]]:
    """PostgreSQL: the entries through ``COPY ... TO STDOUT`` (one line per entry, no per-value
    conversion). A line without backslashes or control characters holds values that JSON
    escapes only at double quotes, so the payload is the line itself, quotes escaped, tabs
    turned into ``","``; any other line is decoded value by value and hashed by
    :func:`entry_hash`."""
    sql = (
        f"COPY (SELECT seq, {_at_text(session)}, {', '.join(_HASHED)}, hash "
        f"FROM audit_entry{_between(lo, hi)} ORDER BY seq) TO STDOUT"
    )
    sha = hashlib.sha256
    raw: Any = session.connection().connection.driver_connection
    cursor = raw.cursor()
    try:
        with cursor.copy(sql) as copy:
            for data in copy:
                line = bytes(data[:-1])  # without the newline
                if len(line.translate(None, _COPY_SPECIAL)) == len(line):
                    head, prev_hash, digest = line.rsplit(b"\t", 2)
                    seq, fields = head.split(b"\t", 1)
                    payload = (
                        b"["
                        + seq
                        + b',"'
                        + fields.replace(b'"', b'\\"').replace(b"\t", b'","')
                        + b'","'
                        + prev_hash
                        + b'"]'
                    )
                    text_digest = digest.decode()
                    if sha(payload).hexdigest() == text_digest:
                        yield int(seq), True, prev_hash.decode(), text_digest
                        continue
                # decoded value by value and hashed by entry_hash itself
                values = [_copy_field(v) for v in line.split(b"\t")]
                present = [v for v in values if v is not None]
                key = int(present[0])  # seq is the primary key: never NULL
                ok = len(present) == len(values) and entry_hash(key, *present[1:9]) == present[9]
                yield key, ok, values[8] or "", values[9] or ""
    finally:
        cursor.close()


def _matches(session: Session, seq: int) -> bool:
    """Whether entry ``seq`` matches its hash, computed by :func:`entry_hash` itself."""
    for row in _rows_between(session, seq, seq):
        return bool(entry_hash(*row[:9]) == row[9])
    return False


def _hashed(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, bool, str, str]]:
    sha = hashlib.sha256
    encode = _ENCODER.encode
    for row in rows:
        yield row[0], sha(encode(row[:9]).encode()).hexdigest() == row[9], row[8], row[9]


def check_chain(
    rows: Iterable[tuple[Any, ...]], anchor: dict[str, Any] | None = None
) -> VerifyResult:
    """Check a stream of entries (seq, at as formatted by :func:`format_time`, actor, party,
    purpose, action, subject, detail, prev_hash, hash) in seq order; optionally against an
    anchor {seq, hash}."""
    return _walk(_hashed(rows), anchor)


def _walk(
    rows: Iterable[tuple[int, bool, str, str]], anchor: dict[str, Any] | None
) -> VerifyResult:
    """The chain check over (seq, hash matches, prev_hash, hash) in seq order."""
    expected_seq = 1
    prev = GENESIS
    checked = 0
    anchor_seq = int(anchor["seq"]) if anchor else None
    anchor_seen = anchor_seq is None or anchor_seq == 0
    for seq, ok, prev_hash, digest in rows:
        if seq != expected_seq:
            if seq < expected_seq:
                reason = f"entry {seq} is out of order (expected {expected_seq})"
                return VerifyResult(
                    False, checked, seq, f"reordered: {reason}", expected_seq - 1, prev
                )
            missing = (
                f"entry {expected_seq}"
                if seq == expected_seq + 1
                else f"entries {expected_seq}–{seq - 1}"
            )
            return VerifyResult(
                False,
                checked,
                expected_seq,
                f"removed: {missing} missing before entry {seq}",
                expected_seq - 1,
                prev,
            )
        if not ok:
            return VerifyResult(
                False,
                checked,
                seq,
                f"altered: entry {seq} does not match its hash",
                seq - 1,
                prev,
            )
        if prev_hash != prev:
            return VerifyResult(
                False,
                checked,
                seq,
                f"reordered or removed: entry {seq} does not follow entry {seq - 1} "
                "(its prev_hash differs from the hash of the entry before it)",
                seq - 1,
                prev,
            )
        if anchor is not None and seq == anchor_seq:
            if digest != anchor["hash"]:
                return VerifyResult(
                    False,
                    checked,
                    seq,
                    f"altered: entry {seq} differs from the anchored hash",
                    seq - 1,
                    prev,
                )
            anchor_seen = True
        prev = digest
        checked += 1
        expected_seq += 1
    head_seq = expected_seq - 1
    if not anchor_seen:
        return VerifyResult(
            False,
            checked,
            head_seq + 1,
            f"truncated: the chain ends at entry {head_seq} but the anchor records entry "
            f"{anchor_seq}",
            head_seq,
            prev,
        )
    return VerifyResult(True, checked, None, None, head_seq, prev)


#: Chains shorter than this are verified in one process even when workers are offered.
PARALLEL_FROM = 250_000


def check_slice(rows: Iterable[tuple[Any, ...]], lo: int, hi: int) -> dict[str, Any]:
    """Check entries ``lo``..``hi`` (as :func:`check_chain` takes them) on their own: every
    hash, every link inside the slice, no gaps. The link of entry ``lo`` to the entry before it
    is left to the caller."""
    return _walk_slice(_hashed(rows), lo, hi)


def _walk_slice(rows: Iterable[tuple[int, bool, str, str]], lo: int, hi: int) -> dict[str, Any]:
    expected = lo
    prev = None
    first_prev = None
    checked = 0
    for seq, ok, prev_hash, digest in rows:
        if seq != expected:
            missing = (
                f"entry {expected}" if seq == expected + 1 else f"entries {expected}–{seq - 1}"
            )
            return {
                "bad": expected,
                "reason": f"removed: {missing} missing before entry {seq}",
                "checked": checked,
                "first_prev": first_prev,
                "last": prev,
            }
        if not ok:
            return {
                "bad": seq,
                "reason": f"altered: entry {seq} does not match its hash",
                "checked": checked,
                "first_prev": first_prev,
                "last": prev,
            }
        if prev is None:
            first_prev = prev_hash
        elif prev_hash != prev:
            return {
                "bad": seq,
                "reason": f"reordered or removed: entry {seq} does not follow entry {seq - 1} "
                "(its prev_hash differs from the hash of the entry before it)",
                "checked": checked,
                "first_prev": first_prev,
                "last": prev,
            }
        prev = digest
        checked += 1
        expected += 1
    if expected <= hi:
        return {
            "bad": expected,
            "reason": f"removed: entries from {expected} on are missing",
            "checked": checked,
            "first_prev": first_prev,
            "last": prev,
        }
    return {"bad": None, "reason": None, "checked": checked, "first_prev": first_prev, "last": prev}


def _slice_worker(url: str, lo: int, hi: int) -> dict[str, Any]:
    from perron.store.db import make_engine

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return _walk_slice(_checked_rows(session, lo, hi), lo, hi)
    finally:
        engine.dispose()


def _verify_parallel(session: Session, head: int, workers: int) -> VerifyResult:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    step = -(-head // workers)
    bounds = [(lo, min(head, lo + step - 1)) for lo in range(1, head + 1, step)]
    with ProcessPoolExecutor(len(bounds), mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_slice_worker, [url] * len(bounds), *zip(*bounds, strict=True)))
    checked = 0
    prev = GENESIS
    for (lo, _hi), r in zip(bounds, results, strict=True):
        if (
            r["first_prev"] is not None
            and r["first_prev"] != prev
            and (r["bad"] is None or r["bad"] > lo)
        ):
            return VerifyResult(
                False,
                checked,
                lo,
                f"reordered or removed: entry {lo} does not follow entry {lo - 1} "
                "(its prev_hash differs from the hash of the entry before it)",
                lo - 1,
                prev,
            )
        if r["bad"] is not None:
            return VerifyResult(
                False,
                checked + r["checked"],
                r["bad"],
                r["reason"],
                r["bad"] - 1,
                r["last"] or prev,
            )
        checked += r["checked"]
        prev = r["last"]
    return VerifyResult(True, checked, None, None, head, prev)


def verify(
    session: Session, anchor: dict[str, Any] | None = None, workers: int = 1
) -> VerifyResult:
    """Recompute the whole chain; report the first entry that was altered, removed or reordered,
    and with an ``anchor`` (from :func:`anchor`) also a chain truncated or rewritten since.

    One process streams the chain (a million entries take a few seconds of CPU); with
    ``workers`` > 1 a chain of at least :data:`PARALLEL_FROM` entries is checked in slices by
    that many processes, which pays off only on idle cores: each process starts its own
    interpreter."""
    head = session.scalar(select(func.max(AuditEntry.seq))) or 0
    if (
        head < PARALLEL_FROM
        or workers < 2
        or session.get_bind().engine.url.database in (None, "", ":memory:")
    ):
        return _walk(_checked_rows(session), anchor)
    # the slices are read by other processes: they see what is committed
    result = _verify_parallel(session, head, workers)
    if not result.ok or anchor is None:
        return result
    anchor_seq = int(anchor["seq"])
    if anchor_seq > result.head_seq:
        return VerifyResult(
            False,
            result.checked,
            result.head_seq + 1,
            f"truncated: the chain ends at entry {result.head_seq} but the anchor records entry "
            f"{anchor_seq}",
            result.head_seq,
            result.head_hash,
        )
    if anchor_seq > 0:
        found = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == anchor_seq))
        if found != anchor["hash"]:
            return VerifyResult(
                False,
                anchor_seq - 1,
                anchor_seq,
                f"altered: entry {anchor_seq} differs from the anchored hash",
                anchor_seq - 1,
                "",
            )
    return result


def may_verify(session: Session, principal: Any) -> bool:
    """Admins of any party and every user of the inspectorate (ILT) may recompute the chain."""
    from perron.domain.parties import PartyKind, Role
    from perron.store.tables.accounts import Party

    if principal.role is Role.ADMIN:
        return True
    party = session.get(Party, principal.party_code)
    return party is not None and party.kind == PartyKind.INSPECTORATE.value


def verify_as(
    session: Session, principal: Any, anchor: dict[str, Any] | None = None, workers: int = 1
) -> VerifyResult:
    """:func:`verify` on behalf of ``principal`` (a :class:`perron.access.accounts.Principal`):
    a full recomputation reads every entry, so it is open to admins and the inspectorate only
    (:class:`AuditForbidden` otherwise), and each run is itself recorded (``audit.verify``)."""
    if not may_verify(session, principal):
        raise AuditForbidden(
            "verifying the audit trail is open to admins and to the inspectorate (ILT)"
        )
    result = verify(session, anchor=anchor, workers=workers)
    record(
        session,
        actor=principal.username,
        party=principal.party_code,
        purpose="accountability",
        action="audit.verify",
        subject=f"audit/1-{result.head_seq}",
        detail={"ok": result.ok, "checked": result.checked},
    )
    return result


def anchor(session: Session) -> dict[str, Any]:
    """The current head (seq, hash, time) to keep outside the database."""
    seq, digest = _head(session)
    return {
        "seq": seq,
        "hash": digest,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "entries": session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    }


def entries(
    session: Session,
    *,
    since_seq: int = 0,
    limit: int = 100,
    party: str | None = None,
    action: str | None = None,
) -> list[dict[str, Any]]:
    """Entries after ``since_seq`` (oldest first), for display."""
    query = select(*_COLUMNS).where(AuditEntry.seq > since_seq)
    if party:
        query = query.where(AuditEntry.party == party)
    if action:
        query = query.where(AuditEntry.action == action)
    rows = session.execute(query.order_by(AuditEntry.seq).limit(limit)).all()
    keys = (
        "seq",
        "at",
        "actor",
        "party",
        "purpose",
        "action",
        "subject",
        "detail",
        "prev_hash",
        "hash",
    )
    out = []
    for row in rows:
        item = dict(zip(keys, row, strict=True))
        item["at"] = row[1].isoformat()
        item["detail"] = json.loads(row[7])
        out.append(item)
    return out
