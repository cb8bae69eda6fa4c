"""Contacts into the store: match each against what is known, then add, merge or ask.

Every incoming contact (a card, a CRM row, a roster line) is first stored as a contact of
its own, then handled by the matcher's decision on its best candidate:

- ``NEW``: it stays a contact of its own.
- ``SAME``: it is merged into the stored contact (:meth:`Store.merge`: no value lost, the
  old job kept as history), and the merge is in the audit log, undoable.
- ``REVIEW``: it stays apart, and the pair waits in the review queue (``cardscan review``).

Storing first and merging second makes every merge the same operation, whoever asked for
it, and lets ``cardscan undo`` give back the incoming contact exactly as it came. Blocking
happens in SQL (``Store.candidate_rows``: one statement finds a card's candidates through
the ``match_keys`` index and reads them), so a card is compared with a handful of contacts,
never with the whole store: 10,000 cards against a million stored contacts took 73 s on
SQLite on a busy 2-core machine (``scripts/matchbench.py --store``, README "Matching at
scale").
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cardscan.book.importers import ImportResult, RowProblem, read_contacts
from cardscan.book.match import (
    Decision,
    MatchScore,
    Profile,
    blocking_keys,
    compare,
    decide,
    make_profile,
    profile_of,
    same_employer,
    same_title,
)
from cardscan.book.names import settle_name_order
from cardscan.book.store import MatchRow, Store, StoredContact, now_iso
from cardscan.models import CardResult, Contact

log = logging.getLogger(__name__)

#: A name key shared by more contacts than this is not used to find candidates: a very
#: common name says little and would cost the most. Such a contact is still found by its
#: e-mail, phone, or given name with its company domain. With this cap an incoming contact
#: is compared with a few hundred stored ones at most, however many share its name
#: (``scripts/importbench.py``).
MAX_BLOCK = 100
#: A stored contact holding this many e-mail addresses or phone numbers is merged into only
#: by a person (the pair goes to review): no one person has so many, so the matcher has been
#: chaining different people together (rows "Big Person0", "Big Person1" … of one export),
#: and every further merge would copy the whole contact into the audit log.
CROWDED = 10
#: Blocking keys that are always used, however many contacts share them: e-mail, phone.
STRONG_KEYS = ("e:", "p:")


@dataclass(frozen=True)
class Outcome:
    """What happened to one incoming contact."""

    #: The live contact the input now belongs to.
    contact_id: int
    decision: Decision
    #: The contact created for the input (None when its card had been read before).
    created: int | None = None
    #: The stored contact it was matched with (SAME and REVIEW).
    matched: int | None = None
    score: float | None = None
    reasons: tuple[str, ...] = ()
    #: Audit id of the merge (SAME), for ``cardscan undo``.
    merge_id: int | None = None
    review_id: int | None = None
    card_id: int | None = None
    #: The card (photo content + card index) was already in the store: nothing was added.
    seen_before: bool = False


@dataclass(frozen=True)
class Tally:
    """Counts over many outcomes, for a command's summary line."""

    new: int = 0
    merged: int = 0
    review: int = 0
    seen_before: int = 0

    def add(self, outcome: Outcome) -> Tally:
        """The tally with one more outcome counted."""
        if outcome.seen_before:
            return Tally(self.new, self.merged, self.review, self.seen_before + 1)
        return Tally(
            self.new + (outcome.decision is Decision.NEW),
            self.merged + (outcome.decision is Decision.SAME),
            self.review + (outcome.decision is Decision.REVIEW),
            self.seen_before,
        )

    def describe(self) -> str:
        """``3 new, 2 merged into known contacts, 1 to review, 4 seen before``."""
        parts = [f"{self.new} new", f"{self.merged} merged into known contacts"]
        if self.review:
            parts.append(f"{self.review} to review (cardscan review)")
        if self.seen_before:
            parts.append(f"{self.seen_before} already in the store")
        return ", ".join(parts)


def keys_of(contact: StoredContact) -> frozenset[str]:
    """The blocking keys of a stored contact."""
    return blocking_keys(profile_of(contact.to_contact()))


def row_profile(row: MatchRow) -> Profile:
    """The matcher's view of a stored contact, from its lean row."""
    return make_profile(
        name=row.name,
        given_name=row.given_name,
        family_name=row.family_name,
        company=row.company,
        title=row.title,
        emails=[v for kind, v, _t in row.values if kind == "email"],
        # A number that did not validate is stored by its digits, not in E.164.
        phones=[(v, t or "") for kind, v, t in row.values if kind == "phone" and v[:1] == "+"],
        websites=[v for kind, v, _t in row.values if kind == "website"],
    )


class Ingester:
    """Matches and stores contacts, remembering the profiles it has loaded.

    One ingester serves one command; its profile cache follows the merges it makes. Use
    :meth:`forget` after changing the store some other way (an undo).
    """

    def __init__(self, store: Store, *, max_block: int = MAX_BLOCK) -> None:
        self.store = store
        self.max_block = max_block
        self._profiles: dict[int, Profile] = {}
        self._others_mark: int | None = None
        #: The most stored contacts one incoming contact was compared with (blocking must
        #: keep this small however many contacts share a name).
        self.most_compared = 0
        #: Inside a write this ingester makes whole (a photo, a batch): see :meth:`_part`.
        self._whole = False

    def forget(self) -> None:
        """Drop cached profiles (after an undo or a failed transaction)."""
        self._profiles.clear()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A store transaction that also keeps the profile cache true.

        When it fails, the cache is dropped: it may hold contacts the rollback took away,
        whose ids SQLite hands out again. When another process wrote to the store since
        this one's last transaction (a second desk, a parallel scan), the cache is dropped
        too: a contact it holds may have gained values or been merged away.
        """
        outermost = not self.store.in_transaction
        try:
            with self.store.transaction():
                if outermost:
                    mark = self.store.others_mark()
                    if mark is None or mark != self._others_mark:
                        self.forget()
                    self._others_mark = mark
                yield
        except BaseException:
            self.forget()
            raise

    @contextmanager
    def _whole_write(self) -> Iterator[None]:
        """One transaction for a photo or a batch, whose steps join it without savepoints."""
        with self.transaction():
            outer, self._whole = self._whole, True
            try:
                yield
            finally:
                self._whole = outer

    @contextmanager
    def _part(self) -> Iterator[None]:
        """A step (:meth:`add`, :meth:`add_card`, :meth:`merge`) of a write.

        Called alone or from a caller's transaction, the step is a transaction (or a
        savepoint) of its own, so a caller that handles its failure keeps the rest. Inside
        :meth:`add_photo` or :meth:`add_many`, which let no failure of a step through
        without undoing the whole photo or batch, it joins the transaction as it is: a
        savepoint and its release are two round trips per step to a PostgreSQL server.
        """
        if self._whole and self.store.in_transaction:
            yield
        else:
            with self.transaction():
                yield

    def _profiles_of(self, ids: Iterable[int]) -> dict[int, Profile]:
        wanted = set(ids)
        # Not ``wanted - keys()``: that copies the whole cache into a set on every call.
        missing = [i for i in wanted if i not in self._profiles]
        for row in self.store.match_rows(missing):
            self._profiles[row.id] = row_profile(row)
        return {i: self._profiles[i] for i in wanted if i in self._profiles}

    def scored(self, contact: Contact) -> list[tuple[int, MatchScore]]:
        """Stored contacts that blocking finds for ``contact``, with scores, best first."""
        profile = profile_of(contact)
        return self._scored(profile, blocking_keys(profile))

    def _scored(self, profile: Profile, keys: frozenset[str]) -> list[tuple[int, MatchScore]]:
        # One statement finds the candidates and reads them; a cached profile (a contact
        # this command stored or read before) is not built again.
        profiles: dict[int, Profile] = {}
        for row in self.store.candidate_rows(keys, max_block=self.max_block, always=STRONG_KEYS):
            cached = self._profiles.get(row.id)
            if cached is None:
                cached = self._profiles[row.id] = row_profile(row)
            profiles[row.id] = cached
        self.most_compared = max(self.most_compared, len(profiles))
        pairs = [(i, compare(profile, p)) for i, p in profiles.items()]
        pairs.sort(key=lambda pair: (-pair[1].score, pair[0]))
        return pairs

    def add(
        self,
        contact: Contact,
        source: str,
        *,
        seen_at: str | None = None,
        prefer: Iterable[int] = (),
        attach: Callable[[int], object] | None = None,
    ) -> Outcome:
        """Store ``contact``, merging it into its match or queueing the pair for review.

        ``prefer``: contacts to choose over a better-scoring other when they match at least
        as "review" (check-in prefers the event's roster). ``attach`` is called with the
        new contact's id before it is merged, to give it what came with it (an event link,
        a note, tags): the merge then carries those along, and undoing the merge gives
        them back to the contact they came with.
        """
        contact = settle_name_order(contact)
        profile = profile_of(contact)
        keys = blocking_keys(profile)
        preferred = set(prefer)
        # Matched inside the write transaction, which holds the store's write lock: another
        # process (a second desk, a parallel scan) cannot add the same person between the
        # match and the insert.
        with self._part():
            scored = self._scored(profile, keys)
            best: tuple[int, MatchScore] | None = None
            for ident, score in scored:
                if ident in preferred and decide(score) is not Decision.NEW:
                    best = (ident, score)
                    break
            if best is None and scored:
                best = scored[0]
            created = self.store.add_contact(contact, source, keys, seen_at=seen_at)
            self._profiles[created] = profile
            if attach is not None:
                attach(created)
            if best is None or decide(best[1]) is Decision.NEW:
                return Outcome(created, Decision.NEW, created=created)
            matched, score = best
            decision = decide(score)
            if decision is Decision.SAME and self._crowded(matched):
                decision = Decision.REVIEW
                score = MatchScore(
                    score.score, (*score.reasons, f"contact {matched} already has many values")
                )
            if decision is Decision.REVIEW:
                review = self.store.queue_review(matched, created, score.score, score.reasons)
                return Outcome(
                    created,
                    decision,
                    created=created,
                    matched=matched,
                    score=score.score,
                    reasons=score.reasons,
                    review_id=review,
                )
            merge_id = self.merge(
                matched,
                created,
                summary=f"{source} matched contact {matched} (score {score.score:.3f}): "
                f"merged contact {created} into it",
                explicit_split=contact.name_split_explicit,
            )
            return Outcome(
                matched,
                decision,
                created=created,
                matched=matched,
                score=score.score,
                reasons=score.reasons,
                merge_id=merge_id,
            )

    def load(self, contacts: Iterable[Contact], source: str) -> list[int]:
        """Store contacts as they are, without matching, in one transaction; returns ids.

        For data already deduplicated (a store being rebuilt, a benchmark's stored side);
        everything else goes through :meth:`add`. Rows go in through the store's bulk path
        (:meth:`Store.load_contacts`): a million contacts in about four minutes, most of it
        computing their blocking keys.
        """
        with self.transaction():
            return self.store.load_contacts(
                ((c, blocking_keys(profile_of(c))) for c in contacts), source
            )

    def _crowded(self, contact_id: int) -> bool:
        """Whether a stored contact holds :data:`CROWDED` e-mail addresses or phones."""
        profile = self._profiles_of([contact_id]).get(contact_id)
        return profile is not None and max(len(profile.emails), len(profile.phones)) >= CROWDED

    def merge(
        self,
        keep: int,
        other: int,
        *,
        summary: str = "",
        review_id: int | None = None,
        explicit_split: bool = False,
    ) -> int:
        """Merge contact ``other`` into ``keep`` (see :meth:`Store.merge`); returns the audit id.

        ``explicit_split``: ``other``'s given and family name were given apart (a CRM's
        First/Last columns, a vCard's N) and replace ``keep``'s guessed split.
        """
        with self._part():
            audit_id = self.store.merge(
                keep,
                other,
                keys_of,
                same_company=same_employer,
                same_title=same_title,
                summary=summary,
                explicit_split=explicit_split,
                review_id=review_id,
            )
        self._profiles.pop(other, None)
        self._profiles.pop(keep, None)
        return audit_id

    def add_card(
        self,
        result: CardResult,
        sha256: str,
        *,
        run_id: int | None = None,
        prefer: Iterable[int] = (),
        attach: Callable[[int, int], object] | None = None,
    ) -> Outcome | None:
        """Store one card read from a photo, unless that card was stored before.

        Cards are keyed by the photo's content hash and the card's index in it, so reading
        the same photo again (a rerun, a copy under another name) adds nothing. A failed
        card gives None (:meth:`add_photo` keeps it as a failed photo).
        ``attach(contact_id, card_id)`` gives the card's contact what came with it (see
        :meth:`add`); for a card stored before, the contact it lives on in gets it.
        """
        if not result.ok:
            return None
        # Looked up under the write lock: two processes reading the same photo store it once.
        with self._part():
            seen = self.store.card_seen(sha256, result.card)
            if seen is not None and seen.contact_id is None:  # failed before, read now
                self.store.drop_failed_cards(sha256, seen.path)
                seen = None
            if seen is not None and seen.contact_id is not None:
                live = self.store.live_id(seen.contact_id)
                if attach is not None:
                    attach(live, seen.id)
                return Outcome(live, Decision.SAME, card_id=seen.id, seen_before=True)
            source = f"card {result.source}" + (f"#{result.card}" if result.card else "")
            # The card row comes first, so what is attached can refer to it.
            # Absolute, so the report finds the photo from wherever it is run.
            card_id = self.store.add_card(
                sha256,
                result.card,
                str(Path(result.source).absolute()),
                None,
                result.to_record(),
                run_id,
            )
            if result.geometry:
                self.store.set_card_geometry(card_id, result.geometry)
            outcome = self.add(
                result.contact,
                source,
                prefer=prefer,
                attach=None if attach is None else (lambda created: attach(created, card_id)),
            )
            self.store.set_card_contact(card_id, outcome.created)
        return dataclasses.replace(outcome, card_id=card_id)

    def add_photo(
        self,
        results: Sequence[CardResult],
        sha256: str,
        *,
        run_id: int | None = None,
        event_id: int | None = None,
        note: str | None = None,
        tags: Sequence[str] = (),
    ) -> list[Outcome]:
        """Store every card of one photo in one transaction, with the run's event, note, tags.

        A run killed during this call leaves none of the photo's cards in the store, and
        the photo is read into the store again on the next run.
        """

        def attach(person: int, card_id: int) -> None:
            if event_id is not None:
                self.store.link_met(event_id, person, card_id, run_id)
            if note:
                self.store.add_note(person, note, event_id, run_id)
            if tags:
                self.store.add_tags(person, tags)

        outcomes = []
        with self._whole_write():
            read = [r for r in results if r.ok]
            if read and len(read) == len(results):
                # Read whole now: a failure of this photo (or of an earlier copy of the file)
                # is over. A card that fails again keeps its row, and any dismissal of it.
                self.store.drop_failed_cards(sha256, str(Path(read[0].source).absolute()))
            for result in read:
                outcome = self.add_card(result, sha256, run_id=run_id, attach=attach)
                if outcome is not None:
                    outcomes.append(outcome)
            for result in results:
                if not result.ok:  # kept for the review queue (a person types it in)
                    self.store.record_failed_card(
                        sha256,
                        result.card,
                        str(Path(result.source).absolute()),
                        failure_record(result, event_id=event_id, note=note, tags=tags),
                        run_id,
                    )
        return outcomes

    def add_many(
        self,
        contacts: Iterable[Contact],
        source: str,
        *,
        seen_at: str | None = None,
        batch: int = 500,
    ) -> list[Outcome]:
        """Store many contacts, ``batch`` per transaction (one commit per row would be slow).

        Inside a caller's transaction the batches are part of it, all or nothing.
        """
        outcomes: list[Outcome] = []
        pending = list(contacts)
        for start in range(0, len(pending), batch):
            with self._whole_write():
                outcomes.extend(
                    self.add(c, source, seen_at=seen_at) for c in pending[start : start + batch]
                )
        return outcomes


#: Where a photo failed, from the words of its error (the reader names no stage itself).
_STAGES = (
    ("no card found", "find"),
    ("no text found", "ocr"),
    ("no name, company or contact details", "parse"),
    ("unexpected error", "bug"),
)


def failure_record(
    result: CardResult,
    *,
    event_id: int | None = None,
    note: str | None = None,
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    """What the store keeps of a photo that could not be read: its record and the failure.

    ``failure`` holds the error, its fix (the hint after " — "), the stage it failed at
    (``find``, ``ocr``, ``parse``, ``bug``, or ``open`` for a file that cannot be opened or
    decoded), and what the run would have given its contact (event, note, tags), so a
    person typing the card in gets them too.
    """
    error = result.error or "the photo could not be read"
    message, _sep, hint = error.partition(" — ")
    # The queue shows the photo's name beside the error: the path before it is noise.
    for prefix in (f"{result.source}: ", f"{Path(result.source).absolute()}: "):
        message = message.removeprefix(prefix)
    stage = next((s for words, s in _STAGES if words in message), "open")
    return {
        **result.to_record(),
        "failure": {
            "error": message.strip(),
            "hint": hint.strip() or None,
            "stage": stage,
            "event_id": event_id,
            "note": note,
            "tags": list(tags),
        },
    }


@dataclass(frozen=True)
class FileImport:
    """What importing one contacts file did."""

    path: str
    format: str
    tally: Tally
    outcomes: tuple[Outcome, ...]
    #: Rows not imported, by line number.
    errors: tuple[RowProblem, ...]
    #: Rows imported without a value that did not validate.
    warnings: tuple[RowProblem, ...]
    skipped: tuple[RowProblem, ...]


def file_time(path: str | Path) -> str | None:
    """When a file was last written, as the store writes times (None if it cannot be read).

    An export says what the CRM knew when it was exported, so its rows count as seen
    then: a job on a card scanned after the export is newer than the CRM's, and one
    scanned before it is older.
    """
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        return None
    at = datetime.fromtimestamp(mtime, timezone.utc).isoformat(timespec="seconds")
    return min(at, now_iso())


def import_entries(
    ingester: Ingester, result: ImportResult, source: str, *, run_id: int | None = None
) -> list[Outcome]:
    """Store the contacts of a read file, with their notes and tags, in one transaction.

    A process killed during the import leaves nothing of the file in the store; importing
    it again does the whole file.
    """
    store = ingester.store
    with ingester.transaction():
        outcomes = ingester.add_many(result.contacts, source, seen_at=file_time(result.path))
        for entry, outcome in zip(result.entries, outcomes, strict=True):
            if entry.note:
                store.add_note(outcome.contact_id, entry.note, run_id=run_id)
            if entry.tags:
                store.add_tags(outcome.contact_id, entry.tags)
    return outcomes


def import_contacts(
    ingester: Ingester,
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    *,
    region: str | None = None,
    run_id: int | None = None,
) -> FileImport:
    """Import a CRM export or vCard file into the store, deduplicating as for cards.

    Raises:
        ImportFileError: the file cannot be read or its layout is not recognised.
    """
    result = read_contacts(path, mapping, region=region)
    source = f"import:{result.format} {Path(path).name}"
    outcomes = import_entries(ingester, result, source, run_id=run_id)
    tally = Tally()
    for outcome in outcomes:
        tally = tally.add(outcome)
    return FileImport(
        str(path),
        result.format,
        tally,
        tuple(outcomes),
        result.errors,
        result.warnings,
        result.skipped,
    )
