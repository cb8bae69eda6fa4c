"""Issue 13, the data side: nothing lost, nothing silently wrong (invented people only)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardscan.book import ingest
from cardscan.book.ingest import Ingester, import_contacts
from cardscan.book.store import open_store
from cardscan.cli import cli
from cardscan.models import Contact, Field
from cardscan.text import clean_text

#: What must never reach a terminal or an export: C0/C1 controls but tab and line feed,
#: and the bidirectional marks, embeddings, overrides and isolates.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)

ESC = "\x1b"
HOSTILE_NAME = (
    f"{ESC}]52;c;Y3VybCBldmlsfHNo{ESC}\\Ivo{ESC}[31m Trask{ESC}[0m"
    f"{ESC}]8;;https://evil.example{ESC}\\\u202e\x00"
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, db: Path, *args: str):
    return runner.invoke(cli, [*args, "--db", str(db)])


def test_clean_text_takes_out_escapes_controls_and_bidi_but_keeps_letters() -> None:
    assert clean_text(HOSTILE_NAME) == "Ivo Trask"
    assert clean_text("Zoë\u00a0Ng 王\tx") == "Zoë\u00a0Ng 王 x"
    assert clean_text("a\r\nb", multiline=True) == "a\nb"
    assert clean_text("a\r\nb") == "a b"
    assert clean_text("\x9b31mred\x9d8;;u\x9c") == "red"


def test_hostile_text_from_csv_and_vcard_is_neither_stored_printed_nor_exported(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = tmp_path / "c.db"
    csv_file = tmp_path / "crm.csv"
    # A NUL near the start makes the file "not a text file"; further in, it is read.
    csv_file.write_text(
        "Name,Email,Company,Notes\n"
        f'Ona Vell,ona@vell.example,Vell,"{"x" * 5000}"\n'
        f'"{HOSTILE_NAME}",ivo@trask.example,"Kestrel{ESC}[2J Works","line1\u2066\nline2"\n',
        encoding="utf-8",
    )
    vcf = tmp_path / "one.vcf"
    vcf.write_text(
        "BEGIN:VCARD\r\nVERSION:4.0\r\n"
        f"FN:Uma{ESC}]52;c;ZXZpbA=={ESC}\\ Pell\u202d\r\nN:Pell;Uma;;;\r\n"
        f"EMAIL:uma@pell.example\r\nORG:Pell{ESC}[5m Ltd\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    for f in (csv_file, vcf):
        result = invoke(runner, db, "import", str(f))
        assert result.exit_code == 0, result.output
    with open_store(db) as store:
        stored = store.contacts(full=True)
        texts = [str(c) for c in stored]
        # A contact stored before imports were cleaned is still shown and exported safely.
        store.add_contact(Contact(name=Field(f"Old{ESC}[31m Raw\u202e", 1.0)), "legacy")
    assert not any(FORBIDDEN.search(t) for t in texts), texts
    assert {c.name for c in stored} == {"Ona Vell", "Ivo Trask", "Uma Pell"}

    outputs = [invoke(runner, db, "contacts").output]
    outputs += [invoke(runner, db, "contacts", str(i)).output for i in (1, 2, 3, 4)]
    for fmt in ("hubspot", "salesforce", "google", "outlook", "zoho", "pipedrive", "csv"):
        out = tmp_path / f"x.{fmt}.csv"
        assert invoke(runner, db, "export", "--format", fmt, "-o", str(out)).exit_code == 0
        outputs.append(out.read_text(encoding="utf-8").replace("\r\n", "\n"))
    for fmt, ext in (("vcard", "vcf"), ("jsonl", "jsonl")):
        out = tmp_path / f"x.{ext}"
        assert invoke(runner, db, "export", "--format", fmt, "-o", str(out)).exit_code == 0
        outputs.append(out.read_text(encoding="utf-8").replace("\r\n", "\n"))
    for text in outputs:
        assert not FORBIDDEN.search(text), repr(text)
        assert "evil" not in text and "52;c" not in text
    assert "Ivo Trask" in outputs[0] and "Old Raw" in outputs[0]


# --- an import never downgrades what the card said ----------------------------------------


def _person(name: str, company: str | None, title: str | None, email: str) -> Contact:
    return Contact(
        name=Field(name, 0.9),
        company=Field(company, 0.9) if company else None,
        title=Field(title, 0.9) if title else None,
        emails=(Field(email, 0.9),),
    )


@pytest.mark.parametrize(
    "card_company",
    [
        "Kestrel Sangyo Co., Ltd.",
        "Kestrel Sangyo Co., Ltd. Head Office",
        "Kestrel Sangyo Head Office",
    ],
)
def test_a_crm_row_without_a_title_does_not_downgrade_the_card(
    tmp_path: Path, card_company: str
) -> None:
    with open_store(tmp_path / "c.db") as store:
        ing = Ingester(store, max_block=20)
        card = _person(
            "Tomas Vierra", card_company, "Assistant Manager", "t.vierra@kestrel.example"
        )
        kept = ing.add(card, "card mixer/1.jpg", seen_at="2026-01-05T10:00:00+00:00").contact_id
        row = tmp_path / "crm.csv"
        row.write_text(
            "First Name,Last Name,Email,Company Name\n"
            "Tomas,Vierra,t.vierra@kestrel.example,Kestrel Sangyo\n",
            encoding="utf-8",
        )  # written now: newer than the card
        done = import_contacts(ing, row)
        assert done.outcomes[0].contact_id == kept
        c = store.contact(kept)
        assert c.title == "Assistant Manager"
        assert c.company is not None and c.company.startswith("Kestrel Sangyo")
        assert c.history == ()  # the same employer, however written: no job change
        # The other spelling is not lost: it is kept as a conflict.
        spellings = {x.other for x in c.conflicts if x.field == "company"}
        assert spellings <= {"Kestrel Sangyo", card_company}


def test_an_ocr_variant_of_the_title_is_not_job_history(tmp_path: Path) -> None:
    with open_store(tmp_path / "c.db") as store:
        ing = Ingester(store, max_block=20)
        email = "wen.adeyo@brightfield.example"
        first = ing.add(
            _person("Wen Adeyo", "Brightfield", "Assistant Manager", email),
            "card a.jpg",
            seen_at="2026-01-05T10:00:00+00:00",
        )
        ing.add(
            _person("Wen Adeyo", "Brightfield", "Assistant Manaqer", email),
            "card b.jpg",
            seen_at="2026-01-06T10:00:00+00:00",
        )
        c = store.contact(first.contact_id)
        assert c.history == ()
        assert c.title == "Assistant Manager"


def test_a_real_job_change_is_still_history(tmp_path: Path) -> None:
    with open_store(tmp_path / "c.db") as store:
        ing = Ingester(store, max_block=20)
        email = "rhea.sorn@mail.example"
        first = ing.add(
            _person("Rhea Sorn", "Kestrel Sangyo", "Analyst", email),
            "card a.jpg",
            seen_at="2026-01-05T10:00:00+00:00",
        )
        ing.add(
            _person("Rhea Sorn", "Harrow Freight", "Director", email),
            "card b.jpg",
            seen_at="2026-02-06T10:00:00+00:00",
        )
        c = store.contact(first.contact_id)
        assert (c.title, c.company) == ("Director", "Harrow Freight")
        assert [(h.title, h.company) for h in c.history] == [("Analyst", "Kestrel Sangyo")]
        # And a later row with no company and no title leaves the current job alone.
        ing.add(
            Contact(name=Field("Rhea Sorn", 0.9), emails=(Field(email, 0.9),)),
            "import:csv x.csv",
            seen_at="2026-03-06T10:00:00+00:00",
        )
        c = store.contact(first.contact_id)
        assert (c.title, c.company) == ("Director", "Harrow Freight")
        assert len(c.history) == 1


# --- rows that share a name cost the same however many there are ---------------------------


def _big_csv(path: Path, rows: int, *, emails: bool) -> Path:
    head = "Name,E-mail 1 - Value,Organization Name" if emails else "Name"
    lines = [head] + [
        f"Big Person{i},big.person{i}@example.com,Bigco" if emails else f"Big Person{i}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_shared_name_does_not_make_each_row_compare_with_every_earlier_one(
    tmp_path: Path,
) -> None:
    with open_store(tmp_path / "c.db") as store:
        ing = Ingester(store)
        done = import_contacts(ing, _big_csv(tmp_path / "big.csv", 300, emails=False))
        assert len(done.outcomes) == 300
        # The name keys are looked up only while at most MAX_BLOCK contacts share them:
        # the last rows are not compared with every earlier one.
        assert ing.most_compared <= ingest.MAX_BLOCK <= 100


def test_rows_that_chain_together_stop_merging_into_a_crowded_contact(tmp_path: Path) -> None:
    """One export's rows a slip apart each ("big.person1@", "big.person2@") would merge one
    into the next: a contact with CROWDED e-mail addresses is merged into only by a person,
    so no merge copies an ever-growing contact into the audit log."""
    with open_store(tmp_path / "c.db") as store:
        ing = Ingester(store, max_block=20)
        done = import_contacts(ing, _big_csv(tmp_path / "big.csv", 120, emails=True))
        assert len(done.outcomes) == 120
        stored = store.contacts()
        assert max(len(c.of_kind("email")) for c in stored) <= ingest.CROWDED
        assert sum(len(c.of_kind("email")) for c in stored) == 120  # none lost
        assert done.tally.review > 0
        # Each merge's audit entry holds two small contacts, not the whole chain.
        assert store._one("SELECT max(length(before) + length(after)) FROM audit") < 40_000


# --- given and family name the right way round ----------------------------------------------


def _guessed(name: str, given: str, family: str, email: str | None = None, phone: str = ""):
    from cardscan.models import Phone, PhoneType

    return Contact(
        name=Field(name, 0.9),
        given_name=given,
        family_name=family,
        emails=(Field(email, 0.9),) if email else (),
        phones=(Field(Phone(phone, phone, PhoneType.MOBILE, True), 0.9),) if phone else (),
    )


def test_the_email_initial_decides_which_name_is_the_family_name(tmp_path: Path) -> None:
    with open_store(tmp_path / "c.db") as store:
        ing = Ingester(store)
        # The reader took "Mori Kaito" as given "Mori"; k.mori@ says Kaito is the given name.
        done = ing.add(_guessed("Mori Kaito", "Mori", "Kaito", "k.mori@kestrel.example"), "card")
        c = store.contact(done.contact_id)
        assert (c.given_name, c.family_name) == ("Kaito", "Mori")
        # Whole names in the e-mail say nothing (people write them both ways).
        done = ing.add(_guessed("Sora Ueno", "Sora", "Ueno", "ueno.sora@harrow.example"), "card")
        c = store.contact(done.contact_id)
        assert (c.given_name, c.family_name) == ("Sora", "Ueno")


def test_a_vietnamese_name_is_family_name_first(tmp_path: Path) -> None:
    with open_store(tmp_path / "c.db") as store:
        ing = Ingester(store)
        row = tmp_path / "crm.csv"
        row.write_text(
            "Name,Email,Phone\nDang Minh Khoa,khoa@lotus-ink.example.vn,+84 24 3951 2161\n",
            encoding="utf-8",
        )
        done = import_contacts(ing, row)
        c = store.contact(done.outcomes[0].contact_id)
        assert (c.given_name, c.family_name) == ("Khoa", "Dang")
        # A Western name with a Vietnamese number stays as printed.
        other = _guessed("Mai Anderson", "Mai", "Anderson", phone="+842439512161")
        c = store.contact(ing.add(other, "card").contact_id)
        assert (c.given_name, c.family_name) == ("Mai", "Anderson")
        short = _guessed("Nguyen Thi Lan", "Nguyen", "Lan", phone="+842439512162")
        c = store.contact(ing.add(short, "card").contact_id)
        assert (c.given_name, c.family_name) == ("Lan", "Nguyen")


@pytest.mark.parametrize("fmt", ["google", "vcard"])
def test_a_crm_or_vcard_split_repairs_a_guessed_one(tmp_path: Path, fmt: str) -> None:
    with open_store(tmp_path / "c.db") as store:
        ing = Ingester(store)
        email = "rina@aokiworks.example"
        # Stored with given and family swapped, and nothing on the card to say so.
        first = ing.add(_guessed("Aoki Rina", "Aoki", "Rina", email), "card")
        if fmt == "google":
            path = tmp_path / "google.csv"
            path.write_text(
                f"First Name,Last Name,E-mail 1 - Value\nRina,Aoki,{email}\n", encoding="utf-8"
            )
        else:
            path = tmp_path / "one.vcf"
            path.write_text(
                f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Aoki;Rina;;;\r\nFN:Rina Aoki\r\n"
                f"EMAIL:{email}\r\nEND:VCARD\r\n",
                encoding="utf-8",
            )
        done = import_contacts(ing, path)
        assert done.outcomes[0].contact_id == first.contact_id
        c = store.contact(first.contact_id)
        assert (c.given_name, c.family_name) == ("Rina", "Aoki")
        shown = CliRunner().invoke(
            cli, ["contacts", str(first.contact_id), "--db", str(tmp_path / "c.db")]
        )
        assert "given Rina, family Aoki" in shown.output
        # A later card with the guess swapped again does not undo the explicit split.
        ing.add(_guessed("Aoki Rina", "Aoki", "Rina", email), "card 2")
        c = store.contact(first.contact_id)
        assert (c.given_name, c.family_name) == ("Rina", "Aoki")


# --- follow-up drafts say the right day; "sorry we missed you" waits for the event to end --


def _plan_store(tmp_path: Path, on: str):
    store = open_store(tmp_path / "plan.db")
    store.clock = lambda: f"{on}T09:00:00+00:00"
    return store


def test_drafts_word_the_meeting_from_the_day_they_are_sent(tmp_path: Path) -> None:
    from datetime import date

    from cardscan.book.events import create_event
    from cardscan.models import CardResult
    from cardscan.outputs.followup import refresh_plan

    with _plan_store(tmp_path, "2026-12-05") as store:
        mixer = create_event(store, "Quay mixer", "2026-12-05", None)
        person = Contact(name=Field("Lio Marsh", 0.9), emails=(Field("lio@marsh.example", 0.9),))
        Ingester(store).add_photo(
            [CardResult("a.jpg", contact=person)], "a" * 64, event_id=mixer.id, tags=["hot"]
        )
        plan = refresh_plan(store, date(2026, 12, 5))
        by_kind = {t.kind: t for t in plan.tasks}
        thanks, meet = by_kind["thank-you"], by_kind["meet"]
        assert thanks.due == date(2026, 12, 6) and meet.due == date(2026, 12, 12)
        # Sent the next day: "yesterday", not "today".
        assert "at Quay mixer yesterday" in thanks.draft
        # Sent a week later: the date, not "yesterday".
        assert "at Quay mixer on 5 December" in meet.draft
        # The same plan read four days later: the thank-you is late and goes out then.
        later = {t.kind: t for t in refresh_plan(store, date(2026, 12, 9)).tasks}
        assert "at Quay mixer on Saturday" in later["thank-you"].draft


def test_sorry_we_missed_you_waits_until_the_event_is_over(tmp_path: Path) -> None:
    from datetime import date

    from cardscan.book.events import create_event, import_roster
    from cardscan.outputs.followup import refresh_plan

    with _plan_store(tmp_path, "2026-12-05") as store:
        gala = create_event(store, "Quay gala", "2026-12-05", None)
        roster = tmp_path / "roster.csv"
        roster.write_text("Name,Email\nNell Voss,nell@voss.example\n", encoding="utf-8")
        import_roster(Ingester(store), gala, roster)
        # On the day itself she may still come.
        assert not [t for t in refresh_plan(store, date(2026, 12, 5)).tasks]
        tasks = refresh_plan(store, date(2026, 12, 6)).tasks
        assert [(t.kind, t.due) for t in tasks] == [("missed-you", date(2026, 12, 6))]


def test_scan_followup_thanks_each_person_once() -> None:
    from datetime import date

    from cardscan.models import CardResult
    from cardscan.outputs.followup import scan_checklist

    ada = Contact(name=Field("Ada Quill", 0.9), emails=(Field("ada@quill.example", 0.9),))
    text = scan_checklist(
        [CardResult("a.jpg", contact=ada), CardResult("b.jpg", contact=ada)], 0.6, date(2026, 1, 2)
    )
    assert text.count("a personal thank-you") == 1


def test_top_n_picks_are_called_top_n_not_hot(tmp_path: Path) -> None:
    from datetime import date

    from cardscan.book.events import create_event
    from cardscan.models import CardResult
    from cardscan.outputs.followup import plan_markdown, refresh_plan, tasks_csv

    with _plan_store(tmp_path, "2026-12-05") as store:
        fair = create_event(store, "Quay fair", "2026-12-04", None)
        ing = Ingester(store)
        for i, name in enumerate(("Abe Lund", "Cleo Hart", "Dov Amsel")):
            person = Contact(name=Field(name, 0.9), emails=(Field(f"p{i}@x{i}.example", 0.9),))
            ing.add_photo([CardResult(f"{i}.jpg", contact=person)], f"{i}" * 64, event_id=fair.id)
        plan = refresh_plan(store, date(2026, 12, 5), top=2)
        meets = [t for t in plan.tasks if t.kind == "meet"]
        assert len(meets) == 2
        assert {t.label for t in meets} == {"top 2"}
        text = plan_markdown(plan) + tasks_csv(plan)
        assert "hot" not in text
        assert "top 2" in text


# --- "do not contact" reaches every export ---------------------------------------------------


def test_no_followup_reaches_every_export(runner: CliRunner, tmp_path: Path) -> None:
    import csv
    import io

    db = tmp_path / "c.db"
    with open_store(db) as store:
        ing = Ingester(store)
        quiet = ing.add(
            Contact(name=Field("Pim Oduya", 0.9), emails=(Field("pim@oduya.example", 0.9),)),
            "card",
        ).contact_id
        store.add_tags(quiet, ["no-followup", "opt-in"])  # opted in once, asked off since
    column = {
        "salesforce": "Email Opt Out",
        "zoho": "Email Opt Out",
        "google": "Labels",
        "outlook": "Categories",
        "pipedrive": "Person - Labels",
        "hubspot": "Notes",
    }
    for fmt, col in column.items():
        out = tmp_path / f"{fmt}.csv"
        assert invoke(runner, db, "export", "--format", fmt, "-o", str(out)).exit_code == 0
        (row,) = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))
        assert row[col] == "1" if col == "Email Opt Out" else "no-followup" in row[col], fmt
    out = tmp_path / "x.vcf"
    assert invoke(runner, db, "export", "--format", "vcard", "-o", str(out)).exit_code == 0
    assert "CATEGORIES:" in out.read_text() and "no-followup" in out.read_text()


# --- one way to write a phone number --------------------------------------------------------


def test_a_phone_is_written_one_way_in_every_export(runner: CliRunner, tmp_path: Path) -> None:
    import io

    from cardscan.models import CardResult, Phone, PhoneType
    from cardscan.outputs.export import write_contacts_csv

    odd = Phone("+99-555-0100", None, PhoneType.MOBILE, False)  # +99 is no country code
    good = Phone("(415) 555-0100", "+14155550100", PhoneType.WORK, True)
    person = Contact(
        name=Field("Ines Kolb", 0.9),
        emails=(Field("ines@kolb.example", 0.9),),
        phones=(Field(good, 0.9), Field(odd, 0.9)),
    )
    db = tmp_path / "c.db"
    with open_store(db) as store:
        Ingester(store).add(person, "card")
    texts = {}
    buffer = io.StringIO(newline="")
    write_contacts_csv([CardResult("a.jpg", contact=person)], buffer)
    texts["contacts.csv"] = buffer.getvalue()
    for fmt in ("hubspot", "salesforce", "google", "outlook", "zoho", "pipedrive", "csv"):
        out = tmp_path / f"{fmt}.csv"
        assert invoke(runner, db, "export", "--format", fmt, "-o", str(out)).exit_code == 0
        texts[fmt] = out.read_text(encoding="utf-8")
    for version in ("3.0", "4.0"):
        out = tmp_path / f"{version}.vcf"
        args = ("export", "--format", "vcard", "--vcard-version", version, "-o", str(out))
        assert invoke(runner, db, *args).exit_code == 0
        texts[version] = out.read_text(encoding="utf-8")
    for where, text in texts.items():
        # As printed, wherever it is written; never "+995550100" or another form.
        assert "+99-555-0100" in text, where
        assert "+995550100" not in text and "+99 5550100" not in text, where
        if where == "4.0":
            assert "tel:+14155550100" in text, where
        else:
            assert "+1 4155550100" in text and "+14155550100" not in text, where


# --- what the commands say is true ----------------------------------------------------------


def test_import_prints_the_merge_ids_undo_takes(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with open_store(db) as store:
        Ingester(store).add(
            Contact(name=Field("Oren Vale", 0.9), emails=(Field("oren@vale.example", 0.9),)),
            "card",
        )
    row = tmp_path / "crm.csv"
    row.write_text("Name,Email\nOren Vale,oren@vale.example\n", encoding="utf-8")
    result = invoke(runner, db, "import", str(row))
    assert result.exit_code == 0, result.output
    found = re.search(r"undo: cardscan undo (\d+)", result.output)
    assert found, result.output
    assert "`import`" in invoke(runner, db, "undo", "--help").output
    undone = invoke(runner, db, "undo", found.group(1))
    assert undone.exit_code == 0 and "undone merge" in undone.output


def test_an_unwritable_export_names_the_option_it_takes(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with open_store(db) as store:
        Ingester(store).add(Contact(name=Field("Oren Vale", 0.9)), "card")
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    for command in (["export", "--format", "csv"], ["report"]):
        result = invoke(runner, db, *command, "-o", str(blocker / "out.csv"))
        assert result.exit_code != 0
        assert "-o/--output" in result.output and "--out " not in result.output, result.output


def test_an_eventbrite_ticket_type_is_a_named_tag_and_said(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = tmp_path / "c.db"
    roster = tmp_path / "eventbrite.csv"
    roster.write_text(
        "Order #,First Name,Last Name,Email,Ticket Type,Attendee Status\n"
        "1,Tova,Reyes,tova@reyes.example,VIP,Attending\n"
        "2,Uri,Brandt,uri@brandt.example,General Admission,Attending\n",
        encoding="utf-8",
    )
    assert invoke(runner, db, "event", "create", "Quay gala").exit_code == 0
    result = invoke(runner, db, "event", "roster", "Quay gala", str(roster))
    assert result.exit_code == 0, result.output
    assert "ticket types kept as tags: ticket:VIP, ticket:General Admission" in result.output
    with open_store(db) as store:
        tags = {c.label: c.tags for c in store.contacts(full=True)}
    assert tags == {"Tova Reyes": ("ticket:VIP",), "Uri Brandt": ("ticket:General Admission",)}


def test_a_raw_name_in_the_store_reaches_no_plan_file_or_terminal(
    runner: CliRunner, tmp_path: Path
) -> None:
    from cardscan.models import CardResult

    db = tmp_path / "c.db"
    with open_store(db) as store:
        raw = Contact(
            name=Field(f"Vik{ESC}]52;c;ZXZpbA=={ESC}\\ Oyelaran\u202e", 0.9),
            emails=(Field("vik@oyelaran.example", 0.9),),
        )
        Ingester(store).add_photo([CardResult("v.jpg", contact=raw)], "f" * 64, tags=["hot"])
    plan = tmp_path / "plan"
    result = invoke(runner, db, "followup", "--out", str(plan))
    assert result.exit_code == 0, result.output
    texts = [result.output, invoke(runner, db, "task", "list").output]
    texts += [invoke(runner, db, "task", "done", "1").output]
    texts += [(plan / n).read_text(encoding="utf-8") for n in ("followup.md", "tasks.csv")]
    texts += [(plan / "followup.ics").read_bytes().decode("utf-8")]
    for text in texts:
        assert not FORBIDDEN.search(text.replace("\r\n", "\n")), repr(text)
    assert "Vik Oyelaran" in texts[3]


def test_importbench_reports_each_size(capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import load_script

    assert load_script("importbench").main(["--rows", "30", "60"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert [r.split("|")[1].strip() for r in rows[1:]] == ["30", "60"]


def test_an_ocr_variant_of_the_address_is_not_a_move(tmp_path: Path) -> None:
    with open_store(tmp_path / "c.db") as store:
        ing = Ingester(store)
        email = "wen.adeyo@brightfield.example"
        first = ing.add(
            dataclasses.replace(
                _person("Wen Adeyo", "Brightfield", None, email),
                address=Field("12 Pier Road, Harbour City", 0.9),
            ),
            "card a.jpg",
            seen_at="2026-01-05T10:00:00+00:00",
        )
        ing.add(
            dataclasses.replace(
                _person("Wen Adeyo", "Brightfield", None, email),
                address=Field("12 Pier Raad, Harbour Clty", 0.9),
            ),
            "card b.jpg",
            seen_at="2026-01-06T10:00:00+00:00",
        )
        c = store.contact(first.contact_id)
        assert c.history == () and c.address == "12 Pier Road, Harbour City"
        assert [x.other for x in c.conflicts if x.field == "address"] == [
            "12 Pier Raad, Harbour Clty"
        ]
