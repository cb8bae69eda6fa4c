"""The store's matching path at scale: one-statement look-up, lean rows, bulk load."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from conftest import dump
from faker import Faker
from test_store import Clock, contact

from cardscan.book.ingest import Ingester, keys_of
from cardscan.book.match import Decision, blocking_keys, profile_of
from cardscan.book.store import Store, open_store
from cardscan.models import CardResult


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    s.clock = Clock()
    yield s
    s.close()


def _people(n: int, seed: int = 5) -> list:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    out = []
    for i in range(n):
        given, family = fake.first_name(), fake.last_name()
        out.append(
            contact(
                f"{given} {family}",
                title=fake.job(),
                company=fake.company(),
                emails=(f"{given}.{family}{i}@example.com".lower(),),
                phones=(f"+1202555{i:04d}",),
            )
        )
    return out


def test_a_block_of_exactly_max_block_is_read_and_one_more_is_passed_over(store: Store) -> None:
    small = [store.add_contact(contact(f"S{i}"), "t", keys={"n:small"}) for i in range(3)]
    big = [
        store.add_contact(contact(f"B{i}"), "t", keys={"n:big", f"e:b{i}@x.org"}) for i in range(4)
    ]
    assert store.candidates({"n:small", "n:big"}, max_block=3) == set(small)
    assert store.candidates({"n:small", "n:big"}, max_block=4) == set(small + big)
    assert store.candidates({"n:small", "n:big"}, max_block=2) == set()
    # A strong key is used whatever its block, and alongside capped ones.
    assert store.candidates({"n:big", "e:b2@x.org"}, max_block=2, always=("e:",)) == {big[2]}
    assert store.candidates({"e:b2@x.org"}, max_block=0, always=("e:",)) == {big[2]}
    assert store.candidates(set(), max_block=2) == set()


def test_candidate_rows_are_the_match_rows_of_the_candidates(store: Store) -> None:
    people = _people(12)
    ids = [store.add_contact(c, "t", blocking_keys(profile_of(c))) for c in people]
    bare = store.add_contact(contact("Nobody Valueless"), "t", keys={"n:shared"})
    store.set_keys(ids[0], {*keys_of(store.contact(ids[0])), "n:shared"})
    for keys in ({"n:shared"}, blocking_keys(profile_of(people[3])), {"n:none"}):
        for cap in (None, 1, 100):
            found = store.candidates(keys, max_block=cap, always=("e:", "p:"))
            rows = store.candidate_rows(keys, max_block=cap, always=("e:", "p:"))
            assert rows == store.match_rows(found)
            assert [r.id for r in rows] == sorted(found)
    (row,) = [r for r in store.candidate_rows({"n:shared"}) if r.id == bare]
    assert row.values == ()  # a contact without values is still found, with none


def test_load_contacts_stores_what_add_contact_stores(db_url: str, tmp_path) -> None:
    people = _people(30)
    one = open_store(db_url)
    one.clock = Clock()
    added = [one.add_contact(c, "bulk", blocking_keys(profile_of(c))) for c in people]
    by_one = dump(one)
    one.close()
    other = open_store(tmp_path / "other.db")
    other.clock = Clock()
    loaded = other.load_contacts(
        ((c, blocking_keys(profile_of(c))) for c in people), "bulk", batch=7
    )
    assert loaded == list(range(1, 31)) == added
    by_bulk = dump(other)
    for table in ("contacts", "match_keys"):
        assert by_bulk[table] == by_one[table]
    # Value rows are the same but for their own ids.
    assert sorted(r[1:] for r in by_bulk["contact_values"]) == sorted(
        r[1:] for r in by_one["contact_values"]
    )
    # New contacts after a bulk load take the next ids.
    assert other.add_contact(contact("Late Comer"), "t") == 31
    other.close()


def test_load_contacts_continues_the_ids_on_either_database(store: Store) -> None:
    first = store.add_contact(contact("Ada Quill"), "t")
    loaded = store.load_contacts([(c, ()) for c in _people(5)], "bulk", batch=2)
    assert loaded == list(range(first + 1, first + 6))
    assert store.add_contact(contact("Late Comer"), "t") == first + 6
    assert store.count_contacts() == 7


def test_a_bulk_load_that_fails_halfway_is_rolled_back(store: Store) -> None:
    before = dump(store)

    def rows() -> Iterator:
        yield from ((c, ()) for c in _people(3))
        raise RuntimeError("the archive is cut off")

    with pytest.raises(RuntimeError):
        store.load_contacts(rows(), "bulk", batch=2)
    assert dump(store) == before


def test_a_photo_is_matched_against_a_bulk_loaded_store(store: Store) -> None:
    people = _people(40)
    Ingester(store).load(people, "archive")
    ing = Ingester(store)
    (outcome,) = ing.add_photo(
        [CardResult("photos/1.jpg", contact=people[17])], hashlib.sha256(b"1").hexdigest()
    )
    assert outcome.decision is Decision.SAME and outcome.matched == 18
    assert ing.most_compared >= 1
    # The photo is one transaction, without a savepoint per step on the way.
    assert not store.in_transaction and not ing._whole


def test_a_step_called_in_a_callers_transaction_keeps_its_savepoint(
    store: Store, monkeypatch
) -> None:
    ing = Ingester(store)
    real = store.add_contact

    def add_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise OSError("disk full")

    with ing.transaction():
        kept = ing.add(contact("Ada Quill", emails=("ada@example.org",)), "t").contact_id
        monkeypatch.setattr(store, "add_contact", add_then_fail)
        with pytest.raises(OSError):
            ing.add(contact("Bo Lind", emails=("bo@example.net",)), "t")
        monkeypatch.setattr(store, "add_contact", real)
    # The failed step was undone alone: the caller that handled it keeps the rest.
    assert [c.id for c in store.contacts()] == [kept]
