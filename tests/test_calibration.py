"""Tests for cardscan.reading.calibration and scripts/calibrate.py: confidence maps, their fit."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
from conftest import card_result as card
from conftest import load_script

from cardscan.models import Box, Contact, Field, OcrResult, Phone, Word
from cardscan.reading import calibration
from cardscan.reading.parse import parse_card, parse_card_readings

calibrate = load_script("calibrate")


def _random_features(kind: str, rng: random.Random) -> dict[str, float]:
    return {f: rng.choice((0.0, 1.0, rng.random())) for f in calibration.SIGNS[kind]}


@pytest.mark.parametrize("kind", calibration.FIELDS)
def test_every_field_has_a_model_over_its_declared_features(kind: str) -> None:
    assert set(calibration.MODELS[kind].weights) == set(calibration.SIGNS[kind])


@pytest.mark.parametrize("kind", calibration.FIELDS)
def test_weights_keep_their_declared_signs(kind: str) -> None:
    model = calibration.MODELS[kind]
    for feature, sign in calibration.SIGNS[kind].items():
        assert model.weights[feature] * sign >= 0, feature
        least = calibration.MIN_EFFECT.get(kind, {}).get(feature, 0.0)
        assert abs(model.weights[feature]) >= least - 1e-9, feature


@pytest.mark.parametrize("kind", calibration.FIELDS)
def test_confidence_is_monotone_in_each_feature_and_within_bounds(kind: str) -> None:
    rng = random.Random(kind)
    for _ in range(200):
        base = _random_features(kind, rng)
        for feature, sign in calibration.SIGNS[kind].items():
            low = calibration.confidence(kind, {**base, feature: 0.0})
            high = calibration.confidence(kind, {**base, feature: 1.0})
            for c in (low, high):
                assert calibration.FLOOR <= c <= calibration.CEILING
            assert (high - low) * sign >= 0, (feature, base)


def test_unknown_features_and_fields_are_refused() -> None:
    with pytest.raises(KeyError, match="ocrr"):
        calibration.confidence("name", {"ocrr": 1.0})
    with pytest.raises(KeyError):
        calibration.confidence("fax", {})


def test_probability_is_the_logistic_of_the_score() -> None:
    model = calibration.Model(-1.0, {"a": 2.0, "b": -3.0})
    assert model.score({"a": 1.0}) == pytest.approx(1.0)
    assert model.probability({"a": 1.0}) == pytest.approx(0.7310586)
    assert model.probability({"b": 1.0}) == pytest.approx(0.0179862)
    # A huge negative score neither overflows nor leaves 0..1.
    assert 0.0 <= calibration.Model(-1000.0).probability({}) < 1e-300


def test_an_invalid_value_or_a_guess_stays_under_review() -> None:
    sure = {f: 1.0 for f, sign in calibration.SIGNS["phones"].items() if sign > 0}
    assert calibration.confidence("phones", sure) > 0.9
    assert calibration.confidence("phones", {**sure, "valid": 0.0}) <= calibration.INVALID_CAP
    assert calibration.confidence("phones", {**sure, "rivals": 1.0}) <= calibration.GUESS_CAP


def test_a_name_the_email_confirms_is_surer_than_the_same_name_unconfirmed() -> None:
    confirmed = parse_card(card(("Ana Lima", 60), "Sales Manager", "ana.lima@orbel.com"))
    unconfirmed = parse_card(card(("Ana Lima", 60), "Sales Manager", "info@orbel.com"))
    assert confirmed.name is not None and unconfirmed.name is not None
    assert confirmed.name.value == unconfirmed.name.value
    assert confirmed.name.confidence > unconfirmed.name.confidence


def test_an_email_the_website_confirms_is_surer_than_one_it_contradicts() -> None:
    lines: list[str | tuple[str, int]] = [("Ana Lima", 60), "Sales Manager", "info@orbel.com"]
    confirmed = parse_card(card(*lines, "www.orbel.com"))
    contradicted = parse_card(card(*lines, "www.quantiv.net"))
    assert confirmed.emails[0].value == contradicted.emails[0].value == "info@orbel.com"
    assert confirmed.emails[0].confidence > contradicted.emails[0].confidence


def test_a_poorly_read_value_is_less_sure() -> None:
    lines: list[str | tuple[str, int]] = [("Ana Lima", 60), "Sales Manager", "Tel +44 20 7946 0958"]
    clear, blurred = parse_card(card(*lines)), parse_card(card(*lines, conf=0.6))
    assert clear.name is not None and blurred.name is not None
    assert blurred.name.confidence < clear.name.confidence
    assert blurred.phones[0].confidence < clear.phones[0].confidence


def test_readings_give_the_features_behind_each_confidence() -> None:
    ocr = card(("Ana Lima", 60), "Sales Manager", "ana.lima@orbel.com", "Tel +44 20 7946 0958")
    contact, readings = parse_card_readings(ocr)
    assert contact == parse_card(ocr)
    by_kind = {r.kind: r for r in readings}
    assert contact.name is not None and by_kind["name"].value == contact.name.value
    assert by_kind["name"].confidence == contact.name.confidence
    assert by_kind["name"].features["email"] == 1.0
    assert by_kind["phones"].value == contact.phones[0].value.number == "+442079460958"
    assert by_kind["phones"].confidence == contact.phones[0].confidence
    for r in readings:
        assert calibration.confidence(r.kind, r.features) == r.confidence
        assert all(0.0 <= v <= 1.0 for v in r.features.values())


# --------------------------------------------------------------------------- the fit


def test_fit_learns_which_way_a_feature_points_and_keeps_forbidden_signs_at_zero() -> None:
    rng = random.Random(7)
    x, y = [], []
    for _ in range(400):
        good, noise = rng.random(), rng.random()
        x.append([good, noise])
        y.append(float(rng.random() < 0.1 + 0.85 * good))
    _intercept, (w_good, _w_noise) = calibrate.fit_logistic(x, y, [+1, +1])
    assert w_good > 2.0
    # The data pushes the second weight nowhere; as "good" it may not go below zero.
    _i, (_w, w_bad) = calibrate.fit_logistic(x, y, [+1, -1])
    assert w_bad <= 0.0
    _i, (w_least, _n) = calibrate.fit_logistic(x, y, [+1, +1], least=[10.0, 0.0])
    assert w_least >= 10.0


def test_fit_models_gives_every_field_a_model_from_labelled_readings() -> None:
    rng = random.Random(3)
    labelled = []
    for _ in range(300):
        ocr = rng.random()
        reading = calibration.Reading("name", "x", {"ocr": ocr}, 0.5)
        labelled.append(calibrate.Labelled(reading, rng.random() < ocr))
    models = calibrate.fit_models(labelled)
    assert set(models) == set(calibration.FIELDS)
    assert models["name"].weights["ocr"] > calibration.MIN_EFFECT["name"]["ocr"] - 1e-9
    assert models["name"].probability({"ocr": 0.1}) < models["name"].probability({"ocr": 0.9})
    code = calibrate.render_models(models, labelled)
    assert '"name": Model(' in code and "# 300 values" in code


def test_tally_counts_caught_errors_flagged_values_and_bins() -> None:
    tally = calibrate.Tally(((0.3, False), (0.5, True), (0.7, False), (0.95, True), (1.0, True)))
    assert tally.caught(0.6) == (1, 2, 1, 3)
    bins = tally.bins(2)
    assert [(n, round(acc, 2)) for _lo, _hi, n, _mean, acc in bins] == [(1, 0.0), (4, 0.75)]
    assert tally.brier() == pytest.approx((0.09 + 0.25 + 0.49 + 0.0025 + 0.0) / 5)
    assert calibrate.Tally(()).brier() is None


# --------------------------------------------------------------------------- second stage


def _evidence(**on: float) -> dict[str, float]:
    return {f: on.get(f, 0.0) for f in calibration.EVIDENCE_SIGNS}


def test_the_identity_second_stage_leaves_the_parser_confidence_as_it_is() -> None:
    identity = calibration.Recalibration()
    for p in (0.1, 0.3, 0.45, 0.61, 0.8, 0.97):
        assert calibration.recalibrated("name", p, _evidence(), identity) == pytest.approx(p)
    # clamped like the parser's
    assert calibration.recalibrated("name", 0.9999, _evidence(), identity) == calibration.CEILING


def test_shipped_second_stage_keeps_its_signs() -> None:
    model = calibration.RECALIBRATION
    assert set(model.weights) <= set(calibration.EVIDENCE_SIGNS)
    for feature, sign in calibration.EVIDENCE_SIGNS.items():
        assert model.weights.get(feature, 0.0) * sign >= 0, feature
    assert all(slope >= 0 for slope in model.slopes.values())
    assert set(model.intercepts) <= set(calibration.FIELDS)


@pytest.mark.parametrize("kind", calibration.FIELDS)
def test_second_stage_is_monotone_in_the_parser_and_in_each_evidence(kind: str) -> None:
    rng = random.Random(kind)
    model = calibration.Recalibration(
        {kind: 0.3}, {kind: 1.2}, {f: 1.5 * s for f, s in calibration.EVIDENCE_SIGNS.items()}
    )
    for _ in range(100):
        base = {f: rng.choice((0.0, 1.0, rng.random())) for f in calibration.EVIDENCE_SIGNS}
        p = rng.random()
        for feature, sign in calibration.EVIDENCE_SIGNS.items():
            low = calibration.recalibrated(kind, p, {**base, feature: 0.0}, model)
            high = calibration.recalibrated(kind, p, {**base, feature: 1.0}, model)
            assert (high - low) * sign >= 0, (feature, base, p)
        assert calibration.recalibrated(kind, p, base, model) <= calibration.recalibrated(
            kind, min(1.0, p + 0.2), base, model
        )


def test_evidence_never_clears_a_value_the_parser_held_back_and_doubts_hold_it() -> None:
    eager = calibration.Recalibration({"phones": 3.0}, {"phones": 1.0}, {"second_agrees": 5.0})
    held = calibration.recalibrated("phones", 0.4, _evidence(second_agrees=1.0), eager)
    assert held <= 0.4
    assert calibration.recalibrated("phones", 0.7, _evidence(second_agrees=1.0), eager) > 0.9
    for doubt in calibration.DOUBTS:
        doubted = calibration.recalibrated("phones", 0.99, _evidence(**{doubt: 1.0}), eager)
        assert doubted <= calibration.DOUBT_CAP
    with pytest.raises(KeyError, match="secnd"):
        calibration.recalibrated("name", 0.9, {"secnd": 1.0})


def _words(*items: tuple[str, float]) -> OcrResult:
    words = tuple(
        Word(text, conf, Box(10 + 80 * i, 10, 70, 20), 1, 1, 1)
        for i, (text, conf) in enumerate(items)
    )
    return OcrResult(words, 600, 300)


def test_word_confidence_is_the_least_sure_word_the_value_was_read_from() -> None:
    ocr = _words(("Ana", 0.9), ("Lima", 0.3), ("Sales", 0.2), ("+44", 0.95), ("7946", 0.6))
    assert calibration.word_confidence("Ana Lima", ocr.words) == 0.3
    assert calibration.word_confidence("+44 7946", ocr.words) == 0.6  # "44" is too short alone
    assert calibration.word_confidence("Quantiv", ocr.words) is None


def test_evidence_features_of_a_card() -> None:
    ocr = _words(("info@orbel.com", 0.9), ("www.orbei.com", 0.92), ("Orbel", 0.95))
    contact = Contact(
        company=Field("Orbel", 0.9, raw="Orbel"),
        emails=(Field("info@orbel.com", 0.9, raw="info@orbel.com"),),
        websites=(Field("www.orbei.com", 0.9, raw="www.orbei.com"),),
    )
    seen = calibration.Evidence(found=False)
    read_twice = replace(ocr, second="info@orbel.com www.orbel.com")
    site = calibration.evidence_features(
        "websites", "www.orbei.com", "www.orbei.com", read_twice, seen, contact
    )
    assert site["whole_photo"] == 1.0
    assert site["second_differs"] == 1.0 and site["second_agrees"] == 0.0
    assert site["near_miss"] == 1.0  # orbei is one letter from the e-mail's orbel
    assert site["weak_word"] == pytest.approx(0.08)
    email = calibration.evidence_features(
        "emails", "info@orbel.com", "info@orbel.com", ocr, calibration.Evidence(), contact
    )
    assert email["whole_photo"] == 0.0 and email["second_agrees"] == email["second_differs"] == 0
    second = replace(ocr, second="info@orbel.com www.orbel.com +49 330")
    long = calibration.evidence_features(
        "phones", "+4931408063140083", "", second, calibration.Evidence()
    )
    assert long["long_number"] == 1.0 and long["second_differs"] == 1.0


def test_a_second_reading_that_read_little_of_the_card_says_nothing() -> None:
    # The second engine failed on most lines: a value it lacks is no disagreement.
    ocr = _words(("Orbel", 0.95), ("info@orbel.com", 0.9), ("www.orbel.com", 0.92))
    scrap = replace(ocr, second="Orbel")
    email = calibration.evidence_features(
        "emails", "info@orbel.com", "", scrap, calibration.Evidence()
    )
    assert email["second_differs"] == email["second_agrees"] == 0.0
    enough = replace(ocr, second="Orbel\ninfo@orbe1.com\nwww.orbel.com")
    email = calibration.evidence_features(
        "emails", "info@orbel.com", "", enough, calibration.Evidence()
    )
    assert email["second_differs"] == 1.0


def test_a_value_the_second_engine_read_otherwise_is_held_for_a_look() -> None:
    # Two engines reading the same line differently: one of them is wrong, a person decides.
    ocr = _words(("Bureau", 0.95), ("Belvédére", 0.93), ("SAS", 0.95))
    contact = Contact(company=Field("Bureau Belvédére SAS", 0.95, raw="Bureau Belvédére SAS"))
    differs = replace(ocr, second="Bureau Belvèdère SAS")  # accents count
    out = calibration.recalibrate(contact, differs, calibration.Evidence())
    assert out.company is not None and out.company.confidence <= calibration.DOUBT_CAP
    agrees = replace(ocr, second="Bureau Belvédére SAS")
    out = calibration.recalibrate(contact, agrees, calibration.Evidence())
    assert out.company is not None and out.company.confidence >= 0.6


def test_recalibrate_flags_a_value_with_a_garbled_word() -> None:
    ocr = _words(("Managing", 0.93), ("Drecto", 0.1), ("Ana", 0.95), ("Lima", 0.95))
    contact = Contact(
        name=Field("Ana Lima", 0.95, raw="Ana Lima"),
        title=Field("Managing Drecto", 0.96, raw="Managing Drecto"),
    )
    out = calibration.recalibrate(contact, ocr, calibration.Evidence())
    assert out.title is not None and out.title.confidence <= calibration.DOUBT_CAP
    assert out.name is not None and out.name.confidence >= 0.6
    assert out.name.value == "Ana Lima" and out.name.raw == "Ana Lima"


def test_a_card_read_as_the_whole_photo_is_less_sure(monkeypatch: pytest.MonkeyPatch) -> None:
    from cardscan.config import Settings
    from cardscan.reading import pipeline

    doubtful = calibration.Recalibration(weights={"whole_photo": -3.0})
    monkeypatch.setattr(calibration, "RECALIBRATION", doubtful)
    ocr = card(("Ana Lima", 60), "Sales Manager", "ana.lima@orbel.com", "Tel +44 20 7946 0958")
    found = pipeline.card_result("x", 0, ocr, [], Settings(), 0.0)
    whole = pipeline.card_result(
        "x", 0, ocr, [], Settings(), 0.0, evidence=calibration.Evidence(found=False)
    )
    assert found.contact.name is not None and whole.contact.name is not None
    assert whole.contact.name.confidence < found.contact.name.confidence
    assert whole.contact.name.value == found.contact.name.value


def test_a_second_reading_counts_whatever_evidence_the_caller_passes() -> None:
    # The second reading is the OCR result's alone: evidence about the photo cannot drop it.
    from cardscan.config import Settings
    from cardscan.reading import pipeline

    ocr = card(("Ana Lima", 60), "Sales Manager", "ana.lima@orbel.com", "Tel +44 20 7946 0958")
    other = replace(ocr, second="Ana Lima\nSales Manager\nana.lirna@orbel.com\n+44 20 7946 0958")
    for evidence in (None, calibration.Evidence(found=False)):
        alone = pipeline.card_result("x", 0, ocr, [], Settings(), 0.0, evidence=evidence)
        doubted = pipeline.card_result("x", 0, other, [], Settings(), 0.0, evidence=evidence)
        (mail,), (doubted_mail,) = alone.contact.emails, doubted.contact.emails
        assert doubted_mail.confidence <= calibration.DOUBT_CAP < mail.confidence


def _points(rng: random.Random, source: str, n: int) -> list[object]:
    """Values whose weak_word really predicts errors; the parser's confidence is a coin."""
    out = []
    for _ in range(n):
        weak = rng.random()
        right = rng.random() < 0.95 - 0.8 * weak
        evidence = _evidence(weak_word=weak)
        out.append(calibrate.ValuePoint(source, "emails", 0.9, evidence, right))
    return out


def test_the_second_stage_fit_learns_the_evidence_and_is_checked_per_source() -> None:
    rng = random.Random(11)
    points = _points(rng, "gen", 300) + _points(rng, "real-1", 150) + _points(rng, "real-2", 150)
    model = calibrate.fit_recalibration(points, l2=1.0)
    assert model.weights["weak_word"] < -1.5
    assert model.weights["second_agrees"] == 0.0  # never seen: left alone
    held = calibrate.leave_one_source_out(points, l2=1.0)
    assert [h.source for h in held] == ["gen", "real-1", "real-2"]
    assert [len(h.after.points) for h in held] == [300, 150, 150]
    for h in held:  # the parser said 0.9 to all: nothing flagged before, errors caught after
        wrong_below_before = h.before.caught(0.6)[0]
        wrong_below_after = h.after.caught(0.6)[0]
        assert wrong_below_before == 0 and wrong_below_after > 0
    table = calibrate.render_held_out(held, 0.6)
    assert "| real-1 | 150 |" in table
    assert "| all, each by a fit without it | 600 |" in table
    code = calibrate.render_recalibration(model, points)
    assert "600 values" in code and "RECALIBRATION = Recalibration(" in code
    namespace: dict[str, object] = {"Recalibration": calibration.Recalibration}
    exec(code, namespace)  # the printed coefficients paste back as they are
    assert namespace["RECALIBRATION"] == model


def test_an_offset_fit_starts_from_the_given_log_odds() -> None:
    rng = random.Random(5)
    z = [rng.uniform(-3, 3) for _ in range(2000)]
    y = [float(rng.random() < 1 / (1 + math.exp(-v))) for v in z]
    intercept, (_w,) = calibrate.fit_logistic([[0.0] for _ in z], y, [0], offset=z)
    assert abs(intercept) < 0.2


def test_a_second_reading_reaches_the_second_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from cardscan.config import Settings
    from cardscan.reading import pipeline

    strict = calibration.Recalibration(weights={"second_agrees": 1.0, "second_differs": -4.0})
    monkeypatch.setattr(calibration, "RECALIBRATION", strict)
    ocr = card(("Ana Lima", 60), "Sales Manager", "ana.lima@orbel.com", "Tel +44 20 7946 0958")
    agreed = dataclasses.replace(ocr, second=ocr.text)
    differs = dataclasses.replace(ocr, second=ocr.text.replace("orbel", "orbei"))
    assert OcrResult.from_dict(differs.to_dict()) == differs
    assert "second" not in ocr.to_dict()  # recorded OCR without a second reading is unchanged
    sure = pipeline.card_result("x", 0, agreed, [], Settings(), 0.0).contact
    unsure = pipeline.card_result("x", 0, differs, [], Settings(), 0.0).contact
    assert sure.emails[0].confidence >= 0.6 > unsure.emails[0].confidence
    assert unsure.name is not None and unsure.name.confidence >= 0.6  # its text agrees


def test_the_threshold_sweep_counts_held_out_values() -> None:
    before = calibrate.Tally(((0.9, False), (0.9, True), (0.4, True)))
    after = calibrate.Tally(((0.55, False), (0.9, True), (0.4, True)))
    table = calibrate.render_sweep([calibrate.HeldOut("s", before, after)], (0.5, 0.6))
    assert "| 0.5 | 1/1 (100%) → 1/1 (100%) | 1/2 (50%) → 1/2 (50%) |" in table
    assert "| 0.6 | 1/1 (100%) → 0/1 (0%) | 1/2 (50%) → 1/2 (50%) |" in table


def test_the_second_reading_keeps_what_rapidocr_read(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    from conftest import TesseractInfo
    from test_engines import _card, _with_fakes

    from cardscan.config import Settings
    from cardscan.reading import read

    info = TesseractInfo("/nonexistent/tesseract", "5.5.0", "setting", None, ("eng",))
    card_image, words = _card([("Jane Doe", 40), ("jane@doe.example", 140)])
    answers = [("Jane Doe", 0.99), ("jane@dne.example", 0.5)]  # a doubtful second line
    _with_fakes(monkeypatch, card_image, words, answers)
    result = read.read_card(np.dstack([card_image] * 3), info, Settings(lang="eng"))
    assert result.text.splitlines() == ["Jane Doe", "jane@doe.example"]  # Tesseract's kept
    assert result.second == "Jane Doe\njane@dne.example"  # but the disagreement is known
    email = calibration.evidence_features(
        "emails", "jane@doe.example", "jane@doe.example", result, calibration.Evidence()
    )
    assert email["second_differs"] == 1.0


# --------------------------------------------------------------------------- websites, glued words


@pytest.mark.parametrize(
    "url",
    [
        "bit.ly/3xK9pQ",
        "https://qrco.de/bXk29Lp",
        "www.me-qr.com/AbCdEf",
        "qr.example-service.io/7f3a9c2e-1b4d-4e8f-9a6b-2c5d8e1f3a7b",
        "links.example.org/u/a8F3k29xQ",
    ],
)
def test_a_redirect_is_no_firm_website(url: str) -> None:
    assert calibration.is_redirect(url)


@pytest.mark.parametrize(
    "url", ["www.orbel.com", "orbel.com/en/contact", "www.orbel-logistik.de/team/ana-lima"]
)
def test_a_firm_website_is_no_redirect(url: str) -> None:
    assert not calibration.is_redirect(url)


def _site_card(*sites: str, company: str | None = "Orbel Freight") -> Contact:
    return Contact(
        name=Field("Ana Lima", 0.95, raw="Ana Lima"),
        company=Field(company, 0.9, raw=company) if company else None,
        emails=(Field("ana.lima@orbel.com", 0.97, raw="ana.lima@orbel.com"),),
        websites=tuple(Field(s, 0.97, raw=s) for s in sites),
    )


def test_websites_the_card_does_not_vouch_for_are_held_for_review() -> None:
    cap = calibration.DOUBT_CAP
    out = calibration.checked_sites(_site_card("www.orbel.com", "www.harbourpartners.net"))
    assert [f.confidence for f in out.websites] == [0.97, cap]  # the second site: a partner's?
    out = calibration.checked_sites(_site_card("www.orbel.com", "https://qrco.de/bXk29Lp"))
    assert [f.confidence for f in out.websites] == [0.97, cap]
    # One site only, or two the e-mail and the company both vouch for: nothing to doubt.
    lone = calibration.checked_sites(_site_card("www.quantiv.io"))
    assert [f.confidence for f in lone.websites] == [0.97]
    both = calibration.checked_sites(_site_card("www.orbel.com", "orbelfreight.de", company=None))
    assert [f.confidence for f in both.websites] == [0.97, cap]
    spelled = calibration.checked_sites(_site_card("www.orbel.com", "www.freight.de"))
    assert [f.confidence for f in spelled.websites] == [0.97, 0.97]  # the company spells it
    assert calibration.checked_sites(Contact()) == Contact()


def test_a_qr_code_redirect_is_flagged_on_the_card() -> None:
    from cardscan.config import Settings
    from cardscan.reading import pipeline

    ocr = card(("Ana Lima", 60), "Sales Manager", "ana.lima@orbel.com", "www.orbel.com")
    plain = pipeline.card_result("x", 0, ocr, [], Settings(), 0.0).contact
    coded = pipeline.card_result("x", 0, ocr, ["https://qrco.de/bXk29Lp"], Settings(), 0.0)
    sites = {f.value: f.confidence for f in coded.contact.websites}
    assert [f.confidence >= 0.6 for f in plain.websites] == [True]
    assert sites["www.orbel.com"] >= 0.6
    assert [v for v, c in sites.items() if c < 0.6] == ["qrco.de/bXk29Lp"]


def test_words_run_together_hold_a_name_or_title_for_review() -> None:
    ocr = _words(("Managing", 0.95), ("DirectorGerente", 0.95), ("Ana", 0.95), ("McDonald", 0.95))
    contact = Contact(
        name=Field("Ana McDonald", 0.95, raw="Ana McDonald"),
        title=Field("Managing DirectorGerente", 0.96, raw="Managing DirectorGerente"),
        company=Field("LinkedIn Freight", 0.95, raw="LinkedIn Freight"),
    )
    out = calibration.recalibrate(contact, ocr, calibration.Evidence())
    assert out.title is not None and out.title.confidence <= calibration.DOUBT_CAP
    assert out.name is not None and out.name.confidence >= 0.6  # "McDonald": a name's capital
    assert out.company is not None and out.company.confidence >= 0.6  # brands glue words too


# --------------------------------------------------------------------------- parser hints


def test_the_parser_hands_its_hints_to_the_second_stage() -> None:
    ocr = card(
        ("Ana Lima", 60),
        "Sales Manager",
        "Orbel Freight Ltd",
        "ana.lima@orbel.com",
        "Tel 7946 0958",
    )
    _contact, readings = parse_card_readings(ocr)
    hints = {r.kind: r.hints for r in readings}
    for kind in ("name", "title", "company"):
        assert set(hints[kind]) == {"role_doubt", "thin_margin"}, kind
        assert 0.0 <= hints[kind]["role_doubt"] < 0.5
    assert hints["name"]["thin_margin"] == 0.0  # the e-mail spells the name
    assert set(hints["phones"]) == {"region_guess"}


def test_a_phone_whose_country_nothing_names_is_a_hint_the_second_stage_weighs() -> None:
    lines = [("Ana Lima", 60), "Sales Manager", "ana.lima@orbel.com"]

    def hint(*more: str) -> float:
        _contact, readings = parse_card_readings(card(*lines, *more))
        (phone,) = [r for r in readings if r.kind == "phones"]
        return phone.hints["region_guess"]

    assert hint("Tel 212 736 0134") == 1.0
    assert hint("Tel +1 212 736 0134") == 0.0  # printed with its country code
    assert hint("350 Example Avenue, New York, NY 10118, USA", "Tel 212 736 0134") == 0.0

    phone = Phone("212 736 0134", "+12127360134", valid=True)
    contact = Contact(phones=(Field(phone, 0.95, raw=phone.raw),))
    reading = calibration.Reading("phones", "+12127360134", {}, 0.95, {"region_guess": 1.0})
    wary = calibration.Recalibration(weights={"region_guess": -6.0})
    ocr = _words(("212", 0.95), ("736", 0.95), ("0134", 0.95))
    plain = calibration.recalibrate(contact, ocr, calibration.Evidence(), wary)
    hinted = calibration.recalibrate(contact, ocr, calibration.Evidence(), wary, [reading])
    assert plain.phones[0].confidence >= 0.6 > hinted.phones[0].confidence


@pytest.mark.parametrize(
    ("kind", "value", "doubt"),
    [
        ("title", "Referentin der", "open_end"),  # the title's next line was lost
        ("title", "Head of", "open_end"),
        ("company", "Quill &", "open_end"),
        ("company", "ans Health LLP", "cut_start"),  # its first letters were cut off
        ("name", "Ada Adaquillfeather Quill", "repeated"),  # merged with its e-mail
    ],
)
def test_a_value_cut_short_or_merged_is_held_for_a_look(kind: str, value: str, doubt: str) -> None:
    ocr = _words(*((w, 0.95) for w in value.split()))
    feats = calibration.evidence_features(kind, value, value, ocr, calibration.Evidence())
    assert feats[doubt] == 1.0
    assert calibration.recalibrated(kind, 0.97, feats) <= calibration.DOUBT_CAP


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("title", "Head of Sales"),
        ("company", "de Vries Bouw BV"),  # a particle in small letters is no cut
        ("company", "eBay Inc."),
        ("name", "Jan Janssen"),  # names start like each other
        ("name", "Mohamed Mohamed"),  # and repeat a word
    ],
)
def test_whole_values_are_not_doubted_as_cut_or_merged(kind: str, value: str) -> None:
    ocr = _words(*((w, 0.95) for w in value.split()))
    feats = calibration.evidence_features(kind, value, value, ocr, calibration.Evidence())
    assert feats["open_end"] == feats["cut_start"] == feats["repeated"] == 0.0
