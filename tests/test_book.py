"""The one view of a contact that exports, the plan and the report share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_plan import met
from test_store import contact

from cardscan.book.entries import parse_since, select_entries
from cardscan.book.events import create_event
from cardscan.book.ingest import Ingester
from cardscan.book.store import Store, open_store
from cardscan.errors import ConfigError, StoreError
from cardscan.models import Contact, Field


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A store on each database (SQLite, PostgreSQL)."""
    s = open_store(db_url)
    s.clock = lambda: "2026-11-20T09:00:00+00:00"
    yield s
    s.close()


def test_selection_by_event_date_and_tag(store: Store) -> None:
    mixer = create_event(store, "Harbour Mixer", "2026-11-18", "Pier 4")
    ana = met(store, contact("Ana Ruiz", emails=("ana@sol.example",)), mixer, tags=("hot",))
    store.clock = lambda: "2026-11-22T09:00:00+00:00"
    bo = met(store, contact("Bo Lee", emails=("bo@lee.example",)))
    assert [e.id for e in select_entries(store)] == [ana, bo]
    assert [e.id for e in select_entries(store, event="Harbour Mixer")] == [ana]
    assert [e.id for e in select_entries(store, since="2026-11-21")] == [bo]
    assert [e.id for e in select_entries(store, tag="HOT")] == [ana]
    assert [e.id for e in select_entries(store, ids=[bo], tag="hot")] == []
    with pytest.raises(StoreError):
        select_entries(store, event="Nowhere")


def test_since_must_be_a_date() -> None:
    assert parse_since(" 2026-11-01 ") == "2026-11-01"
    assert parse_since(None) is None
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        parse_since("last week")


def test_description_carries_where_met_notes_tags_and_past_jobs(store: Store) -> None:
    mixer = create_event(store, "Harbour Mixer", "2026-11-18", "Pier 4")
    ana = met(
        store,
        contact("Ana Ruiz", title="Analyst", company="Sol", emails=("ana@sol.example",)),
        mixer,
        note="likes sailing",
        tags=("warm",),
    )
    store.clock = lambda: "2026-12-01T09:00:00+00:00"
    Ingester(store).add(
        contact("Ana Ruiz", title="CFO", company="Mar", emails=("ana@sol.example",)), "import:csv"
    )
    (entry,) = select_entries(store)
    assert entry.id == ana
    text = entry.description()
    assert "Met at Harbour Mixer (Pier 4) on 2026-11-18." in text
    assert "likes sailing" in text and "Tags: warm" in text
    assert "was Analyst at Sol" in text
    assert entry.lead_source == "Business card: Harbour Mixer"


def test_lead_source_without_a_card(store: Store) -> None:
    Ingester(store).add(contact("Bo Lee", emails=("bo@lee.example",)), "import:hubspot")
    met(store, contact("Cy Park", emails=("cy@park.example",)))
    bo, cy = select_entries(store)
    assert bo.lead_source == "Import (hubspot)" and bo.first_met is None
    assert cy.lead_source == "Business card" and cy.met_text() == "Card scanned on 2026-11-20"


def test_low_confidence_comes_from_the_newest_card(store: Store) -> None:
    met(
        store,
        Contact(
            name=Field("Ana Ruiz", 0.95),
            title=Field("Hcad of Sales", 0.3),
            emails=(Field("ana@sol.example", 0.4),),
        ),
    )
    (entry,) = select_entries(store)
    assert entry.low_confidence(0.6) == {"title": 0.3, "emails": 0.4}
    assert entry.low_confidence(0.2) == {}


def test_a_merged_contact_keeps_the_meetings_and_cards_of_both(store: Store) -> None:
    mixer = create_event(store, "Harbour Mixer", "2026-11-18")
    gala = create_event(store, "Winter Gala", "2026-12-05")
    a = met(store, contact("Ana Ruiz", emails=("ana@sol.example",)), mixer)
    b = met(store, contact("A. Ruiz", emails=("ar@mar.example",)), gala)
    Ingester(store).merge(a, b)
    (entry,) = select_entries(store)
    assert [m.event.name for m in entry.meetings if m.event] == ["Harbour Mixer", "Winter Gala"]
    assert len(entry.cards) == 2
    assert entry.lead_source == "Business card: Winter Gala"
    assert store.engaged_ids() == {a}
