"""The living follow-up plan: cadence, priorities, introductions, permission, outputs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import count
from pathlib import Path

import icalendar
import pytest
from test_store import contact

from cardscan.book.entries import select_entries
from cardscan.book.events import check_in, create_event, import_roster
from cardscan.book.ingest import Ingester
from cardscan.book.store import Event, Store, open_store
from cardscan.errors import ConfigError, StoreError
from cardscan.models import CardResult, Contact, Field
from cardscan.outputs.followup import (
    TASK_COLUMNS,
    TOP_REASON,
    Cadence,
    Plan,
    complete_task,
    plan_markdown,
    priority_label,
    refresh_plan,
    tasks_csv,
    tasks_ics,
    top_pick,
)

TODAY = date(2026, 11, 20)
_photo = count()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "contacts.db")
    s.clock = lambda: f"{TODAY.isoformat()}T09:00:00+00:00"  # cards scanned "today"
    yield s
    s.close()


@pytest.fixture
def mixer(store: Store) -> Event:
    return create_event(store, "Harbour Mixer", "2026-11-18", "Pier 4")


def met(
    store: Store,
    person: Contact,
    event: Event | None = None,
    *,
    note: str | None = None,
    tags: tuple[str, ...] = (),
) -> int:
    """Scan one card of ``person`` (at ``event``) into the store; returns the contact id."""
    result = CardResult(f"card{next(_photo)}.jpg", contact=person)
    outcomes = Ingester(store).add_photo(
        [result],
        f"{next(_photo):064x}",
        event_id=event.id if event else None,
        note=note,
        tags=tags,
    )
    return outcomes[0].contact_id


def kinds(plan: Plan, contact_id: int) -> list[str]:
    return sorted(t.kind for t in plan.tasks if t.contact.id == contact_id)


def test_everyone_met_gets_a_prompt_thank_you_and_hot_contacts_a_coffee(
    store: Store, mixer: Event
) -> None:
    ana = met(store, contact("Ana Ruiz", emails=("ana@sol.example",)), mixer, tags=("hot",))
    bo = met(store, contact("Bo Lee", emails=("bo@lee.example",)), mixer)
    cy = met(store, contact("Cy Park", emails=("cy@park.example",)), mixer, tags=("later",))
    plan = refresh_plan(store, TODAY, event="Harbour Mixer")
    assert kinds(plan, ana) == ["meet", "thank-you"]
    assert kinds(plan, bo) == ["thank-you"]
    assert kinds(plan, cy) == ["check-in"]
    by = {(t.contact.id, t.kind): t for t in plan.tasks}
    # Met on the 18th: the thank-you was due on the 19th, so it is due now; the coffee
    # within a week of meeting; "later" a month on.
    assert by[(bo, "thank-you")].due == TODAY
    assert by[(ana, "meet")].due == date(2026, 11, 25)
    assert by[(cy, "check-in")].due == date(2026, 12, 18)
    assert plan.new == {t.id for t in plan.tasks}
    # Sorted by due date, then priority: the hot thank-you before the normal one.
    assert [t.kind for t in plan.tasks][:2] == ["thank-you", "thank-you"]
    assert plan.tasks[0].contact.id == ana


def test_refreshing_again_makes_no_duplicates_and_never_remakes_done_tasks(
    store: Store, mixer: Event
) -> None:
    met(store, contact("Ana Ruiz", emails=("ana@sol.example",)), mixer)
    first = refresh_plan(store, TODAY)
    again = refresh_plan(store, TODAY)
    assert [t.id for t in again.tasks] == [t.id for t in first.tasks]
    assert again.new == frozenset()
    complete_task(store, first.tasks[0].id, TODAY)
    later = refresh_plan(store, TODAY + timedelta(days=3))
    assert [t.kind for t in later.tasks] == ["check-in"]


def test_done_tasks_schedule_the_next_touch_on_the_cadence(store: Store, mixer: Event) -> None:
    ana = met(store, contact("Ana Ruiz", emails=("ana@sol.example",)), mixer, tags=("hot",))
    plan = refresh_plan(store, TODAY)
    by = {t.kind: t for t in plan.tasks}
    # The coffee is still open, so the thank-you schedules nothing new.
    assert complete_task(store, by["thank-you"].id, TODAY) is None
    check = complete_task(store, by["meet"].id, date(2026, 11, 24))
    assert check is not None and check.kind == "check-in"
    assert check.due == "2026-12-24" and check.after_id == by["meet"].id
    touch = complete_task(store, check.id, date(2026, 12, 28))
    assert touch is not None and (touch.kind, touch.due) == ("touch", "2027-03-28")
    again = complete_task(store, touch.id, date(2027, 3, 30))
    assert again is not None and (again.kind, again.due) == ("touch", "2027-06-28")
    assert [t.kind for t in refresh_plan(store, TODAY).tasks if t.contact.id == ana] == ["touch"]
    with pytest.raises(StoreError, match="already done"):
        complete_task(store, touch.id, TODAY)


def test_a_normal_contact_gets_a_check_in_then_rests_and_skipping_stops_the_chain(
    store: Store,
) -> None:
    met(store, contact("Bo Lee", emails=("bo@lee.example",)))
    met(store, contact("Cy Park", emails=("cy@park.example",)))
    bo_thanks, cy_thanks = refresh_plan(store, TODAY).tasks
    check = complete_task(store, bo_thanks.id, TODAY)
    assert check is not None and check.kind == "check-in"
    assert complete_task(store, check.id, TODAY) is None  # no quarterly touch for "normal"
    assert complete_task(store, cy_thanks.id, TODAY, skip=True) is None
    assert store.task(cy_thanks.id).status == "skipped"


def test_the_cadence_is_configurable_and_kept_with_the_store(store: Store) -> None:
    met(store, contact("Bo Lee", emails=("bo@lee.example",)))
    plan = refresh_plan(store, TODAY, cadence=Cadence.parse("thank-you=2,check-in=2w"))
    assert plan.tasks[0].due == TODAY + timedelta(days=2)  # scanned today, thanked in 2 days
    nxt = complete_task(store, plan.tasks[0].id, TODAY)
    assert nxt is not None and nxt.due == (TODAY + timedelta(days=14)).isoformat()
    assert Cadence.parse("touch=3m").touch == 90
    for bad in ("coffee=3", "meet=0", "meet=soon", "thank-you"):
        with pytest.raises(ConfigError):
            Cadence.parse(bad)


def test_top_n_puts_the_effort_on_a_few(store: Store, mixer: Event) -> None:
    ids = [
        met(store, contact(f"Person {i}", emails=(f"p{i}@x{i}.example",)), mixer) for i in range(5)
    ]
    noted = met(store, contact("Noted One", emails=("n@noted.example",)), mixer, note="rowing")
    warm = met(store, contact("Warm One", emails=("w@warm.example",)), mixer, tags=("warm",))
    plan = refresh_plan(store, TODAY, top=2)
    meets = {t.contact.id for t in plan.tasks if t.kind == "meet"}
    assert meets == {warm, noted}
    # The pick is stored as data on its tasks; the reason still says it in words.
    stored = store.tasks()
    assert {t.top for t in stored if t.contact_id in (warm, noted)} == {2}
    assert {t.top for t in stored if t.contact_id in ids} == {None}
    assert {t.reason for t in stored if t.top} == {TOP_REASON.format(n=2)}
    assert all(kinds(plan, i) == ["thank-you"] for i in ids)
    assert {t.label for t in plan.tasks if t.contact.id in (warm, noted)} == {"top 2"}
    assert {t.label for t in plan.tasks if t.contact.id in ids} == {"normal"}
    # The pick stays one along its cadence: the check-in after the coffee is "top 2" too.
    thanks, meet = [t for t in plan.tasks if t.contact.id == noted]
    assert complete_task(store, thanks.id, TODAY) is None  # the coffee is still open
    nxt = complete_task(store, meet.id, TODAY)
    assert nxt is not None and nxt.kind == "check-in" and nxt.top == 2
    assert priority_label(nxt.priority, nxt.top) == "top 2"


def test_a_top_pick_is_read_from_the_task_not_from_its_reason(store: Store) -> None:
    who = met(store, contact("Bo Lee", emails=("bo@lee.example",)))
    # The reason text alone makes no pick; the stored top does, whatever the reason says.
    text_only = TOP_REASON.format(n=3)
    by_text = store.task(store.add_task(who, "meet", "2026-12-01", 1, reason=text_only))
    by_data = store.task(store.add_task(who, "touch", "2026-12-02", 1, top=12))
    assert top_pick(by_text) is None and top_pick(by_data) == 12
    labels = {t.kind: t.label for t in refresh_plan(store, TODAY).tasks}
    assert labels["meet"] == "hot" and labels["touch"] == "top 12"
    assert priority_label(1) == "hot" and priority_label(4) == "later"
    assert priority_label(1, 3) == "top 3"


def test_introductions_between_a_stated_need_and_a_title_that_meets_it(
    store: Store, mixer: Event
) -> None:
    ana = met(
        store,
        contact("Ana Ruiz", title="Founder", emails=("ana@sol.example",)),
        mixer,
        tags=("needs:cpa",),
    )
    cpa = met(
        store,
        contact("Dee Marsh", title="Senior Tax Advisor", emails=("dee@marsh.example",)),
        mixer,
    )
    shy = met(
        store,
        contact("Eli Brandt", title="Chartered Accountant", emails=("eli@b.example",)),
        mixer,
        tags=("no-followup",),
    )
    met(store, contact("Fay Cole", title="Designer", emails=("fay@cole.example",)), mixer)
    plan = refresh_plan(store, TODAY)
    intros = [t for t in plan.tasks if t.kind == "intro"]
    assert len(intros) == 1
    (intro,) = intros
    assert (intro.contact.id, intro.other and intro.other.id) == (ana, cpa)
    assert intro.title == "Introduce Ana Ruiz to Dee Marsh"
    assert "needs an accountant (tag needs:cpa)" in intro.why
    assert "Senior Tax Advisor (title)" in intro.why
    # Ask the helper first: the draft goes to them, and says so.
    assert intro.draft.startswith("Hi Dee,") and "open to an introduction" in intro.draft
    assert intro.reach == "dee@marsh.example"
    assert not [t for t in plan.tasks if shy in (t.contact.id, t.other and t.other.id)]
    assert "Eli Brandt" in plan.held_back
    assert len([t for t in refresh_plan(store, TODAY).tasks if t.kind == "intro"]) == 1


def test_permission_no_shows_and_opt_in(store: Store, mixer: Event, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Name,Email,Company\n"
        "Gus Hale,gus@hale.example,Hale\n"
        "Ida Moss,ida@moss.example,Moss\n"
        "Jo Ng,jo@ng.example,Ng\n"
        "Kai Roe,kai@roe.example,Roe\n",
        encoding="utf-8",
    )
    ingester = Ingester(store)
    import_roster(ingester, mixer, roster)
    for email in ("ida@moss.example", "jo@ng.example"):
        check_in(ingester, mixer, contact(emails=(email,)), "door", "2026-11-18T18:05:00+00:00")
    ids = {c.label: c.id for c in store.contacts()}
    store.add_tags(ids["Ida Moss"], ["opt-in"])
    store.add_tags(ids["Jo Ng"], ["opt-in", "opt-out"])  # withdrawn in the CRM since
    store.add_tags(ids["Kai Roe"], ["no-followup"])
    plan = refresh_plan(store, TODAY, event="Harbour Mixer")
    got = {(t.contact.contact.label, t.kind) for t in plan.tasks}
    # Gus registered and did not come; Ida came and opted in to news; Jo came but opted
    # out again (no recap); Kai asked for no follow-up.
    assert got == {("Gus Hale", "missed-you"), ("Ida Moss", "recap")}
    missed = next(t for t in plan.tasks if t.kind == "missed-you")
    assert "sorry to miss you at Harbour Mixer" in missed.draft


def test_an_event_still_to_come_has_no_no_shows(store: Store, tmp_path: Path) -> None:
    future = create_event(store, "Spring Fair", "2027-03-01")
    roster = tmp_path / "r.csv"
    roster.write_text("Name,Email\nGus Hale,gus@hale.example\n", encoding="utf-8")
    import_roster(Ingester(store), future, roster)
    assert refresh_plan(store, TODAY).tasks == ()


def test_tagging_no_followup_later_skips_the_open_tasks(store: Store) -> None:
    bo = met(store, contact("Bo Lee", emails=("bo@lee.example",)))
    (task,) = refresh_plan(store, TODAY).tasks
    store.add_tags(bo, ["no-followup"])
    assert refresh_plan(store, TODAY).tasks == ()
    assert store.task(task.id).status == "skipped"


def test_drafts_are_personal(store: Store, mixer: Event) -> None:
    met(
        store,
        Contact(
            name=Field("Ana Ruiz", 0.9),
            given_name="Ana",
            family_name="Ruiz",
            company=Field("Sol Labs", 0.9),
            emails=(Field("ana@sol.example", 0.9),),
        ),
        mixer,
        note="building a rowing app; wants beta testers",
        tags=("hot",),
    )
    thanks = next(t for t in refresh_plan(store, TODAY).tasks if t.kind == "thank-you")
    assert thanks.draft.startswith("Hi Ana,")
    assert "at Harbour Mixer on Wednesday" in thanks.draft
    assert "[Your note: building a rowing app; wants beta testers]" in thanks.draft
    assert "coffee" in thanks.draft  # a hot contact is asked to meet
    assert "Met at Harbour Mixer (Pier 4) on 2026-11-18" in thanks.why


def test_checks_list_doubtful_values_and_pending_duplicates(store: Store) -> None:
    doubtful = Contact(
        name=Field("Ana Ruiz", 0.95),
        title=Field("Head of Sa1es", 0.3),
        emails=(Field("ana@sol.example", 0.99),),
    )
    ana = met(store, doubtful)
    bo = met(store, contact("Bo Lee", emails=("bo@lee.example",)))
    store.queue_review(ana, bo, 0.7, ["same company"])
    checks = [c.what for c in refresh_plan(store, TODAY).checks]
    assert any('job title of Ana Ruiz: "Head of Sa1es"' in c and "0.30" in c for c in checks)
    assert any(f"contact {ana} and contact {bo}" in c and "cardscan review" in c for c in checks)
    assert len([c for c in checks if "duplicate" in c]) == 1


def test_markdown_groups_by_due_date_then_priority(store: Store, mixer: Event) -> None:
    met(store, contact("Ana Ruiz", emails=("ana@sol.example",)), mixer, tags=("hot",))
    met(store, contact("B_o *Lee*", emails=("bo@lee.example",)), mixer)
    text = plan_markdown(refresh_plan(store, TODAY))
    today = text.index(f"## Today, {TODAY.isoformat()}")
    week = text.index("## Wednesday 2026-11-25")
    assert today < text.index("Send Ana Ruiz a personal thank-you") < text.index("B\\_o \\*Lee\\*")
    assert text.index("B\\_o") < week < text.index("Meet Ana Ruiz")
    assert "task 1" in text and "cardscan task done" in text


def test_tasks_csv_has_the_columns_task_tools_import_and_is_spreadsheet_safe(
    store: Store, mixer: Event
) -> None:
    met(store, contact("=cmd|' /C calc'!A0", emails=("x@evil.example",)), mixer, note="-2+3")
    plan = refresh_plan(store, TODAY)
    rows = list(csv.DictReader(io.StringIO(tasks_csv(plan))))
    assert tuple(rows[0]) == TASK_COLUMNS
    assert {"title", "due", "contact", "email", "phone", "notes", "event"} <= set(TASK_COLUMNS)
    row = rows[0]
    assert row["contact"].startswith("'=") and row["notes"] == "'-2+3"
    assert row["due"] == TODAY.isoformat() and row["event"] == "Harbour Mixer"
    assert row["email"] == "x@evil.example"


def test_calendar_file_has_one_vtodo_per_task_with_an_alarm(store: Store, mixer: Event) -> None:
    met(store, contact("Ana Ruiz", emails=("ana@sol.example",)), mixer, tags=("hot",))
    plan = refresh_plan(store, TODAY)
    cal = icalendar.Calendar.from_ical(tasks_ics(plan))
    todos = list(cal.walk("VTODO"))
    assert len(todos) == len(plan.tasks) == 2
    by_uid = {str(t["UID"]): t for t in todos}
    first = by_uid[f"cardscan-task-{plan.tasks[0].id}@cardscan"]
    assert first.decoded("DUE") == datetime(2026, 11, 20, 17, 0)
    assert str(first["SUMMARY"]) == plan.tasks[0].title
    assert int(first["PRIORITY"]) == 1
    (alarm,) = first.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(hours=-8)
    assert "ana@sol.example" in str(first["DESCRIPTION"])
    # Once done, the next export marks it completed (same UID), so calendars tick it off.
    complete_task(store, plan.tasks[0].id, TODAY)
    again = icalendar.Calendar.from_ical(tasks_ics(refresh_plan(store, TODAY)))
    status = {str(t["UID"]): str(t["STATUS"]) for t in again.walk("VTODO")}
    assert status[f"cardscan-task-{plan.tasks[0].id}@cardscan"] == "COMPLETED"


def test_merging_two_contacts_moves_their_tasks(store: Store) -> None:
    a = met(store, contact("Ana Ruiz", emails=("ana@sol.example",)))
    b = met(store, contact("Zed Zane", emails=("zed@zane.example",)))
    refresh_plan(store, TODAY)
    Ingester(store).merge(a, b)
    assert {t.contact_id for t in store.tasks()} == {a}
    assert select_entries(store, ids=[b]) == []
