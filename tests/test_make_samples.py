"""Tests for scripts/make_samples.py (the card generator) and the committed samples/."""

from __future__ import annotations

import functools
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import phonenumbers
import pytest
from email_validator import validate_email
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SCRIPT = ROOT / "scripts" / "make_samples.py"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".heic"}
PHONE_TYPES = {"work", "mobile", "fax", "other"}


from conftest import load_script  # noqa: E402

ms = load_script("make_samples")
EXPECTED_FILES = sorted(SAMPLES.glob("*.expected.json"))


@functools.cache
def _people(per_locale: int = 10) -> list[Any]:
    return [
        ms.make_person(random.Random(f"{locale}-{i}"), locale)
        for locale in ms.LOCALES
        for i in range(per_locale)
    ]


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _check_phone(phone: dict[str, Any], where: str) -> None:
    assert phone["type"] in PHONE_TYPES, where
    number = phonenumbers.parse(phone["e164"])
    assert phonenumbers.is_valid_number(number), where
    assert _e164(number) == phone["e164"], where
    # The printed form must read back as the same number in the card's country.
    region = phonenumbers.region_code_for_number(number)
    assert _e164(phonenumbers.parse(phone["raw"], region)) == phone["e164"], where


# ----------------------------------------------------------------------------- people


def test_record_keys_match_the_public_schema() -> None:
    from cardscan.models import RECORD_KEYS

    assert tuple(ms.RECORD_KEYS) == tuple(RECORD_KEYS)


@pytest.mark.parametrize("locale", sorted(ms.LOCALES))
def test_people_are_deterministic_per_seed(locale: str) -> None:
    a = ms.make_person(random.Random(42), locale)
    b = ms.make_person(random.Random(42), locale)
    c = ms.make_person(random.Random(43), locale)
    assert a == b
    assert a != c
    assert a.locale == locale and a.region == ms.LOCALES[locale].region


def test_people_do_not_depend_on_the_string_hash_seed() -> None:
    # Sets of strings iterate in an order that changes with PYTHONHASHSEED; a generator that
    # draws from one (as Faker's it_IT cities do) gives other people in another process.
    code = (
        "import importlib.util, random, sys\n"
        f"spec = importlib.util.spec_from_file_location('ms', {str(SCRIPT)!r})\n"
        "ms = importlib.util.module_from_spec(spec); sys.modules['ms'] = ms\n"
        "spec.loader.exec_module(ms)\n"
        "print([ms.make_person(random.Random(i), loc) for loc in ms.LOCALES for i in range(4)])\n"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONHASHSEED": seed},
            text=True,
        )
        for seed in ("1", "2")
    ]
    outputs = [run.communicate(timeout=60)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert outputs[0] == outputs[1] and len(outputs[0]) > 1000


def test_every_phone_is_valid_and_prints_back_to_itself() -> None:
    people = _people()
    for person in people:
        assert 1 <= len(person.phones) <= 3
        assert len({p.e164 for p in person.phones}) == len(person.phones), person.phones
        record = ms.expected_record(person, "x.jpg")
        for phone in record["phones"]:
            _check_phone(phone, f"{person.name}: {phone}")
    labels = {p.label.rstrip(":") for person in people for p in person.phones}
    assert {"T", "M", "F"} <= labels and len(labels) > 10


def test_every_email_validates_and_derives_from_the_name() -> None:
    for person in _people():
        record = ms.expected_record(person, "x.jpg")
        for email in record["emails"]:
            assert email == email.lower()
            assert validate_email(email, check_deliverability=False).normalized.lower() == email
        first = record["emails"][0]
        given = ms.ascii_slug(person.given, ms.LOCALES[person.locale].lang)
        assert first.startswith(given[0]), (first, person.given)
        for site in record["websites"]:
            assert site == site.lower() and "://" not in site
            assert site.removeprefix("www.") == first.split("@")[1]


def test_names_and_companies_look_like_the_locale() -> None:
    people = _people()
    for person in people:
        assert person.given in person.name and person.family in person.name
        assert person.company.split()[-1].rstrip(".") in {
            s.rstrip(".").split()[-1] for s in ms.LOCALES[person.locale].suffixes
        }
    text = " ".join(p.name for p in people)
    assert any(ch in text for ch in "éüñöèçá"), "no accented names in a mixed set"


def test_expected_record_has_exactly_the_schema_keys() -> None:
    person = ms.make_person(random.Random(1), "en_US")
    record = ms.expected_record(person, "us-classic-01.jpg", {"seed": 1})
    assert list(record) == [*ms.RECORD_KEYS, "generator"]
    assert record["source"] == "us-classic-01.jpg"
    assert (record["card"], record["status"], record["error"]) == (0, "ok", None)
    assert record["confidence"] == {} and record["text"] == ""
    assert record["generator"] == {"seed": 1}


# ----------------------------------------------------------------------------- images


def test_cards_have_business_card_proportions() -> None:
    person = ms.make_person(random.Random(3), "en_US")
    card = ms.render_card(person, random.Random(3), "classic")
    assert card.shape == (600, 1050, 3) and card.dtype == np.uint8
    assert card.std() > 10  # something is printed on it
    portrait = ms.render_card(person, random.Random(3), "portrait")
    assert portrait.shape[0] > portrait.shape[1]


def test_cards_render_with_pillows_builtin_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ms, "available_fonts", lambda: (ms.FALLBACK_FONT,))
    person = ms.make_person(random.Random(5), "de_DE")
    design = ms.design_card(person, random.Random(5), "left-logo")
    assert design.font == "Pillow default"
    assert ms.render_card(person, random.Random(5), design).std() > 10


def test_photograph_gives_a_phone_sized_photo() -> None:
    person = ms.make_person(random.Random(8), "fr_FR")
    card = ms.render_card(person, random.Random(8), "classic")
    photo = ms.photograph(card, random.Random(8), rotation=90)
    assert photo.dtype == np.uint8 and photo.ndim == 3 and photo.shape[2] == 3
    assert 1600 <= max(photo.shape[:2]) <= 2400
    assert min(photo.shape[:2]) >= 1000


def test_generate_is_deterministic_and_writes_pairs(tmp_path: Path) -> None:
    a = ms.generate(tmp_path / "a", 1, seed=5)
    b = ms.generate(tmp_path / "b", 1, seed=5)
    assert [p.name for p in a] == [p.name for p in b]
    assert a[0].read_bytes() == b[0].read_bytes()
    expected = a[0].with_name(a[0].name.rsplit(".", 1)[0] + ".expected.json")
    assert expected.read_bytes() == (b[0].parent / expected.name).read_bytes()
    record = json.loads(expected.read_text(encoding="utf-8"))
    assert record["source"] == a[0].name
    assert record["generator"]["seed"] == 500_000


def test_exif_orientation_round_trips(tmp_path: Path) -> None:
    img = np.zeros((20, 40, 3), np.uint8)
    img[:, :20] = 255  # left half white
    for tag in (6, 8):
        path = tmp_path / f"o{tag}.jpg"
        ms.save_image(img, path, exif_orientation=tag)
        with Image.open(path) as raw:
            assert raw.size == (20, 40)  # stored turned
            shown = np.asarray(ImageOps.exif_transpose(raw).convert("L"))
        assert shown.shape == (20, 40)
        assert shown[:, :15].mean() > 200 and shown[:, 25:].mean() < 50


# ----------------------------------------------------------------------------- samples/


def test_committed_set_covers_the_promised_cases() -> None:
    images = sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    assert len(images) >= 24
    suffixes = {p.suffix.lower() for p in images}
    assert {".jpg", ".png", ".heic"} <= suffixes
    for image in images:
        assert image.with_name(image.stem + ".expected.json").exists(), image.name
    exif = []
    for image in images:
        if image.suffix.lower() == ".jpg":
            with Image.open(image) as im:
                exif.append(im.getexif().get(0x0112))
    assert any(tag in (6, 8) for tag in exif)
    gens = [json.loads(p.read_text(encoding="utf-8"))["generator"] for p in EXPECTED_FILES]
    assert {g["layout"] for g in gens} == set(ms.LAYOUTS)
    assert {g["rotation"] for g in gens} == {0, 90, 180, 270}
    assert len({g["locale"] for g in gens}) >= 8
    assert any(g["dark"] for g in gens)


@pytest.mark.parametrize("path", EXPECTED_FILES, ids=lambda p: p.name)
def test_committed_expected_json(path: Path) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    assert list(record) == [*ms.RECORD_KEYS, "generator"]
    assert (path.parent / record["source"]).exists()
    assert path.name == Path(record["source"]).stem + ".expected.json"
    assert (record["card"], record["status"], record["error"]) == (0, "ok", None)
    assert record["confidence"] == {} and record["text"] == ""
    for key in ("name", "given_name", "family_name", "title", "company"):
        assert isinstance(record[key], str) and record[key], key
    assert record["address"] is None or isinstance(record["address"], str)
    for email in record["emails"]:
        assert email == email.lower()
        validate_email(email, check_deliverability=False)
    assert record["phones"]
    assert len({p["e164"] for p in record["phones"]}) == len(record["phones"])
    for phone in record["phones"]:
        _check_phone(phone, f"{path.name}: {phone}")
    for site in record["websites"]:
        assert site == site.lower() and "://" not in site
    assert {"layout", "font", "rotation", "seed"} <= set(record["generator"])
