"""Tests for scripts/bench.py: normalisers, scoring arithmetic, truth loading, rendering."""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import logging
import sys
import types
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import load_script

bench = load_script("bench")


# ----------------------------------------------------------------------------- normalisers


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("KORIN Co.,Ltd", "korin co ltd"),
        ("Bluefin co., ltd.", "BLUEFIN CO LTD"),
        ("ＫＯＲＩＮ", "korin"),  # full-width letters
        ("山川テクノ株式会社", "山川 テクノ 株式会社"),  # OCR spaces between kanji
        ("Pat O'Brien", "Pat OBrien"),
    ],
)
def test_normalize_text_equal(a: str, b: str) -> None:
    assert bench.normalize_text(a) == bench.normalize_text(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("KORIN", "KORIN Co.,Ltd"),
        ("Sky Harbor", "SkyHarbor"),  # word boundaries of Latin text still count
        ("José", "Jose"),  # accents are not punctuation
    ],
)
def test_normalize_text_different(a: str, b: str) -> None:
    assert bench.normalize_text(a) != bench.normalize_text(b)


def test_normalize_text_empty() -> None:
    assert bench.normalize_text(None) == ""
    assert bench.normalize_text(" -- ") == ""


def test_normalize_name_ignores_word_order_only() -> None:
    assert bench.normalize_name("Kenji Mori") == bench.normalize_name("MORI, Kenji")
    assert bench.normalize_name("Kenji Mori") != bench.normalize_name("Kenji Mor")
    # word order matters for titles
    assert bench.normalize_text("Manager General") != bench.normalize_text("General Manager")


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("+81 3-5550-1234", "81355501234"),
        ("(03) 5550.1234", "0355501234"),
        ("＋８１３５５５０１２３４", "81355501234"),  # full-width digits
        ("٠٣ ٥٥٥٠", "035550"),  # Arabic-Indic digits
        ("555 1234²", "5551234"),  # a superscript is not a digit of the number
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_phone(raw: str | None, digits: str) -> None:
    assert bench.normalize_phone(raw) == digits


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("http://www.example.ad.jp/", "example.ad.jp"),
        ("www.korin.ne.jp", "korin.ne.jp"),
        ("HTTPS://WWW.Korin.ne.jp/about?x=1#top", "korin.ne.jp"),
        ("shop.example.com:8080/path", "shop.example.com"),
        ("example.com.", "example.com"),
        ("wwwexample.com", "wwwexample.com"),  # only a "www." label is dropped
    ],
)
def test_normalize_website(raw: str, host: str) -> None:
    assert bench.normalize_website(raw) == host


def test_normalize_email() -> None:
    assert bench.normalize_email(" K.Mori@KORIN.ne.jp ") == "k.mori@korin.ne.jp"
    assert bench.normalize_email("mailto:a@b.co") == "a@b.co"
    assert bench.normalize_email("k.mori@korin.ne.jp") != bench.normalize_email("kmori@korin.ne.jp")


def test_normalize_address_ignores_spacing_and_punctuation() -> None:
    assert bench.normalize_address("4-2-8 Kitano, Kobe") == bench.normalize_address(
        "4-2-8Kitano Kobe"
    )
    assert bench.normalize_address("4-2-8 Kitano") != bench.normalize_address("4-2-9 Kitano")


# ----------------------------------------------------------------------------- arithmetic


def test_counts_ratios() -> None:
    c = bench.Counts(tp=2, fp=1, fn=3)
    assert c.precision == pytest.approx(2 / 3)
    assert c.recall == pytest.approx(2 / 5)
    assert c.f1 == pytest.approx(0.5)
    assert bench.Counts(1, 2, 3) + bench.Counts(10, 20, 30) == bench.Counts(11, 22, 33)


def test_counts_undefined_and_zero() -> None:
    empty = bench.Counts()
    assert (empty.precision, empty.recall, empty.f1) == (None, None, None)
    missed = bench.Counts(fn=2)  # nothing predicted, something true
    assert missed.precision is None
    assert missed.recall == 0
    assert missed.f1 == 0


def test_compare_single() -> None:
    forms = ["KORIN Co.,Ltd", "KORIN"]
    assert bench.compare_single(forms, "korin co ltd", "company") == bench.Counts(1, 0, 0)
    # a wrong value is both a false positive and a false negative
    assert bench.compare_single(forms, "HOLN", "company") == bench.Counts(0, 1, 1)
    assert bench.compare_single(forms, None, "company") == bench.Counts(0, 0, 1)
    # predicted where the card has none: false positive only
    assert bench.compare_single([], "CEO", "title") == bench.Counts(0, 1, 0)
    assert bench.compare_single([], None, "title") == bench.Counts(0, 0, 0)
    # a prediction that is only punctuation is no prediction
    assert bench.compare_single(["CEO"], " . ", "title") == bench.Counts(0, 0, 1)


def test_compare_list_is_set_based() -> None:
    got = bench.compare_list(
        ["+81355501234", "+81355501235"],
        ["+81-3-5550-1234", "+81 3 5550 1234", "+81999"],
        "phones",
    )
    # the duplicate spelling of one number counts once
    assert got == bench.Counts(tp=1, fp=1, fn=1)


def _truth(tmp_path: Path, stem: str, **kw: Any) -> Any:
    return bench.Truth(image=tmp_path / f"{stem}.png", **kw)


def _hand_set(tmp_path: Path) -> tuple[list[Any], list[dict[str, Any]]]:
    """Four photos, hand-scored in test_score_hand_set."""
    truths = [
        _truth(
            tmp_path,
            "a",
            name=("Jane Doe",),
            company=("Acme Inc.", "Acme"),
            emails=("a@x.com",),
            phones=("+15551234567", "+15557654321"),
            phone_types=("work", "fax"),
            websites=("www.acme.com",),
            latin=True,
        ),
        _truth(tmp_path, "b", name=("Bob Roe",), title=("CEO",), latin=True),
        _truth(tmp_path, "c", name=("Kim Lee",), company=("Foo",), emails=("k@foo.com",)),
        _truth(tmp_path, "d", name=("Ann Ito",), phones=("+81312345678",), latin=False),
    ]
    records = [
        {
            "source": str(tmp_path / "a.png"),
            "name": "DOE, Jane",  # right
            "title": "Engineer",  # FP: the card has no title
            "company": "ACME",  # right (second form)
            "emails": ["A@X.com", "b@x.com"],  # 1 TP, 1 FP
            "phones": [{"e164": "+15551234567", "type": "mobile", "raw": "555 1234567"}],
            "websites": ["https://acme.com/contact"],
        },
        {"source": str(tmp_path / "b.png"), "name": None, "title": "ceo.", "emails": []},
        # no record for c
        {
            "source": str(tmp_path / "d.png"),
            "name": "ito ann",
            "phones": [{"e164": None, "type": "work", "raw": "+81 3-1234-5678"}],
        },
    ]
    return truths, records


def test_score_hand_set(tmp_path: Path) -> None:
    truths, records = _hand_set(tmp_path)
    scores = bench.score(truths, records)
    f = scores.fields
    assert f["name"] == bench.Counts(tp=2, fp=0, fn=2)
    assert f["name"].f1 == pytest.approx(2 / 3)
    assert f["title"] == bench.Counts(tp=1, fp=1, fn=0)
    assert f["company"] == bench.Counts(tp=1, fp=0, fn=1)
    assert f["emails"] == bench.Counts(tp=1, fp=1, fn=1)
    assert f["phones"] == bench.Counts(tp=2, fp=0, fn=1)
    assert f["phones"].recall == pytest.approx(2 / 3)
    assert f["websites"] == bench.Counts(tp=1, fp=0, fn=0)
    assert (scores.total, scores.all_right) == (4, 1)
    assert [c.all_right for c in scores.cards] == [False, False, False, True]
    assert scores.cards[0].wrong == ("title", "emails", "phones")
    assert scores.cards[2].prediction is None
    # a's work number was found but typed mobile; d's truth has no type
    assert scores.phone_types == (0, 1)
    assert scores.unmatched == ()


def test_latin_subset(tmp_path: Path) -> None:
    truths, records = _hand_set(tmp_path)
    latin = bench.latin_only(bench.score(truths, records))  # c (unmarked) and d (False) left out
    assert latin.total == 2
    assert latin.fields["name"] == bench.Counts(tp=1, fp=0, fn=1)
    assert latin.all_right == 0


def test_phone_type_counts_each_true_number_once(tmp_path: Path) -> None:
    truths = [_truth(tmp_path, "p", phones=("+15551234567",), phone_types=("work",))]
    record = {
        "source": str(tmp_path / "p.png"),
        "phones": [
            {"e164": None, "raw": "+1 555 123 4567", "type": "WORK"},
            {"e164": "+15551234567", "raw": "555-123-4567", "type": "fax"},
        ],
    }
    assert bench.score(truths, [record]).phone_types == (1, 1)


def test_best_card_prefers_fewer_wrong_fields(tmp_path: Path) -> None:
    truths = [
        _truth(
            tmp_path,
            "m",
            name=("N",),
            title=("T",),
            company=("C",),
            emails=("a@x.com", "b@x.com", "c@x.com"),
        )
    ]
    source = str(tmp_path / "m.png")
    records = [
        # 4 true positives but two fields wrong (title, company)
        {"source": source, "card": 0, "name": "N", "emails": ["a@x.com", "b@x.com", "c@x.com"]},
        # 3 true positives, one field wrong (emails)
        {"source": source, "card": 1, "name": "N", "title": "T", "company": "C"},
    ]
    card = bench.score(truths, records).cards[0]
    assert card.prediction.card == 1
    assert card.wrong == ("emails",)


def test_best_card_of_several(tmp_path: Path) -> None:
    truths = [_truth(tmp_path, "e", name=("Jane Doe",))]
    source = str(tmp_path / "e.png")
    records = [
        {"source": source, "card": 0, "name": "Someone Else"},
        {"source": source, "card": 1, "name": "Jane Doe"},
        {"source": source, "card": 2, "name": "Jane Doe"},
    ]
    scores = bench.score(truths, records)
    assert scores.cards[0].prediction.card == 1  # best match, lowest index among equals
    assert scores.all_right == 1


def test_sources_match_by_path_then_unique_name(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    truths = [
        bench.Truth(image=one / "a.png", name=("A",)),
        bench.Truth(image=two / "a.png", name=("B",)),
        bench.Truth(image=one / "c.png", name=("C",)),
    ]
    records = [
        {"source": str(two / "a.png"), "name": "B"},
        {"source": "elsewhere/c.png", "name": "C"},  # unique file name: matched
        {"source": "elsewhere/a.png", "name": "A"},  # ambiguous file name: not matched
        {"source": "nowhere.png", "name": "X"},
    ]
    scores = bench.score(truths, records)
    assert [c.all_right for c in scores.cards] == [False, True, True]
    assert scores.unmatched == ("elsewhere/a.png", "nowhere.png")


def test_address_scoring(tmp_path: Path) -> None:
    truths = [_truth(tmp_path, "f", address="4-2-8 Kitano, Kobe")]
    exact = bench.score(
        truths, [{"source": str(tmp_path / "f.png"), "address": "4-2-8Kitano Kobe"}]
    )
    assert exact.address == bench.Counts(1, 0, 0)
    assert exact.address_similarity == pytest.approx(1.0)
    close = bench.score(truths, [{"source": str(tmp_path / "f.png"), "address": "4-2-8 Kitno"}])
    assert close.address == bench.Counts(0, 1, 1)
    assert 0.5 < close.address_similarity < 1.0
    # the address is not one of the six fields
    assert close.all_right == 1


# ----------------------------------------------------------------------------- truth loading


def _touch(path: Path) -> Path:
    path.write_bytes(b"not really an image")
    return path


def test_load_truth_jsonl(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _touch(tmp_path / "c_3.jpg")
    _touch(tmp_path / "c_11.jpg")
    rows = [
        {
            "file": "c_11.jpg",
            "name": "山田 花子",
            "title": None,
            "company": ["KORIN Co.,Ltd", "KORIN"],
            "emails": ["x@y.jp"],
            "phones": ["+81355501234", "+81355501235"],
            "phone_types": ["work"],  # shorter than phones: the rest are unknown
            "websites": [],
            "address": "Kobe",
            "notes": "ignored",
            "latin": False,
        },
        {"file": "c_3.jpg", "name": "Kenji Mori", "title": ["CEO"], "company": None},
        {"file": "missing.jpg", "name": "Nobody"},
    ]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:1]) + "\n\n"
    text += "\n".join(json.dumps(r) for r in rows[1:]) + "\n"
    (tmp_path / "truth.jsonl").write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bench"):
        truths = bench.load_truths(tmp_path)
    assert [t.image.name for t in truths] == ["c_3.jpg", "c_11.jpg"]  # natural order
    assert "missing.jpg" in caplog.text
    mori, yamada = truths
    assert mori.name == ("Kenji Mori",)
    assert mori.title == ("CEO",)
    assert mori.company == ()
    assert mori.latin is None
    assert yamada.title == ()
    assert yamada.company == ("KORIN Co.,Ltd", "KORIN")
    assert yamada.phone_types == ("work", None)
    assert yamada.address == "Kobe"
    assert yamada.latin is False


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ('{"name": "no file"}', "'file'"),
        ('{"file": "a.jpg", "name": 5}', "name"),
        ('{"file": "a.jpg", "emails": "a@b.c"}', "emails"),
        ('{"file": "a.jpg", "latin": "yes"}', "latin"),
    ],
)
def test_load_truth_jsonl_errors_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "truth.jsonl"
    path.write_text('{"file": "ok.jpg"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(bench.TruthError, match=message) as info:
        bench.load_truth_jsonl(path)
    assert "truth.jsonl:2" in str(info.value)


def test_blank_truth_strings_mean_no_value(tmp_path: Path) -> None:
    path = tmp_path / "truth.jsonl"
    path.write_text('{"file": "a.jpg", "name": " ", "company": ["", "Acme", " "]}\n', "utf-8")
    [truth] = bench.load_truth_jsonl(path)
    assert truth.name == ()
    assert truth.company == ("Acme",)


def test_load_expected_json(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _touch(tmp_path / "card1.PNG")
    record = {
        "source": "whatever",
        "name": "Jane Doe",
        "title": None,
        "company": "Acme",
        "emails": ["jane@acme.com"],
        "phones": [
            {"e164": "+15551234567", "type": "mobile", "raw": "555-123-4567"},
            {"e164": None, "type": "fax", "raw": "555 765 4321"},
        ],
        "websites": ["acme.com"],
        "address": "1 Main St",
        "confidence": {"name": 0.9},  # extra keys are ignored
    }
    (tmp_path / "card1.expected.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "orphan.expected.json").write_text(json.dumps(record), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bench"):
        truths = bench.load_truths(tmp_path)
    assert "orphan" in caplog.text
    assert len(truths) == 1
    t = truths[0]
    assert t.image == tmp_path / "card1.PNG"
    assert (t.name, t.title, t.company) == (("Jane Doe",), (), ("Acme",))
    assert t.phones == ("+15551234567", "555 765 4321")
    assert t.phone_types == ("mobile", "fax")
    assert t.emails == ("jane@acme.com",)
    assert t.websites == ("acme.com",)
    assert t.address == "1 Main St"


def test_truth_jsonl_wins_over_expected_json(tmp_path: Path) -> None:
    _touch(tmp_path / "a.png")
    (tmp_path / "a.expected.json").write_text('{"name": "From Json"}', encoding="utf-8")
    (tmp_path / "truth.jsonl").write_text('{"file": "a.png", "name": "From Jsonl"}\n', "utf-8")
    [truth] = bench.load_truths(tmp_path)
    assert truth.name == ("From Jsonl",)


def test_prediction_from_record_is_lenient() -> None:
    p = bench.Prediction.from_record({"source": "x.png", "phones": ["+1 555", {"raw": "06"}]})
    assert p.phones == ("+1 555", "06")
    assert p.phone_types == (None, None)
    assert (p.name, p.emails, p.card) == (None, (), 0)


# ----------------------------------------------------------------------------- rendering


def test_render_accuracy(tmp_path: Path) -> None:
    truths, records = _hand_set(tmp_path)
    text = bench.render_accuracy(bench.score(truths, records), "Accuracy: all 4 cards")
    assert "| name | 1.00 | 0.50 | 0.67 | 2 | 0 | 2 |" in text
    assert "| title | 0.50 | 1.00 | 0.67 | 1 | 1 | 0 |" in text
    assert "every field right: 1/4 (25%)" in text


def test_render_accuracy_undefined_is_a_dash(tmp_path: Path) -> None:
    scores = bench.score([_truth(tmp_path, "g", name=("X Y",))], [])
    text = bench.render_accuracy(scores, "t")
    assert "| name | – | 0.00 | 0.00 | 0 | 0 | 1 |" in text
    assert "| title | – | – | – | 0 | 0 | 0 |" in text


def test_render_summary(tmp_path: Path) -> None:
    truths, records = _hand_set(tmp_path)
    text = bench.render_summary([("all 4", bench.score(truths, records))])
    assert "| all 4 | 0.67 | 0.67 | 0.67 | 0.50 | 0.80 | 1.00 | 1/4 |" in text


def test_render_speed_ratio() -> None:
    runs = [
        bench.SpeedRun("cardscan", 1, 10, 30.0, 10, 0),
        bench.SpeedRun("cardscan", 2, 10, 18.0, 10, 0, same_as_first=False),
    ]
    baseline = bench.SpeedRun("tesseract IMAGE stdout", 1, 10, 10.0)
    text = bench.render_speed(runs, baseline)
    assert "| cardscan | 1 | 10 | 30.0 | 0.33 | 3.00 | 3.00× | 0 | – |" in text
    assert "| cardscan | 2 | 10 | 18.0 | 0.56 | 1.80 | 1.80× | 0 | **no** |" in text
    assert "| tesseract IMAGE stdout | 1 | 10 | 10.0 | 1.00 | 1.00 | 1.00× |" in text
    assert "×" not in bench.render_speed(runs, None).split("\n", 2)[2]


def test_parse_jobs() -> None:
    assert bench.parse_jobs("1,2") == [1, 2]
    assert bench.parse_jobs("4") == [4]
    for bad in ("0", "1,x", ""):
        with pytest.raises(argparse.ArgumentTypeError, match=r"job|list"):
            bench.parse_jobs(bad)


# ----------------------------------------------------------------------------- runners


def test_run_cardscan_with_a_fake_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cardscan.models import CardResult, CardStatus, Contact, Field

    paths = [tmp_path / "a.png", tmp_path / "b.png"]
    seen_jobs: list[int] = []

    def scan_batch(ps: Sequence[Path], settings: Any, on_result: Any = None) -> Iterator[Any]:
        seen_jobs.append(settings.jobs)
        name = Field("Jane Doe", 0.9)
        yield CardResult(source=str(ps[0]), card=0, contact=Contact(name=name))
        yield CardResult(source=str(ps[0]), card=1)
        yield CardResult(source=str(ps[1]), status=CardStatus.FAILED, error="unreadable")

    fake = types.ModuleType("cardscan.reading.pipeline")
    fake.scan_batch = scan_batch  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cardscan.reading.pipeline", fake)
    stream = io.StringIO()
    run, records = bench.run_cardscan(paths, bench.Settings(jobs=2), bench.Progress("x", 2, stream))
    assert seen_jobs == [2]
    assert (run.jobs, run.photos, run.cards, run.failed) == (2, 2, 3, 1)
    assert [r["card"] for r in records] == [0, 1, 0]
    assert records[0]["name"] == "Jane Doe"
    assert "2/2" in stream.getvalue()  # progress counts photos, not cards
    assert "3/2" not in stream.getvalue()


def test_progress_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    progress = bench.Progress.on_stderr("x", 3)  # pytest's captured stderr is no terminal
    assert progress.stream is None
    progress.advance()
    progress.close()
    assert capsys.readouterr().err == ""
    assert progress.done == 1

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = bench.Progress.on_stderr("x", 3)
    progress.advance()
    assert "x: 1/3" in terminal.getvalue()
    progress.close()
    assert terminal.getvalue().endswith("\r\033[K")  # the counter line is cleared


def test_run_baseline_counts_failures(tmp_path: Path) -> None:
    # run_baseline calls COMMAND IMAGE stdout; with Python as COMMAND the "image" runs as a
    # script, so its content decides the exit status, portably.
    good = tmp_path / "good.png"
    good.write_text("pass\n", encoding="utf-8")
    bad = tmp_path / "bad.png"
    bad.write_text("raise SystemExit(3)\n", encoding="utf-8")
    silent = bench.Progress("t", 3, None)
    run = bench.run_baseline([good, bad, good], [sys.executable], 30, silent)
    assert (run.photos, run.failed, run.jobs) == (3, 1, 1)
    assert run.seconds > 0
    assert silent.done == 3


def test_main_scores_a_predictions_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    _touch(cards / "a.jpg")
    _touch(cards / "b.jpg")
    _touch(cards / "c.jpg")
    truth = [
        {"file": "a.jpg", "name": "Jane Doe", "emails": ["j@x.com"], "latin": True},
        {"file": "b.jpg", "name": "山田 花子", "emails": [], "latin": False},
        {"file": "c.jpg", "name": None},  # not marked: in "all", not in "Latin-script"
    ]
    (cards / "truth.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in truth), encoding="utf-8"
    )
    preds = tmp_path / "preds.jsonl"
    preds.write_text(
        json.dumps({"source": str(cards / "a.jpg"), "name": "Doe Jane", "emails": ["J@X.COM"]})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    argv = [str(cards), "--predictions", str(preds), "--json", str(out)]
    assert bench.main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith("`python scripts/bench.py ")
    # c has no truth values and no record, which is right on every field
    assert "| all 3 | 0.67 | – | – | 1.00 | – | – | 2/3 |" in text
    assert "| 1 Latin-script | 1.00 | – | – | 1.00 | – | – | 1/1 |" in text
    assert "## Speed" not in text  # nothing was run, so nothing was timed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["accuracy"]["all"]["every_field_right"] == 2
    assert report["accuracy"]["latin"]["cards"] == 1


def test_main_rejects_a_missing_folder(tmp_path: Path) -> None:
    assert bench.main([str(tmp_path / "nope"), "--predictions", "x.jsonl"]) == 2


# ----------------------------------------------------------------------------- several cards


def _record(source: Path, **kw: Any) -> dict[str, Any]:
    return {"source": str(source), **kw}


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_expected_list_gives_one_truth_per_card(tmp_path: Path) -> None:
    _touch(tmp_path / "table-01.jpg")
    cards = [
        {"name": "Ann Fox", "emails": ["ann@fox.test"], "generator": {"cases": ["table"]}},
        {"name": "Bo Lind", "phones": [{"e164": "+15555550101", "type": "toll-free",
                                        "ext": "12", "raw": "555-0101 x12"}]},
    ]  # fmt: skip
    _write(tmp_path / "table-01.expected.json", cards)
    truths = bench.load_truths(tmp_path)
    assert [(t.image.name, t.card, t.name) for t in truths] == [
        ("table-01.jpg", 0, ("Ann Fox",)),
        ("table-01.jpg", 1, ("Bo Lind",)),
    ]
    assert truths[0].cases == ("table",) and truths[1].cases == ()
    assert truths[1].phone_types == ("toll-free",) and truths[1].phone_exts == ("12",)
    assert bench.photos_of(truths) == [tmp_path / "table-01.jpg"]


@pytest.mark.parametrize("bad", [[], [1, 2], "text"])
def test_expected_json_must_hold_records(tmp_path: Path, bad: Any) -> None:
    _touch(tmp_path / "x.jpg")
    _write(tmp_path / "x.expected.json", bad)
    with pytest.raises(bench.TruthError, match=r"x\.expected\.json"):
        bench.load_truths(tmp_path)


def _table(tmp_path: Path) -> tuple[list[Any], Path]:
    image = tmp_path / "t.jpg"
    truths = [
        bench.Truth(image=image, card=0, name=("Ann Fox",), emails=("ann@fox.test",)),
        bench.Truth(image=image, card=1, name=("Bo Lind",), emails=("bo@lind.test",)),
        bench.Truth(image=image, card=2, name=("Cy Moe",), emails=("cy@moe.test",)),
    ]
    return truths, image


def test_cards_of_one_photo_pair_up_in_any_order(tmp_path: Path) -> None:
    truths, image = _table(tmp_path)
    records = [
        _record(image, card=0, name="Cy Moe", emails=["cy@moe.test"]),
        _record(image, card=1, name="Ann Fox", emails=["ann@fox.test"]),
        _record(image, card=2, name="Bo Lind", emails=["bo@lind.test"]),
    ]
    scores = bench.score(truths, records)
    assert [c.prediction.card for c in scores.cards] == [1, 2, 0]
    assert scores.all_right == 3 and scores.extras == ()
    assert scores.cards_found() == (3, 3, 0)


def test_missing_and_extra_cards_count_as_fn_and_fp(tmp_path: Path) -> None:
    truths, image = _table(tmp_path)
    records = [
        _record(image, card=0, name="Bo Lind", emails=["bo@lind.test"]),
        _record(image, card=1, name="Ann Fox", emails=["ann@fox.test"]),
        # a logo read as a card: shares nothing with any expected card
        _record(image, card=2, name="Logo Text", emails=["x@logo.test"]),
    ]
    scores = bench.score(truths, records)
    assert [c.prediction.card if c.prediction else None for c in scores.cards] == [1, 0, None]
    assert scores.fields["name"] == bench.Counts(tp=2, fp=1, fn=1)
    assert scores.fields["emails"] == bench.Counts(tp=2, fp=1, fn=1)
    assert scores.cards_found() == (2, 3, 1)
    assert [e.prediction.card for e in scores.extras] == [2]
    text = bench.render_secondary(scores)
    assert "| cards found in photos of several cards | 2/3 (67%), 1 extra |" in text


def test_a_partly_right_record_still_pairs_with_its_card(tmp_path: Path) -> None:
    truths, image = _table(tmp_path)
    # Cy's record has a misread name but the right e-mail: it is Cy's card, read badly.
    records = [_record(image, name="Cy Mo", emails=["cy@moe.test"])]
    scores = bench.score(truths, records)
    assert scores.cards[2].prediction is not None
    assert scores.cards[2].wrong == ("name",)
    assert scores.cards_found() == (1, 3, 0)


def test_greedy_pairing_agrees_on_an_easy_photo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truths, image = _table(tmp_path)
    records = [
        _record(image, card=k, name=name, emails=[email])
        for k, (name, email) in enumerate(
            [("Bo Lind", "bo@lind.test"), ("Cy Moe", "cy@moe.test"), ("Ann Fox", "ann@fox.test")]
        )
    ]
    exhaustive = [c.prediction.card for c in bench.score(truths, records).cards]
    monkeypatch.setattr(bench, "EXHAUSTIVE_LIMIT", 0)
    greedy = [c.prediction.card for c in bench.score(truths, records).cards]
    assert exhaustive == greedy == [2, 0, 1]


def test_extra_record_on_a_single_card_photo_is_a_false_positive(tmp_path: Path) -> None:
    truths = [_truth(tmp_path, "s", name=("Jane Doe",), title=("CEO",))]
    source = tmp_path / "s.png"
    records = [_record(source, card=0, name="Jane Doe", title="CEO"), _record(source, card=1)]
    records.append(_record(source, card=2, name="Noise"))
    scores = bench.score(truths, records)
    assert scores.all_right == 1
    assert scores.fields["name"] == bench.Counts(tp=1, fp=1, fn=0)
    assert len(scores.extras) == 2  # the empty record counts, but holds no false positive
    assert "records paired with no expected card (FP) | 2 |" in bench.render_secondary(scores)


# ----------------------------------------------------------------------------- two sides


def test_back_photo_belongs_to_its_front(tmp_path: Path) -> None:
    front, back = _touch(tmp_path / "p_front.jpg"), _touch(tmp_path / "p_back.jpg")
    _write(
        tmp_path / "p_front.expected.json",
        {"name": "Ann Fox", "company": "Foxworks", "back": "p_back.jpg"},
    )
    truths = bench.load_truths(tmp_path)
    assert len(truths) == 1 and truths[0].back == back
    assert bench.photos_of(truths) == [front, back]
    merged = _record(front, name="Ann Fox", company="Foxworks", back="p_back.jpg")
    scores = bench.score(truths, [merged])
    assert scores.all_right == 1 and scores.extras == ()
    assert "| records of a back photo not merged with the front (FP) | 0 |" in (
        bench.render_secondary(scores)
    )
    # Before the pipeline merges pairs, the back gives a record of its own: an FP.
    unmerged = [_record(front, name="Ann Fox"), _record(back, company="Foxworks")]
    scores = bench.score(truths, unmerged)
    assert scores.unmatched == ()
    assert scores.cards[0].wrong == ("company",)
    assert scores.fields["company"] == bench.Counts(tp=0, fp=1, fn=1)
    assert [e.from_back for e in scores.extras] == [True]
    assert "not merged with the front (FP) | 1 |" in bench.render_secondary(scores)


def test_missing_back_photo_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _touch(tmp_path / "q_front.jpg")
    _write(tmp_path / "q_front.expected.json", {"name": "A", "back": "q_back.jpg"})
    with caplog.at_level(logging.WARNING, logger="bench"):
        [truth] = bench.load_truths(tmp_path)
    assert truth.back is None and "q_back.jpg" in caplog.text


# ----------------------------------------------------------------------------- calibration


def test_calibration_counts_values_above_and_below_the_threshold(tmp_path: Path) -> None:
    image = tmp_path / "c.jpg"
    truths = [
        bench.Truth(image=image, card=0, name=("Ann Fox",), title=("CEO",),
                    emails=("ann@fox.test", "info@fox.test")),
        bench.Truth(image=image, card=1, name=("Bo Lind",), title=("CFO",)),
    ]  # fmt: skip
    records = [
        # name right and sure; title wrong but unsure; one e-mail of two, unsure
        _record(image, card=0, name="Ann Fox", title="CEQ", emails=["ann@fox.test"],
                confidence={"name": 0.9, "title": 0.4, "emails": 0.5}),
        # name right but unsure; title right and sure; an address nobody expects (wrong)
        _record(image, card=1, name="Bo Lind", title="CFO", address="1 Main St",
                confidence={"name": 0.59, "title": 0.6, "address": 0.95}),
        # a spurious card: its sure name is wrong
        _record(image, card=2, name="Logo", confidence={"name": 0.99}),
    ]  # fmt: skip
    cal = bench.score(truths, records).calibration(0.6)
    assert cal["name"] == bench.Calibration(high_right=1, high_total=2, low_right=1, low_total=1)
    assert cal["title"] == bench.Calibration(high_right=1, high_total=1, low_right=0, low_total=1)
    assert cal["emails"] == bench.Calibration(low_total=1)
    assert cal["address"] == bench.Calibration(high_total=1)
    assert cal["phones"] == bench.Calibration()  # no value, no confidence: not counted
    text = bench.render_calibration(bench.score(truths, records), 0.6)
    assert "| field | ≥0.6 right/total (acc) | <0.6 right/total (acc) |" in text
    assert "| name | 1/2 (0.50) | 1/1 (1.00) |" in text
    assert "| phones | 0/0 | 0/0 |" in text
    assert "| all fields | 2/4 (0.50) | 1/3 (0.33) |" in text


def test_records_without_confidence_are_not_calibrated(tmp_path: Path) -> None:
    truths = [_truth(tmp_path, "n", name=("A B",))]
    scores = bench.score(truths, [_record(tmp_path / "n.png", name="A B")])
    assert all(c == bench.Calibration() for c in scores.calibration(0.6).values())


# ----------------------------------------------------------------------------- phones, names


def test_phone_types_by_type_and_extensions(tmp_path: Path) -> None:
    truths = [
        _truth(
            tmp_path, "ph",
            phones=("+18005550123", "+12125550188", "+12125550199"),
            phone_types=("toll-free", "work", "fax"), phone_exts=(None, "204", None),
        )
    ]  # fmt: skip
    records = [
        _record(
            tmp_path / "ph.png",
            phones=[
                {"e164": "+18005550123", "type": "work", "ext": None},  # toll-free typed work
                {"e164": "+12125550188", "type": "work", "ext": "x204"},  # ext right
                {"e164": "+12125550199", "type": "fax", "ext": "9"},  # an extension too many
            ],
        )
    ]
    scores = bench.score(truths, records)
    assert scores.phone_types == (2, 3)
    assert scores.phone_types_by_type() == {"toll-free": (0, 1), "work": (1, 1), "fax": (1, 1)}
    assert scores.extensions == (1, 2)
    text = bench.render_secondary(scores)
    assert "| phone type right, toll-free | 0/1 (0%) |" in text
    assert "| extension right, of phones found with one (truth or record) | 1/2 (50%) |" in text


def test_extensions_unknown_in_truth_jsonl_are_not_scored(tmp_path: Path) -> None:
    truths = [_truth(tmp_path, "j", phones=("+12125550188",), phone_types=("work",))]
    records = [_record(tmp_path / "j.png", phones=[{"e164": "+12125550188", "ext": "12"}])]
    assert bench.score(truths, records).extensions == (0, 0)


def test_name_split(tmp_path: Path) -> None:
    truths = [
        _truth(tmp_path, "a", name=("Tanaka Hiroshi",), given_name="Hiroshi", family_name="Tanaka"),
        _truth(tmp_path, "b", name=("Jan van der Berg",), given_name="Jan",
               family_name="van der Berg"),
        _truth(tmp_path, "c", name=("No Split",)),
    ]  # fmt: skip
    records = [
        _record(tmp_path / "a.png", name="TANAKA Hiroshi", given_name="HIROSHI",
                family_name="Tanaka"),
        _record(tmp_path / "b.png", name="Jan van der Berg", given_name="Jan", family_name="Berg"),
        _record(tmp_path / "c.png", name="No Split", given_name="No", family_name="Split"),
    ]  # fmt: skip
    scores = bench.score(truths, records)
    assert scores.name_split == (1, 2)
    assert "| given and family name right | 1/2 (50%) |" in bench.render_secondary(scores)


# ----------------------------------------------------------------------------- hard cases


def test_per_case_breakdown(tmp_path: Path) -> None:
    truths = [
        _truth(tmp_path, "q1", name=("A",), cases=("qr",)),
        _truth(tmp_path, "q2", name=("B",), cases=("qr", "caps")),
        _truth(tmp_path, "c1", name=("C",), company=("Co",), cases=("caps",)),
    ]
    records = [
        _record(tmp_path / "q1.png", name="A"),
        _record(tmp_path / "q2.png", name="X"),
        _record(tmp_path / "c1.png", name="C"),
    ]
    scores = bench.score(truths, records)
    cases = scores.cases()
    assert list(cases) == ["caps", "qr"]
    assert (cases["qr"].total, cases["qr"].all_right) == (2, 1)
    assert (cases["caps"].total, cases["caps"].all_right) == (2, 0)
    text = bench.render_cases(scores)
    assert "| qr | 2 | 1/2 (50%) | name 1 |" in text
    assert "| caps | 2 | 0/2 (0%) | name 1, company 1 |" in text
    assert text.index("| caps |") < text.index("| qr |")


def test_main_reports_calibration_and_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cards = tmp_path / "suite"
    cards.mkdir()
    _touch(cards / "us-qr-01.jpg")
    _touch(cards / "table-02.jpg")
    gen = {"cases": ["qr"]}
    _write(cards / "us-qr-01.expected.json", {"name": "Ann Fox", "generator": gen})
    _write(
        cards / "table-02.expected.json",
        [{"name": "Bo Lind", "generator": {"cases": ["table"]}},
         {"name": "Cy Moe", "generator": {"cases": ["table"]}}],
    )  # fmt: skip
    preds = tmp_path / "preds.jsonl"
    rows = [
        {"source": str(cards / "us-qr-01.jpg"), "name": "Ann Fox", "confidence": {"name": 0.9}},
        {"source": str(cards / "table-02.jpg"), "name": "Cy Moe", "confidence": {"name": 0.3}},
    ]
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "report.json"
    assert bench.main([str(cards), "--predictions", str(preds), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| all 3 | 0.80 | – | – | – | – | – | 2/3 |" in text
    assert "| name | 1/1 (1.00) | 1/1 (1.00) |" in text
    assert "| qr | 1 | 1/1 (100%) | – |" in text
    assert "| table | 2 | 1/2 (50%) | name 1 |" in text
    assert "| cards found in photos of several cards | 1/2 (50%), 0 extra |" in text
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["cases"] == {
        "qr": {"cards": 1, "every_field_right": 1},
        "table": {"cards": 2, "every_field_right": 1},
    }
    fields = report["accuracy"]["all"]["calibration"]["fields"]
    assert fields["name"]["below"] == {"right": 1, "total": 1}


def test_limit_counts_photos_not_cards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cards = tmp_path / "set"
    cards.mkdir()
    _touch(cards / "a.jpg")
    _touch(cards / "b.jpg")
    _write(cards / "a.expected.json", [{"name": "A1"}, {"name": "A2"}])
    _write(cards / "b.expected.json", {"name": "B"})
    preds = tmp_path / "p.jsonl"
    preds.write_text("", encoding="utf-8")
    assert bench.main([str(cards), "--predictions", str(preds), "--limit", "1"]) == 0
    assert "| all 2 |" in capsys.readouterr().out


def test_render_details_names_expected_card_and_record(tmp_path: Path) -> None:
    truths, image = _table(tmp_path)
    records = [
        _record(image, card=0, name="Bo Lind", emails=["bo@lind.test"]),
        _record(image, card=1, name="Logo Text", emails=["x@logo.test"]),
    ]
    text = bench.render_details(bench.score(truths, records))
    assert "| t.jpg | 0 | – | name, emails |" in text
    assert "| t.jpg | 1 | 0 | – |" in text
    assert "| t.jpg | – | 1 | extra record: FP name, emails |" in text


# ----------------------------------------------------------------------------- sources, flags


def test_group_and_kind_come_from_truth_jsonl_else_the_folder(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    _touch(real / "p1.jpg")
    _touch(real / "p2.jpg")
    rows = [
        {"file": "p1.jpg", "name": "Ada Quill", "group": "source-Z", "kind": "scan"},
        {"file": "p2.jpg", "name": "Bo Vane"},
    ]
    (real / "truth.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    made = tmp_path / "made"
    made.mkdir()
    _touch(made / "m.jpg")
    _write(made / "m.expected.json", {"name": "Cy Dorn"})
    p1, p2 = bench.load_truths(real)
    (m,) = bench.load_truths(made)
    assert (p1.source_label, p1.kind, p1.hand) == ("source-Z", "scan", True)
    assert (p2.source_label, p2.kind, p2.hand) == ("real", None, True)
    assert (m.source_label, m.kind, m.hand) == ("made", None, False)


def test_a_group_that_is_not_a_string_names_its_line(tmp_path: Path) -> None:
    _touch(tmp_path / "p.jpg")
    (tmp_path / "truth.jsonl").write_text(json.dumps({"file": "p.jpg", "group": 3}) + "\n")
    with pytest.raises(bench.TruthError, match=r"truth.jsonl:1 group"):
        bench.load_truths(tmp_path)


def _flag_set(tmp_path: Path) -> tuple[list[Any], list[dict[str, Any]]]:
    """Two sources; values right and wrong, above and below 0.6, hand-counted in the tests."""
    truths = [
        _truth(
            tmp_path,
            "a",
            name=("Ada Quill",),
            company=("Quill Works",),
            emails=("ada@quill.test", "info@quill.test"),
            phones=("+15550100", "+15550101"),
            group="src-1",
            kind="photo",
            hand=True,
            latin=True,
        ),
        _truth(tmp_path, "b", name=("Bo Vane",), title=("CEO",), group="src-2", hand=True),
    ]
    records = [
        {
            "source": str(tmp_path / "a.png"),
            "name": "Ada Quill",  # right, 0.9: not flagged
            "company": "Quil Works",  # wrong, 0.8: NOT flagged
            "emails": ["ada@quill.test", "bad@quill.test"],  # right 0.9; wrong 0.3 (flagged)
            "phones": ["+15550100"],  # right, flagged by the field's 0.5; +15550101 missed
            "confidence": {"name": 0.9, "company": 0.8, "emails": 0.3, "phones": 0.5},
            "value_confidence": {"emails": [0.9, 0.3]},
        },
        {
            "source": str(tmp_path / "b.png"),
            "name": "Bo Vane",  # right, no confidence: unscored
            "title": "CFO",  # wrong, 0.7: NOT flagged
            "confidence": {"title": 0.7},
        },
        # a second record of b's photo pairs with no card: its value is wrong
        {"source": str(tmp_path / "b.png"), "card": 1, "company": "Vane", "confidence": {}},
    ]
    return truths, records


def test_flags_count_each_value_once_against_the_threshold(tmp_path: Path) -> None:
    truths, records = _flag_set(tmp_path)
    flags = bench.score(truths, records).flags(0.6)
    assert flags["name"] == bench.Flags(right=1, unscored=1, squares=pytest.approx(0.01))
    assert (flags["company"].wrong, flags["company"].wrong_unflagged) == (1, 1)
    assert flags["company"].unscored == 1  # the extra record's company, without a confidence
    assert flags["company"].missed == 1
    assert (flags["emails"].right, flags["emails"].right_flagged) == (1, 0)
    assert (flags["emails"].wrong, flags["emails"].wrong_unflagged) == (1, 0)
    assert flags["emails"].missed == 1  # info@ was never read
    # no value_confidence for phones: the field's own confidence stands for each value
    assert (flags["phones"].right, flags["phones"].right_flagged, flags["phones"].missed) == (
        1,
        1,
        1,
    )
    assert (flags["title"].wrong, flags["title"].wrong_unflagged, flags["title"].missed) == (
        1,
        1,
        1,
    )
    total = flags["all"]
    assert (total.right, total.right_flagged, total.wrong, total.wrong_unflagged) == (3, 1, 3, 2)
    assert total.wrong_unflagged_share == pytest.approx(2 / 3)
    assert total.right_flagged_share == pytest.approx(1 / 3)
    assert total.brier == pytest.approx(
        ((0.9 - 1) ** 2 + 0.8**2 + (0.9 - 1) ** 2 + 0.3**2 + (0.5 - 1) ** 2 + 0.7**2) / 6
    )


def test_a_list_value_read_twice_counts_once() -> None:
    pred = bench.Prediction.from_record(
        {
            "source": "x",
            "emails": ["A@x.test", "a@x.test", "b@x.test"],
            "confidence": {"emails": 0.2},
            "value_confidence": {"emails": [0.9, 0.1, None]},
        }
    )
    assert pred.values("emails") == [("a@x.test", 0.9), ("b@x.test", 0.2)]


def test_scores_split_by_source_and_kind(tmp_path: Path) -> None:
    truths, records = _flag_set(tmp_path)
    scores = bench.score(truths, records)
    by_source = scores.by(lambda t: t.source_label)
    assert list(by_source) == ["src-1", "src-2"]
    assert [s.total for s in by_source.values()] == [1, 1]
    # the extra record goes with its photo's source
    assert len(by_source["src-2"].extras) == 1 and not by_source["src-1"].extras
    assert list(scores.by(lambda t: t.kind)) == ["photo"]  # unmarked cards are left out


def test_flag_tables_show_shares_per_set_and_field(tmp_path: Path) -> None:
    truths, records = _flag_set(tmp_path)
    scores = bench.score(truths, records)
    rows = [
        ("all 2", scores),
        *((f"source {k}", v) for k, v in scores.by(lambda t: t.group).items()),
    ]
    summary = bench.render_flag_summary(rows, 0.6)
    assert "| all 2 | 6 | 3 | 3 | 4 | 2 | 2/3 (67%) | 1/3 (33%) | 0.25 |" in summary
    assert "| source src-2 | 1 | 0 | 1 | 1 | 2 | 1/1 (100%) | – |" in summary
    wrong = bench.render_flag_fields(rows, 0.6, wrong=True)
    assert "| all 2 | – | 1/1 (100%) | 1/1 (100%) | 0/1 (0%) | – | – | 2/3 (67%) | – |" in wrong
    right = bench.render_flag_fields(rows, 0.6, wrong=False)
    assert (
        "| source src-1 | 0/1 (0%) | – | – | 0/1 (0%) | 1/1 (100%) | – | 1/3 (33%) | – |" in right
    )


def test_targets_are_checked_on_hand_checked_latin_cards(tmp_path: Path) -> None:
    truths, records = _flag_set(tmp_path)
    made = _truth(tmp_path / "gen", "g", name=("Cy Dorn",))
    scores = bench.score([*truths, made], [*records, _record(made.image, name="Cy Dorn")])
    checks = {t.label.split(" (")[0]: t for t in bench.targets(scores, 0.6)}
    # only card a is hand-checked AND marked Latin: its company, emails, phones are wrong
    assert checks["every field right ≥60%"].measured == "0/1 (0%)"
    assert checks["every field right ≥60%"].met is False
    assert checks["F1 name ≥0.92"].met is True
    assert checks["F1 title ≥0.88"].met is None  # a has no title: nothing to measure
    assert checks["F1 emails ≥0.95"].measured == "0.50"
    assert checks["wrong values unflagged ≤15%"].measured == "1/2 (50%)"
    assert checks["right values flagged ≤10%"].met is False
    assert checks["gen"].measured == "1/1 (100%)" and checks["gen"].met is True
    text = bench.render_targets(list(checks.values()))
    assert "| F1 name ≥0.92 | 1.00 | ✓ |" in text
    assert "| F1 title ≥0.88 | – | – |" in text
    assert "| F1 company ≥0.85 | 0.00 | ✗ |" in text


def test_speed_targets_and_stage_shares(tmp_path: Path) -> None:
    truths, records = _flag_set(tmp_path)
    scores = bench.score(truths, records)
    a, b = (str(t.image) for t in truths)
    timing_a = {"find": 0.5, "ocr": 2.0, "parse": 0.25, "qr": 0.25, "total": 3.5}
    timing_b = {"find": 0.5, "ocr": 1.0, "total": 1.5}
    one = bench.SpeedRun("cardscan", 1, 2, 5.0, 2, 0, timings={a: timing_a, b: timing_b})
    two = bench.SpeedRun("cardscan", 2, 2, 2.5, 2, 0, timings={a: timing_a})
    assert one.stages() == {
        "find": 1.0, "ocr": 3.0, "parse": 0.25, "qr": 0.25, "other": 0.5, "total": 5.0
    }  # fmt: skip
    assert one.stages([b])["other"] == 0.0
    checks = {
        t.label.split(" on ")[0].split(" ≥")[0]: t for t in bench.targets(scores, 0.6, [one, two])
    }
    assert checks["--jobs 1 s/photo"].measured == "2.50" and checks["--jobs 1 s/photo"].met is True
    assert checks["--jobs 2 speed-up over --jobs 1"].measured == "2.00×"
    assert checks["--jobs 2 speed-up over --jobs 1"].met is True
    table = bench.render_stages([one, two], {a: "src-1", b: "src-2"})
    assert "| --jobs 1, all | 2 | 2.50 | 20% | 60% | 5% | 5% | 10% |" in table
    assert "| --jobs 1, src-2 | 1 | 1.50 | 33% | 67% | 0% | 0% | 0% |" in table
    assert "| --jobs 2, src-1 | 1 | 3.50 |" in table
    assert "--jobs 2, src-2" not in table  # no photo of it timed
    assert bench.speedups([one, two]) == [
        "--jobs 2 reads 2.00× as fast as --jobs 1 (wall 2.5 s against 5.0 s)."
    ]
    assert bench.speedups([two]) == []


def test_run_cardscan_keeps_timings_and_each_values_confidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cardscan.models import CardResult, Contact, Field

    path = tmp_path / "a.png"
    emails = (Field("a@x.test", 0.9), Field("b@x.test", 0.4))
    result = CardResult(
        source=str(path), contact=Contact(emails=emails), timings={"ocr": 1.0, "total": 1.5}
    )

    def scan_batch(ps: Sequence[Path], settings: Any, on_result: Any = None) -> Iterator[Any]:
        on_result(result)
        yield result

    fake = types.ModuleType("cardscan.reading.pipeline")
    fake.scan_batch = scan_batch  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cardscan.reading.pipeline", fake)
    run, [record] = bench.run_cardscan([path], bench.Settings(), bench.Progress("x", 1, None))
    assert run.timings == {str(path): {"ocr": 1.0, "total": 1.5}}
    assert record["value_confidence"] == {"emails": [0.9, 0.4], "phones": [], "websites": []}
    assert record["confidence"]["emails"] == 0.4  # the public record keeps the least
    assert "timings" not in record


def test_the_pipeline_times_each_stage_of_a_photo(
    monkeypatch: pytest.MonkeyPatch, fake_info: Any, tmp_path: Path
) -> None:
    import numpy as np
    from conftest import words_result

    from cardscan.config import Settings
    from cardscan.reading import imaging, pipeline

    blank = np.full((300, 500, 3), 255, np.uint8)
    lines = ["Jane Doe", "Head of Sales", "jane.doe@larkfield.test", "+1 212 555 0100"]
    monkeypatch.setattr(imaging, "load_image", lambda *a, **k: blank)
    monkeypatch.setattr(imaging, "find_cards", lambda image: [imaging.Card(blank, None, 0.0)] * 2)
    monkeypatch.setattr(pipeline, "read_card", lambda *a, **k: words_result(lines))
    first, second = pipeline.process_image(tmp_path / "x.jpg", Settings(), fake_info)
    assert first.ok and second.ok
    assert set(first.timings) == {"find", "ocr", "qr", "parse", "total"}
    assert first.timings is second.timings  # one photo's timings, shared by its cards
    parts = sum(v for k, v in first.timings.items() if k != "total")
    assert 0 < parts <= first.timings["total"]
    assert "timings" not in first.to_record()
    # timings are bookkeeping: they never make two results differ
    assert first == dataclasses.replace(first, timings={})


def test_ocr_recorded_once_is_replayed_and_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `calibrate.py record` keeps what OCR read; `--ocr` parses it again and scores it,
    # without Tesseract and without a speed table.
    from conftest import card_result

    calibrate = load_script("calibrate")
    photo = tmp_path / "c_1.jpg"
    photo.write_bytes(b"")
    truth = {
        "name": "Ada Quill",
        "title": "Head of Research",
        "company": "Northwind Labs Inc.",
        "emails": ["ada.quill@northwind.example"],
    }
    (tmp_path / "c_1.expected.json").write_text(json.dumps(truth), encoding="utf-8")
    ocr = card_result(
        ("Ada Quill", 50), "Head of Research", "Northwind Labs Inc.", "ada.quill@northwind.example"
    )
    cache = tmp_path / "ocr.jsonl"
    recorded = calibrate.RecordedPhoto(photo, tmp_path, (calibrate.RecordedCard(ocr),))
    cache.write_text(recorded.to_json() + "\n", encoding="utf-8")
    assert bench.main([str(tmp_path), "--ocr", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "| source " in out and "## Speed" not in out
    assert "| all 1 | 1.00 | 1.00 | 1.00 | 1.00 | – | – | 1/1 |" in out
    missing = tmp_path / "none.jsonl"
    assert bench.main([str(tmp_path), "--ocr", str(missing)]) != 0
    assert "no such OCR cache" in capsys.readouterr().err


def test_a_script_loads_its_siblings_by_name_and_says_when_one_is_missing() -> None:
    siblings = load_script("siblings")
    bench = siblings.load_sibling("bench", "cardscan_bench_under_test")
    assert sys.modules["cardscan_bench_under_test"] is bench and callable(bench.main)
    with pytest.raises(SystemExit, match=r"no_such_script\.py: it is missing"):
        siblings.load_sibling("no_such_script", "cardscan_no_such_script")
    assert "cardscan_no_such_script" not in sys.modules
