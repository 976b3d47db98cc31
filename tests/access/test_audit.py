from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from perron.access import audit
from perron.store.db import make_engine
from perron.store.tables.access import AuditEntry


def _fill(session, n=6):
    for i in range(n):
        audit.record(
            session,
            actor=f"user{i % 2}",
            party="ns",
            purpose="analysis",
            action="incident.read",
            subject=f"incident/{i}",
            detail={"fields": ["category", "station"], "n": i},
        )
    session.commit()


def test_an_intact_chain_verifies(session):
    _fill(session)
    result = audit.verify(session)
    assert result.ok and result.checked == 6 and result.first_bad_seq is None
    seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
    assert seqs == [1, 2, 3, 4, 5, 6]
    first = session.get(AuditEntry, 1)
    assert first.prev_hash == audit.GENESIS
    assert session.get(AuditEntry, 2).prev_hash == first.hash


def test_entries_appended_in_separate_transactions_continue_the_chain(session):
    _fill(session, 2)
    audit.record(session, actor="a", party="ilt", purpose="accountability", action="x", subject="y")
    session.commit()
    assert audit.verify(session).checked == 3


def test_a_rolled_back_savepoint_leaves_no_gap(session):
    _fill(session, 2)
    nested = session.begin_nested()
    audit.record(session, actor="a", party="ns", purpose="analysis", action="x", subject="1")
    nested.rollback()
    audit.record(session, actor="a", party="ns", purpose="analysis", action="x", subject="2")
    session.commit()
    result = audit.verify(session)
    assert result.ok and result.checked == 3


def test_unknown_purpose_is_refused(session):
    with pytest.raises(audit.AuditError, match="unknown purpose"):
        audit.record(session, actor="a", party="ns", purpose="curiosity", action="x", subject="")


def test_an_altered_entry_is_named(session):
    _fill(session)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(actor="someone-else"))
    session.commit()
    result = audit.verify(session)
    assert not result.ok
    assert result.first_bad_seq == 4 and result.reason.startswith("altered")
    assert result.checked == 3


def test_an_altered_detail_or_time_is_detected(session):
    _fill(session)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(detail='{"n":99}'))
    session.commit()
    assert audit.verify(session).first_bad_seq == 2
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.seq == 2)
        .values(detail='{"fields":["category","station"],"n":1}')
    )
    session.execute(
        update(AuditEntry).where(AuditEntry.seq == 5).values(at=datetime(2020, 1, 1, tzinfo=UTC))
    )
    session.commit()
    result = audit.verify(session)
    assert result.first_bad_seq == 5 and "altered" in result.reason


def test_a_removed_entry_is_named(session):
    _fill(session)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    session.commit()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_seq == 3 and result.reason.startswith("removed")


def test_removing_the_first_entry_is_detected(session):
    _fill(session)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 1))
    session.commit()
    result = audit.verify(session)
    assert result.first_bad_seq == 1 and "removed" in result.reason


def test_a_removed_entry_with_renumbered_successors_is_detected(session):
    """Deleting entry 3 and moving every later entry one place down hides the gap in seq, but
    not the broken link (nor the hashes, which cover seq)."""
    _fill(session)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    for seq in (4, 5, 6):
        session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq - 1))
    session.commit()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_seq == 3


def test_reordered_entries_are_detected(session):
    _fill(session)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=1000))
    session.execute(update(AuditEntry).where(AuditEntry.seq == 5).values(seq=2))
    session.execute(update(AuditEntry).where(AuditEntry.seq == 1000).values(seq=5))
    session.commit()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_seq == 2


def test_a_reordered_chain_with_recomputed_hashes_still_breaks_the_links(session):
    """An attacker swaps two entries and recomputes their own hashes: the links still break."""
    _fill(session)
    rows = {r.seq: r for r in session.scalars(select(AuditEntry)).all()}
    a, b = rows[2], rows[3]
    swapped = [(2, b), (3, a)]
    values = []
    for seq, r in swapped:
        digest = audit.entry_hash(
            seq,
            audit.format_time(r.at),
            r.actor,
            r.party,
            r.purpose,
            r.action,
            r.subject,
            r.detail,
            r.prev_hash,
        )
        values.append((seq, r.actor, r.subject, r.detail, r.prev_hash, digest, r.at))
    session.expunge_all()
    for seq, actor, subject, detail, prev_hash, digest, at in values:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.seq == seq)
            .values(
                actor=actor, subject=subject, detail=detail, prev_hash=prev_hash, hash=digest, at=at
            )
        )
    session.commit()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_seq == 2 and "does not follow" in result.reason


def test_truncation_is_detected_only_with_an_anchor(session):
    _fill(session)
    mark = audit.anchor(session)
    assert mark["seq"] == 6
    session.execute(delete(AuditEntry).where(AuditEntry.seq >= 5))
    session.commit()
    assert audit.verify(session).ok  # a shorter chain is consistent in itself ...
    result = audit.verify(session, anchor=mark)
    assert not result.ok and result.first_bad_seq == 5 and "truncated" in result.reason


def test_a_rewritten_chain_is_caught_by_the_anchor(session):
    _fill(session)
    mark = audit.anchor(session)
    # rewrite entry 6 consistently (content and hash) as if the whole tail had been recomputed
    row = session.get(AuditEntry, 6)
    digest = audit.entry_hash(
        6,
        audit.format_time(row.at),
        "forger",
        row.party,
        row.purpose,
        row.action,
        row.subject,
        row.detail,
        row.prev_hash,
    )
    session.execute(
        update(AuditEntry).where(AuditEntry.seq == 6).values(actor="forger", hash=digest)
    )
    session.commit()
    assert audit.verify(session).ok
    result = audit.verify(session, anchor=mark)
    assert not result.ok and result.first_bad_seq == 6


def test_an_anchor_after_further_appends_still_verifies(session):
    _fill(session, 3)
    mark = audit.anchor(session)
    _fill(session, 3)
    assert audit.verify(session, anchor=mark).ok


def test_an_empty_chain_verifies(session):
    result = audit.verify(session)
    assert result.ok and result.checked == 0


def test_slices_report_gaps_alterations_and_broken_links(session):
    _fill(session, 9)
    rows = list(audit._rows(session))
    ok = audit.check_slice(rows[5:], 6, 9)
    assert ok["bad"] is None and ok["checked"] == 4 and ok["first_prev"] == rows[4][-1]
    gap = audit.check_slice(rows[5:6] + rows[7:], 6, 9)
    assert gap["bad"] == 7 and gap["reason"].startswith("removed")
    tail = audit.check_slice(rows[5:8], 6, 9)
    assert tail["bad"] == 9 and tail["reason"].startswith("removed")
    altered = [*rows[5:7], (*rows[7][:2], "forger", *rows[7][3:]), rows[8]]
    assert audit.check_slice(altered, 6, 9)["bad"] == 8


def test_parallel_verification_checks_every_slice_and_the_links_between(sqlite_url, monkeypatch):
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        _fill(session, 9)
        monkeypatch.setattr(audit, "PARALLEL_FROM", 1)
        intact = audit.verify(session, workers=2)
        assert intact.ok and intact.checked == 9
        assert intact.head_hash == audit.check_chain(audit._rows(session)).head_hash
        # entry 6 opens the second slice (9 entries, 2 workers): point it elsewhere, rehashed
        row = session.get(AuditEntry, 6)
        forged_prev = "f" * 64
        digest = audit.entry_hash(
            6,
            audit.format_time(row.at),
            row.actor,
            row.party,
            row.purpose,
            row.action,
            row.subject,
            row.detail,
            forged_prev,
        )
        session.execute(
            update(AuditEntry).where(AuditEntry.seq == 6).values(prev_hash=forged_prev, hash=digest)
        )
        session.commit()
        result = audit.verify(session, workers=2)
        assert not result.ok and result.first_bad_seq == 6 and "does not follow" in result.reason
    engine.dispose()


NASTY = [
    'quote " and \\ backslash',
    "tab\tnewline\nreturn\rbell\x07 escape\x1b nul-free",
    "é ü € \u2028 😀 / slash",
    "\\N",
    "",
]


def test_entries_with_quotes_escapes_and_control_characters_verify(session):
    for i, text in enumerate(NASTY):
        audit.record(
            session,
            actor=f"user {text}"[:80],
            party="ns",
            purpose="analysis",
            action="incident.read",
            subject=text,
            detail={"note": text, "i": i},
        )
    _fill(session, 2)
    result = audit.verify(session)
    assert result.ok and result.checked == len(NASTY) + 2
    session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(subject=NASTY[1] + " "))
    session.commit()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_seq == 2 and result.reason.startswith("altered")


def test_the_fast_rendering_agrees_with_entry_hash(session):
    """The payload built by the database (or from COPY lines) matches entry_hash for ordinary
    entries, so verify does not fall back to it; a wrong hash is still caught."""
    _fill(session, 4)
    rows = list(audit._checked_rows(session))
    assert [(seq, ok) for seq, ok, _p, _h in rows] == [(1, True), (2, True), (3, True), (4, True)]
    session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(hash="0" * 64))
    session.commit()
    assert [ok for _s, ok, _p, _h in audit._checked_rows(session)] == [True, True, False, True]
