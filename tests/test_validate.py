"""Tests for cardscan.reading.validate: finding and repairing phones, e-mails, region inference."""

from __future__ import annotations

import pytest

from cardscan.reading import validate


def test_find_phones_reports_valid_numbers_in_order() -> None:
    found = validate.find_phones("TEL +81-3-1234-5678 FAX +81-3-1234-5679", "US")
    assert [f.e164 for f in found] == ["+81312345678", "+81312345679"]
    assert all(f.valid and not f.repaired for f in found)
    assert found[0].start < found[1].start


def test_find_phones_keeps_invalid_numbers() -> None:
    (found,) = validate.find_phones("Tel +1 555 0100", "US")
    assert not found.valid
    assert found.raw == "+1 555 0100"


def test_letters_in_digit_runs_are_repaired_when_the_number_then_validates() -> None:
    (found,) = validate.find_phones("Tel +1 212 S55 O147", "US")
    assert found.valid and found.repaired
    assert found.e164 == "+12125550147"
    assert found.raw == "+1 212 S55 O147"


def test_words_are_not_read_as_digits() -> None:
    assert validate.find_phones("Sales Office Bldg", "US") == []


def test_commas_inside_a_number_are_ignored_only_to_validate() -> None:
    (found,) = validate.find_phones("Mov. +34.680.80.49,.27", "ES")
    assert found.e164 == "+34680804927" and found.repaired


def test_country_code_slip_is_repaired_towards_the_cards_code() -> None:
    (found,) = validate.find_phones("+21 3 9876-5432", "JP", country_code=81)
    assert found.e164 == "+81398765432" and found.repaired
    # Without the card's code there is nothing to repair towards.
    (plain,) = validate.find_phones("+21 3 9876-5432", "JP")
    assert not plain.valid


def test_mobile_numbers_are_recognised_from_the_numbering_plan() -> None:
    (mobile,) = validate.find_phones("+81 90 2345 6789", "JP")
    (fixed,) = validate.find_phones("+81 3 1234 5678", "JP")
    assert mobile.mobile is True
    assert fixed.mobile is False


def test_extension_is_kept() -> None:
    (found,) = validate.find_phones("Tel +1 212 555 0147 ext. 42", "US")
    assert found.extension == "42"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("Jane.Doe@Example.COM", "jane.doe@example.com"),
        ("k.mori@kiso.ne.jp", "k.mori@kiso.ne.jp"),
        ("jane@example.ip", None),  # no such TLD: an OCR slip, not an address
        ("jane@@example.com", None),
        ("jane@example,com", None),
    ],
)
def test_normalize_email(address: str, expected: str | None) -> None:
    assert validate.normalize_email(address) == expected


def test_email_error_says_why() -> None:
    assert "does not exist" in validate.email_error("jane@example.ip")
    assert validate.email_error("jane@example.com") == ""


@pytest.mark.parametrize(
    ("domain", "region"),
    [
        ("example.de", "DE"),
        ("example.co.uk", "GB"),
        ("example.fr", "FR"),
        ("example.es", "ES"),
        ("kiso.ne.jp", "JP"),
        ("example.com", None),
        ("example.io", None),
        ("gmx.de", None),  # web mail says nothing about the card's country
    ],
)
def test_region_from_domain(domain: str, region: str | None) -> None:
    assert validate.region_from_domain(domain) == region


def test_infer_region_prefers_the_address_country() -> None:
    region, reason = validate.infer_region(["Kobe 650-0001, JAPAN"], ["+49 30 1234567"], ["x.de"])
    assert (region, reason) == ("JP", "address")


def test_infer_region_from_calling_code_then_domain() -> None:
    assert validate.infer_region([], ["T +49 30 1234567"], ["x.fr"]) == ("DE", "calling code")
    assert validate.infer_region([], ["Jane Doe"], ["x.fr"]) == ("FR", "domain")
    assert validate.infer_region([], ["Jane Doe"], ["x.com"]) == ("US", "default")


def test_infer_region_lets_national_numbers_vote() -> None:
    # A .com card whose numbers are only valid as British numbers is British.
    region, reason = validate.infer_region(
        [], ["Office 0113 496 0739", "Cell 07734 935384"], ["halcyon.com"]
    )
    assert (region, reason) == ("GB", "numbers")
    # US numbers on a .com card stay American.
    assert validate.infer_region([], ["T (404) 555-0130"], ["kestrel.com"])[0] == "US"


def test_one_stray_number_does_not_outvote_a_hint() -> None:
    assert validate.infer_region([], ["2345-6789"], ["bluefin.jp"]) == ("JP", "domain")


def test_postcode_and_legal_form_hints() -> None:
    region, reason = validate.infer_region(["Port Mary TAS 2823"], ["07 5550 7995"], [])
    assert (region, reason) == ("AU", "postcode")
    assert validate.infer_region([], ["Acme"], [], ["DE"]) == ("DE", "legal form")


def test_country_codes_counts_printed_codes() -> None:
    codes = validate.country_codes(["T +81-3-1234-5678", "M +81-90-2345-6789", "M +66 81 234 5678"])
    assert codes.most_common(1) == [(81, 2)]
    assert codes[66] == 1


def test_tld_exists() -> None:
    assert validate.tld_exists("example.jp")
    assert not validate.tld_exists("example.ip")
    assert validate.tld_exists("example.consulting")  # long gTLDs get the benefit of the doubt
    assert not validate.tld_exists("example.c0m")


def test_internationalised_domains_are_valid() -> None:
    assert validate.normalize_email("Jane@Bücher.de") == "jane@bücher.de"


def test_guess_region_keeps_the_regions_it_cannot_rule_out() -> None:
    guess = validate.guess_region([], ["Tél. 02 61 91 77 00"], ["acme.com"])
    # Printed in pairs as France writes its numbers, but Germany reads them too.
    assert (guess.region, guess.reason) == ("FR", "numbers")
    assert "DE" in guess.tied
    assert validate.guess_region([], ["Tél. 02 61 91 77 00"], ["acme.fr"]).tied == ()
    # Two numbers both laid out the French way, none the German way: settled.
    two = validate.guess_region([], ["02 61 91 77 00", "06 12 34 56 78"], ["acme.com"])
    assert (two.region, two.tied) == ("FR", ())
    # The card's language rules out the regions where it is not spoken.
    german = validate.guess_region([], ["0711 7604942"], ["x.com"], languages=["de"])
    assert (german.region, german.reason, german.tied) == ("DE", "language", ())


def test_other_readings_are_other_numbers() -> None:
    assert validate.other_readings("02 61 91 77 00", "FR", ["DE", "US"]) == [("DE", "+49261917700")]
    # Canada reads a US number as the same number: no alternative.
    assert validate.other_readings("(404) 555-0130", "US", ["CA"]) == []


def test_vanity_numbers_are_dialled_by_their_letters() -> None:
    (found,) = validate.find_phones("Tel 1-800-FLOWERS", "US")
    assert (found.raw, found.e164, found.valid, found.vanity) == (
        "1-800-FLOWERS",
        "+18003569377",
        True,
        True,
    )
    # Letters beyond the number's length are not dialled.
    (longer,) = validate.find_phones("1-800-MATTRESS", "US")
    assert longer.e164 == "+18006288737"
    # Words after a few digits are no vanity number.
    assert validate.find_phones("Suite 400 NYC", "US") == []


def test_repair_reads_a_letter_glued_inside_a_valid_number() -> None:
    (found,) = validate.find_phones("+49 30 12345G7", "DE")
    assert (found.e164, found.repaired) == ("+49301234567", True)


def test_repair_keeps_an_area_code_in_brackets() -> None:
    (found,) = validate.find_phones("T (404) 555-O130", "US")
    assert (found.e164, found.repaired) == ("+14045550130", True)


def test_national_numbers_with_letter_slips_vote_for_the_region() -> None:
    region, _ = validate.infer_region([], ["Tél. 02 6l 91 77 00"], ["acme.fr"])
    assert region == "FR"
    assert validate.guess_region([], ["Tel 020 79S6 0958", "Mob 07734 935384"], []).region == "GB"


@pytest.mark.parametrize(
    ("text", "region", "e164", "ext"),
    [
        ("+33 1 42 68 53 00 poste 12", "FR", "+33142685300", "12"),
        ("030 1234567 DW 12", "DE", "+49301234567", "12"),
        ("030 1234567 Durchwahl: -215", "DE", "+49301234567", "215"),
        ("+39 02 1234 5678 int. 7", "IT", "+390212345678", "7"),
        ("020 123 4567 toestel 31", "NL", "+31201234567", "31"),
    ],
)
def test_extension_words_libphonenumber_does_not_know(
    text: str, region: str, e164: str, ext: str
) -> None:
    (found,) = validate.find_phones(text, region)
    assert (found.e164, found.extension) == (e164, ext)
    assert found.raw == text


def test_a_number_after_an_extension_word_is_no_extension() -> None:
    found = validate.find_phones("030 1234567 Durchwahl 030 1234568", "DE")
    assert [(f.e164, f.extension) for f in found] == [
        ("+49301234567", None),
        ("+49301234568", None),
    ]


@pytest.mark.parametrize(
    ("text", "region", "toll_free"),
    [
        ("1-800-555-0199", "US", True),
        ("0800 123 4567", "GB", True),
        ("0 800 123 456", "FR", True),
        ("+1 212 555 0147", "US", False),
    ],
)
def test_toll_free_numbers_are_recognised_from_the_numbering_plan(
    text: str, region: str, toll_free: bool
) -> None:
    (found,) = validate.find_phones(text, region)
    assert found.valid and found.toll_free is toll_free


def test_number_region() -> None:
    assert validate.number_region("+493012345678") == "DE"
    assert validate.number_region("+12125550147") == "US"
    assert validate.number_region("garbage") is None


def test_postcode_patterns_of_digits_alone_need_an_address_line() -> None:
    from cardscan.reading.validate import region_from_postcode

    assert region_from_postcode(["Pune - 411 001"]) == "IN"
    assert region_from_postcode(["555-0198"]) == "JP"  # in an address block: a JP postcode
    assert region_from_postcode(["555-0198"], anywhere=True) is None


@pytest.mark.parametrize(
    ("line", "region"),
    [
        ("Springfield, IL 62704", "US"),
        ("London SW1A 1AA", "GB"),
        ("1012 AB Amsterdam", "NL"),
        ("Sydney NSW 2000", "AU"),
        ("Toronto ON M5V 2T6", "CA"),
        ("〒100-0005 Tokyo", "JP"),
        ("Pune - 411 001", "IN"),
        ("10115 Berlin", None),  # five digits: German, French, Spanish, Italian or American
        ("75008 Paris", None),
    ],
)
def test_one_table_of_postcodes_serves_the_address_and_the_region(
    line: str, region: str | None
) -> None:
    # The address finder and the region guess read the same formats: every line that
    # names a region holds a postcode, and so do the formats several countries print.
    assert validate.has_postcode(line)
    assert validate.region_from_postcode([line]) == region


def test_no_postcode_in_plain_words() -> None:
    assert not validate.has_postcode("Head of Sales")
    assert not validate.has_postcode("Jane Doe")


def test_known_tlds_are_the_ones_tld_exists_knows() -> None:
    for tld in ("com", "io", "de", "co", "info", "travel", "consulting"):
        assert tld in validate.KNOWN_TLDS and validate.tld_exists(f"example.{tld}")
    assert "con" not in validate.KNOWN_TLDS and not validate.tld_exists("example.con")


def test_is_possible_and_complete_local() -> None:
    from cardscan.reading.validate import complete_local, is_possible

    assert is_possible("+91403140806")
    assert not is_possible("+15550100")  # dialled locally only
    assert complete_local("2617060", [("+91-120-2617180", "+911202617180")]) == (
        "+911202617060",
        True,
    )
    # The donor printed no separate city code: nothing to lend.
    assert complete_local("2617060", [("+911202617180", "+911202617180")]) is None
