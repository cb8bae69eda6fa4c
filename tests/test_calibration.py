"""Tests for cardscan.reading.calibration and scripts/calibrate.py: confidence maps, their fit."""

from __future__ import annotations

import random

import pytest
from conftest import card_result as card
from conftest import load_script

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
