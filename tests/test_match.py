from __future__ import annotations

import pytest

from cardscan.book.match import (
    Decision,
    MatchIndex,
    MatchScore,
    Profile,
    blocking_keys,
    company_key,
    compare,
    decide,
    fold,
    name_forms,
    nickname_compatible,
    profile_of,
    registered_domain,
    sound_key,
)
from cardscan.models import Contact, Field, Phone, PhoneType


def contact(
    name: str | None = None,
    *,
    given: str | None = None,
    family: str | None = None,
    company: str | None = None,
    title: str | None = None,
    emails: tuple[str, ...] = (),
    phones: tuple[tuple[str, PhoneType], ...] = (),
    websites: tuple[str, ...] = (),
) -> Contact:
    return Contact(
        name=Field(name, 0.9) if name else None,
        given_name=given,
        family_name=family,
        company=Field(company, 0.9) if company else None,
        title=Field(title, 0.9) if title else None,
        emails=tuple(Field(e, 0.9) for e in emails),
        phones=tuple(Field(Phone(e, e, t, True), 0.9) for e, t in phones),
        websites=tuple(Field(w, 0.9) for w in websites),
    )


# --- normalisation -------------------------------------------------------------------------


def test_fold_drops_accents_case_and_punctuation():
    assert fold("  Zoë  O'Brien-Núñez ") == "zoe obrien nunez"
    assert fold("Straße") == "strasse"


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("Quillfeather GmbH", "quillfeather"),
        ("Quillfeather GmbH & Co. KG", "quillfeather"),
        ("Brasswick Inc.", "brasswick"),
        ("Brasswick, Inc", "brasswick"),
        ("Talvero Ltd", "talvero"),
        ("Talvero Co., Ltd.", "talvero"),
        ("Ondamar S.L.", "ondamar"),
        ("Ondamar SARL", "ondamar"),
        ("Ondamar S.A.R.L.", "ondamar"),
        ("The Pelican Group LLC", "pelican group"),
        ("Inc", "inc"),  # never strip a name down to nothing
    ],
)
def test_company_key_strips_legal_forms(printed, key):
    assert company_key(printed) == key


def test_registered_domain():
    assert registered_domain("https://www.mail.brasswick.co.uk/about") == "brasswick.co.uk"
    assert registered_domain("brasswick.com") == "brasswick.com"
    assert registered_domain("www.shop.brasswick.de/") == "brasswick.de"
    assert registered_domain("localhost") == ""


def test_sound_key_survives_ocr_slips_and_spelling_variants():
    assert sound_key("Quenneville") == sound_key("Quennevllle") == sound_key("Quenevile")
    assert sound_key("Marmot") == sound_key("Marrnot")  # rn read for m
    assert sound_key("Meyer") == sound_key("Meier")
    assert sound_key("Marmot") != sound_key("Pelletier")


def test_nicknames_are_compatible_with_their_formal_names_only():
    assert nickname_compatible("Bob", "Robert")
    assert nickname_compatible("Bob", "Rob")  # both Robert
    assert nickname_compatible("Liz", "Elizabeth")
    assert not nickname_compatible("Robert", "Elizabeth")
    assert not nickname_compatible("Sandra", "Katherine")  # no detour through pet names
    assert "b" in {f[0] for f in name_forms("Robert")}  # so "B. Quill" may be Robert Quill


# --- profiles ------------------------------------------------------------------------------


def test_profile_of_takes_identifiers_and_skips_shared_lines():
    c = contact(
        "Odile Marmot",
        given="Odile",
        family="Marmot",
        company="Brasswick SARL",
        emails=("Odile.Marmot@Brasswick.fr", "odile.m@gmail.com"),
        phones=(("+33612345678", PhoneType.MOBILE), ("+33187654321", PhoneType.FAX)),
        websites=("www.brasswick.fr",),
    )
    p = profile_of(c)
    assert p.name == "Odile Marmot"
    assert p.emails == ("odile.marmot@brasswick.fr", "odile.m@gmail.com")
    assert p.phones == ("+33612345678",)  # the fax belongs to the company
    assert p.domains == ("brasswick.fr",)  # gmail says nothing about the employer


def test_profile_splits_a_full_name_when_no_parts_are_given():
    p = Profile(name="Marmot, Odile")
    q = Profile(name="Odile Marmot")
    assert compare(p, q).score > 0.9


# --- blocking ------------------------------------------------------------------------------


def test_blocking_keys_hold_email_phone_and_name_keys():
    p = Profile(
        name="Robert Quenneville",
        given_name="Robert",
        family_name="Quenneville",
        emails=("rq@pelican.example",),
        phones=("+15551234567",),
    )
    keys = blocking_keys(p)
    assert "e:rq@pelican.example" in keys
    assert "p:+15551234567" in keys
    assert any(k.startswith("n:") for k in keys)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Robert", "Quenneville"), ("Bob", "Quenneville")),  # nickname
        (("Robert", "Quenneville"), ("R", "Quenneville")),  # initial
        (("Robert", "Quenneville"), ("Robert", "Quennevllle")),  # OCR slip
        (("Robert", "Quenneville"), ("Quenneville", "Robert")),  # swapped
        (("Élodie", "Marmot"), ("Elodie", "Marrnot")),  # accent loss and rn/m
    ],
)
def test_name_keys_meet_despite_variants(a, b):
    pa = Profile(given_name=a[0], family_name=a[1])
    pb = Profile(given_name=b[0], family_name=b[1])
    assert blocking_keys(pa) & blocking_keys(pb)


def test_unrelated_people_share_no_key():
    pa = Profile(given_name="Robert", family_name="Quenneville", emails=("a@x.example",))
    pb = Profile(given_name="Odile", family_name="Marmot", emails=("b@y.example",))
    assert not blocking_keys(pa) & blocking_keys(pb)


# --- scoring and deciding ------------------------------------------------------------------

BASE = Profile(
    name="Robert Quenneville",
    given_name="Robert",
    family_name="Quenneville",
    company="Pelican Freight Inc.",
    title="Head of Sales",
    emails=("robert.quenneville@pelicanfreight.example",),
    phones=("+15551234567",),
    domains=("pelicanfreight.example",),
)


def test_same_card_read_twice_with_ocr_slips_is_same():
    other = Profile(
        name="Robert Quennevllle",
        given_name="Robert",
        family_name="Quennevllle",
        company="PELICAN FREIGHT",
        emails=("robert.quenneville@pelicanfreight.example",),
        phones=("+15551234567",),
        domains=("pelicanfreight.example",),
    )
    s = compare(BASE, other)
    assert decide(s) is Decision.SAME
    assert any(r.startswith("email same") for r in s.reasons)


def test_nickname_without_shared_details_is_at_least_review():
    other = Profile(given_name="Bob", family_name="Quenneville", company="Pelican Freight")
    assert decide(compare(BASE, other)) is not Decision.NEW


def test_colleague_with_same_family_name_is_not_merged():
    other = Profile(
        given_name="Martine",
        family_name="Quenneville",
        company="Pelican Freight Inc.",
        emails=("martine.quenneville@pelicanfreight.example",),
        phones=("+15551234567",),  # the switchboard
        domains=("pelicanfreight.example",),
    )
    assert decide(compare(BASE, other)) is not Decision.SAME


def test_two_real_given_names_that_look_alike_are_two_people():
    a = Profile(given_name="Michaela", family_name="Quenneville", company="Pelican Freight")
    b = Profile(given_name="Michelle", family_name="Quenneville", company="Pelican Freight")
    s = compare(a, b)
    assert any(r.startswith("given differs") for r in s.reasons)
    assert decide(s) is Decision.NEW


def test_an_ocr_slip_in_a_given_name_is_near():
    a = Profile(given_name="Frank", family_name="Quenneville")
    b = Profile(given_name="Frnk", family_name="Quenneville")
    assert any(r.startswith("given near") for r in compare(a, b).reasons)


def test_colleague_email_one_letter_apart_is_no_ocr_slip():
    a = Profile(given_name="Darlene", family_name="Quill", emails=("d.quill@pelican.example",))
    b = Profile(given_name="Theresa", family_name="Quill", emails=("t.quill@pelican.example",))
    assert not any(r.startswith("email near") for r in compare(a, b).reasons)


def test_different_people_are_new():
    other = Profile(given_name="Odile", family_name="Marmot", company="Brasswick SARL")
    s = compare(BASE, other)
    assert decide(s) is Decision.NEW
    assert s.score < 0.1


def test_compare_is_symmetric():
    other = Profile(given_name="Bob", family_name="Quennevile", emails=("bq@x.example",))
    assert compare(BASE, other).score == compare(other, BASE).score


def test_missing_fields_add_no_evidence():
    bare = Profile(given_name="Robert", family_name="Quenneville")
    assert compare(BASE, bare).reasons == ("family same +5.0", "given same +4.0")


def test_decide_thresholds():
    assert decide(MatchScore(0.999)) is Decision.SAME
    assert decide(0.7) is Decision.REVIEW
    assert decide(0.1) is Decision.NEW
    assert decide(0.7, same=0.6) is Decision.SAME


# --- the index -----------------------------------------------------------------------------


def test_index_finds_the_match_and_forgets_removed_profiles():
    idx = MatchIndex()
    idx.add(1, BASE)
    idx.add(2, Profile(given_name="Odile", family_name="Marmot", emails=("om@b.example",)))
    probe = Profile(given_name="Bob", family_name="Quenneville", phones=("+15551234567",))
    assert idx.candidates(probe) == {1}
    found = idx.best(probe)
    assert found is not None
    assert found[0] == 1
    idx.remove(1)
    assert 1 not in idx
    assert idx.candidates(probe) == set()
    assert idx.best(probe) is None


def test_index_add_replaces_the_old_profile():
    idx = MatchIndex()
    idx.add(1, Profile(given_name="Odile", family_name="Marmot"))
    idx.add(1, BASE)
    assert len(idx) == 1
    assert idx.candidates(Profile(given_name="Odile", family_name="Marmot")) == set()


def test_index_skips_oversized_name_blocks_but_not_email_blocks():
    idx = MatchIndex(max_block=3)
    for i in range(5):
        idx.add(i, Profile(given_name="Robert", family_name="Quenneville"))
    idx.add(9, Profile(given_name="Robert", family_name="Quenneville", emails=("r@q.example",)))
    probe = Profile(given_name="Robert", family_name="Quenneville", emails=("r@q.example",))
    assert idx.candidates(probe) == {9}


# --- the benchmark script ------------------------------------------------------------------


def _matchbench():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "matchbench.py"
    spec = importlib.util.spec_from_file_location("matchbench_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_matchbench_labels_and_scores_a_small_run(capsys):
    mb = _matchbench()
    args = ["--no-timing", "--pool", "100", "--stored", "300", "--queries", "120", "--seed", "3"]
    assert mb.main(args) == 0
    out = capsys.readouterr().out
    assert "| SAME precision | SAME recall |" in out
    assert "namesake (not a duplicate)" in out


def test_matchbench_times_the_store_on_the_scan_path(tmp_path):
    mb = _matchbench()
    out = tmp_path / "bench.json"
    args = ["--pool", "100", "--stored", "100", "--queries", "20", "--seed", "3"]
    args += ["--timing-stored", "300", "--timing-queries", "60", "--store", "--json", str(out)]
    assert mb.main(args) == 0
    import json

    (store,) = json.loads(out.read_text())["timing"]["store"]
    assert store["backend"] == "sqlite"
    assert sum(store["store_decisions"].values()) == 60  # every card stored, merged or queued
    assert store["store_decisions"].get("same", 0) > 0
    assert store["store_match_cpu_s"] > 0


def test_matchbench_ocr_slip_changes_text_and_prf_counts():
    import random

    mb = _matchbench()
    rng = random.Random(0)
    assert all(mb.ocr_slip("Quenneville", rng) != "Quenneville" for _ in range(20))
    # one right SAME, one wrong SAME, one missed duplicate, one correct NEW
    scored = [(0.999, 1, 1), (0.995, 2, 3), (0.2, 4, 5), (0.1, None, None)]
    precision, recall, _f1, wrong = mb.prf(scored, 0.99)
    assert (precision, recall, wrong) == (0.5, 1 / 3, 1)


def test_string_distances_for_the_parser():
    from cardscan.similarity import edit_distance, edit_similarity, nearest_words

    assert edit_distance("bldg", "bidg") == 1 and edit_distance("suite", "suite") == 0
    assert edit_similarity("abcd", "abcx") == 0.75
    vocab = ("street", "strasse", "suite", "avenue")
    assert nearest_words("sulte", vocab, max_edits=1) == [("suite", 1)]
    assert nearest_words("xyzzy", vocab, max_edits=1) == []
    near = nearest_words("suitx", ("state", "suits", "suite", "sute"), max_edits=2, limit=5)
    assert near == [("suits", 1), ("suite", 1), ("sute", 2)]  # nearest first, then in order
