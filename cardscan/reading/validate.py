"""Validation of contact values: phone numbers (phonenumbers), e-mails (email-validator), websites.

This is the only module that imports ``phonenumbers`` and ``email_validator``; the parser asks
it whether a reading is real and how to write it canonically, and uses the answers both to
accept values and to decide whether an OCR repair was right (a repair is kept only when the
repaired value validates here). Nothing here touches the network: e-mail deliverability (DNS)
checks are always off.

Over the ~800-line guide on purpose: it is the one owner of both libraries, and every check
of a value (the reader's and a person's, websites too) lives beside the others it mirrors.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberType

from cardscan.lexicon import (
    COUNTRY_NAMES,
    GENERIC_TLDS,
    KNOWN_GTLDS,
    LANGUAGE_REGIONS,
    TLD_REGIONS,
    WEBMAIL_DOMAINS,
)

#: Region assumed when nothing on a card says where it is from.
DEFAULT_REGION = "US"

# Letters OCR puts where a digit was printed, and the digit each one stands for. Only used
# inside runs that are mostly digits, and only kept when the repaired number validates.
_DIGIT_SLIPS = str.maketrans("OoDQlI|iSsBZzGb", "000011115582266")
_DIGITISH = re.compile(r"[0-9OoDQlI|iSsBZzGb][0-9OoDQlI|iSsBZzGb()\-. /]{5,}[0-9OoDQlI|iSsBZzGb]")
# "+49 30…", "+91 (40) …": the code, then at most a space and a bracket before the digits.
_CALLING_CODE = re.compile(r"(?<![\w+])\+\s?(\d{1,3})(?=[\s\-.(/]{0,2}\d)")
# The tail of a printed range or list of line numbers: "… 05 40-41-42", "2617180-87".
_RANGE_TAIL = re.compile(r"(?<=\d)((?:\s?[-–/]\s?\d{1,2})+)(?=\D|$)")


@dataclass(frozen=True)
class PhoneMatch:
    """One phone number found in a line of text.

    ``start``/``end`` index the text that was searched; ``raw`` is the number as printed
    (before any repair). ``repaired`` says whether an OCR slip had to be corrected for the
    number to validate. ``mobile`` is True/False when the numbering plan says so, None when
    it cannot tell (e.g. North American numbers are fixed-or-mobile); ``toll_free`` is True
    for a number free to call (800/888 in North America, 0800 in Europe). ``dialled`` is what
    was parsed: ``raw`` with the repairs made and the letters of a vanity number
    ("1-800-FLOWERS", ``vanity``) turned into their digits. ``extension`` holds the digits of
    an extension printed after the number ("x204", "ext. 12", "poste 12", "DW 12").
    """

    start: int
    end: int
    raw: str
    e164: str | None
    valid: bool
    extension: str | None = None
    mobile: bool | None = None
    repaired: bool = False
    dialled: str = ""
    vanity: bool = False
    toll_free: bool = False


def _to_match(m: phonenumbers.PhoneNumberMatch, raw: str, repaired: bool) -> PhoneMatch:
    return _match_of(m.number, m.start, m.end, raw, m.raw_string, repaired=repaired)


def _match_of(
    number: phonenumbers.PhoneNumber,
    start: int,
    end: int,
    raw: str,
    dialled: str,
    *,
    repaired: bool = False,
    vanity: bool = False,
) -> PhoneMatch:
    valid = phonenumbers.is_valid_number(number)
    kind = phonenumbers.number_type(number) if valid else PhoneNumberType.UNKNOWN
    mobile: bool | None = None
    if kind == PhoneNumberType.MOBILE:
        mobile = True
    elif kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE, PhoneNumberType.VOIP):
        mobile = False
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return PhoneMatch(
        start=start,
        end=end,
        raw=raw,
        e164=e164,
        valid=valid,
        extension=number.extension or None,
        mobile=mobile,
        repaired=repaired,
        dialled=dialled,
        vanity=vanity,
        toll_free=kind == PhoneNumberType.TOLL_FREE,
    )


def _repair_digits(text: str) -> str:
    """``text`` with letter-for-digit OCR slips fixed inside runs that are mostly digits."""

    def fix(m: re.Match[str]) -> str:
        run = m.group(0)
        digits = sum(ch.isdigit() for ch in run)
        letters = sum(ch.isalpha() for ch in run)
        # A run must already look like a number (most of its characters digits) before its
        # letters are read as digits; otherwise "Tel Sales" would become digits.
        if digits < 6 or letters > max(2, digits // 4):
            return run
        # A ")" that closes nothing is a misread "1" ("+8) 3 1234…" for "+81 3 1234…").
        if ")" in run and "(" not in m.string[max(0, m.start() - 1) : m.end()]:
            run = run.replace(")", "1")
        return run.translate(_DIGIT_SLIPS)

    return _DIGITISH.sub(fix, text)


def _repair_commas(text: str) -> str:
    """``text`` with commas inside a digit run blanked ("+34.680.80.49,.27", "52.66, 72").

    A comma is a speck of dirt or a misread dot there; blanking keeps every offset.
    """
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch != ",":
            continue
        before = text[:i].rstrip()[-1:]
        after = text[i + 1 :].lstrip()[:1]
        if (before.isdigit() or before == ".") and (after.isdigit() or after == "."):
            chars[i] = " "
    return "".join(chars)


def _repairs(text: str) -> list[str]:
    """Same-length variants of ``text`` with typical OCR slips in numbers undone."""
    out: list[str] = []
    for fix in (_repair_digits(text), _repair_commas(text), _repair_commas(_repair_digits(text))):
        if fix != text and len(fix) == len(text) and fix not in out:
            out.append(fix)
    return out


def _swap_country_code(raw: str, code: int, region: str) -> PhoneMatch | None:
    """Re-read ``raw`` (printed as +CC…) with a one-digit slip in its country code fixed.

    OCR misreads a digit of "+81" as often as any other; when the card's other numbers use
    ``code`` and swapping in that code (same length, one digit different) gives a valid
    number, that is almost certainly what was printed.
    """
    digits = re.sub(r"\D", "", raw)
    wanted = str(code)
    head = digits[: len(wanted)]
    if not raw.lstrip().startswith("+") or head == wanted:
        return None
    if len(head) != len(wanted) or sum(a != b for a, b in zip(head, wanted, strict=True)) != 1:
        return None
    try:
        number = phonenumbers.parse("+" + wanted + digits[len(wanted) :], region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    kind = phonenumbers.number_type(number)
    return PhoneMatch(
        start=0,
        end=len(raw),
        raw=raw.strip(),
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        valid=True,
        extension=number.extension or None,
        mobile=kind == PhoneNumberType.MOBILE or None,
        repaired=True,
        dialled="+" + wanted + digits[len(wanted) :],
        toll_free=kind == PhoneNumberType.TOLL_FREE,
    )


def find_phones(text: str, region: str, country_code: int | None = None) -> list[PhoneMatch]:
    """Every phone number in one line of card text, valid or not, in printed order.

    Numbers are found with ``PhoneNumberMatcher`` at POSSIBLE leniency so that misprinted or
    misread numbers are reported (as invalid) instead of vanishing. Where a number does not
    validate, two OCR repairs are tried and kept only if the result validates: letters read
    for digits inside a digit run (O→0, l/I→1, S→5, B→8), and a one-digit slip in the country
    code when the rest of the card uses ``country_code``. A repair also replaces a valid
    reading that stops at a letter glued to its digits ("+49 30 12345G7" is not "+49 30
    12345"). Vanity numbers ("1-800-FLOWERS") are read through their keypad digits.

    Args:
        text: one line (or part of a line) of OCR text.
        region: ISO 3166 region for numbers printed without a country code.
        country_code: the calling code most of the card's numbers use, if known.

    Returns:
        The matches, left to right, without overlaps.
    """
    text = _cut_ranges(text, region)
    found = [
        _to_match(m, m.raw_string, False)
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE)
    ]
    repaired_texts = _repairs(text)
    code = phonenumbers.country_code_for_region(region)
    if code and f"({code})" in text:
        # "(237) 222 47 20": the country's calling code printed in brackets, without "+".
        repaired_texts.append(text.replace(f"({code})", f"+{code} "))
    if country_code is not None and country_code >= 10:
        # "+" read as "4" before the card's calling code ("431 20 …" for "+31 20 …").
        plus = re.sub(rf"(?<![\w+])4(?={country_code}[\s\-.(]?\d)", "+", text)
        if plus != text:
            repaired_texts.append(plus)
    for repaired_text in repaired_texts:
        for m in phonenumbers.PhoneNumberMatcher(repaired_text, region, leniency=Leniency.POSSIBLE):
            fixed = _to_match(m, text[m.start : m.end], True)
            if not fixed.valid and country_code is not None:
                swapped = _swap_country_code(m.raw_string, country_code, region)
                if swapped is not None:
                    fixed = dataclasses.replace(swapped, start=m.start, end=m.end, raw=fixed.raw)
            if not fixed.valid:
                continue
            clash = [f for f in found if f.start < fixed.end and fixed.start < f.end]
            # Keep the repair only where the plain reading was missing, invalid, or cut short.
            if all(not f.valid or _cut_by_slip(f, fixed, text) for f in clash):
                found = [f for f in found if f not in clash] + [fixed]
    if country_code is not None:
        for i, f in enumerate(found):
            if not f.valid and f.raw.lstrip().startswith("+"):
                swapped = _swap_country_code(f.raw, country_code, region)
                if swapped is not None:
                    found[i] = dataclasses.replace(swapped, start=f.start, end=f.end, raw=f.raw)
    found += _vanity_numbers(text, region, found)
    found = [_with_extension(f, text) for f in found]
    # The digits of an extension read above are no number of their own.
    found = [
        f
        for f in found
        if not any(
            g.start <= f.start and f.end <= g.end and g.end - g.start > f.end - f.start
            for g in found
        )
    ]
    return sorted(found, key=lambda f: f.start)


def _cut_ranges(text: str, region: str) -> str:
    """``text`` with the tails of number ranges blanked out: the first number of each stays.

    Cards print consecutive lines as a range: "+90 324 261 05 40-41-42" (…40, …41, …42),
    "+91-120-2617180-87" (…180 to …187). A tail of one- or two-digit groups is cut only
    when the number before it validates and the number with it does not, so a number
    printed in pairs ("06-12-34-56-78") is left alone. Blanks keep the offsets.
    """
    for m in reversed(list(_RANGE_TAIL.finditer(text))):
        head = text[: m.start()]
        groups = re.findall(r"\d+", m.group(1))
        start = re.search(r"[+(\d][\d\s().\-/]*$", head)
        # A range repeats groups of one length after a number dialled in full ("+…", "0…");
        # "29279830-2-43" (a tax number) is none.
        if len({len(g) for g in groups}) != 1 or start is None:
            continue
        if not start.group(0).startswith(("+", "(", "0")):
            continue
        whole = text[: m.end()]
        head_valid = any(
            p.end == len(head) and phonenumbers.is_valid_number(p.number)
            for p in phonenumbers.PhoneNumberMatcher(head, region, leniency=Leniency.POSSIBLE)
        )
        whole_valid = any(
            p.end == len(whole) and phonenumbers.is_valid_number(p.number)
            for p in phonenumbers.PhoneNumberMatcher(whole, region, leniency=Leniency.POSSIBLE)
        )
        if head_valid and not whole_valid:
            text = head + " " * (m.end() - m.start()) + text[m.end() :]
    return text


def is_possible(e164: str) -> bool:
    """Whether an E.164 number has a length its country's plan allows, valid or not.

    Older cards print numbers that were real but whose ranges have since been renumbered:
    they are kept in E.164 form, flagged for a check, rather than as raw text.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    # Dialled locally only ("555 0100" in the US) is no complete number.
    reason = phonenumbers.is_possible_number_with_reason(number)
    return bool(reason == phonenumbers.ValidationResult.IS_POSSIBLE)


def complete_local(digits: str, donors: Iterable[tuple[str, str]]) -> tuple[str, bool] | None:
    """A short local number completed with the area code of another number on the card.

    ``donors`` are (printed text, E.164) of the card's other numbers. A donor lends its
    area code when it printed that code as a group of its own ("040-3140702",
    "+91-44-24561181") and its subscriber part is as long as ``digits``: the card writes
    its other lines without the code it already gave. Returns (E.164, valid) when the
    completed number is at least possible in the donor's plan, else None.
    """
    for raw, e164 in donors:
        try:
            donor = phonenumbers.parse(e164, None)
        except phonenumbers.NumberParseException:
            continue
        national = phonenumbers.national_significant_number(donor)
        if len(national) <= len(digits):
            continue
        area = national[: len(national) - len(digits)]
        groups = [g for g in re.split(r"\D+", raw) if g]
        # The area code must be a printed group (after any calling code and trunk "0").
        prefixes = {g.lstrip("0") for g in groups}
        if area not in prefixes:
            continue
        try:
            number = phonenumbers.parse(f"+{donor.country_code}{area}{digits}", None)
        except phonenumbers.NumberParseException:
            continue
        if is_possible(phonenumbers.format_number(number, PhoneNumberFormat.E164)):
            return (
                phonenumbers.format_number(number, PhoneNumberFormat.E164),
                phonenumbers.is_valid_number(number),
            )
    return None


# Extension words libphonenumber does not know, printed after the number: French "poste",
# German "Durchwahl"/"DW"/"App." (Apparat), Italian "int." (interno), Dutch "toestel".
# The digits must not start a longer run, which would be the next number rather than an
# extension ("Tel. 030 123456 Durchwahl 030 1234567").
_EXTENSION = re.compile(
    r"(?i)^\s*[,;/]?\s*\(?(?:poste|p\.|durchwahl|durchw\.?|dw|app\.?|apparat|int\.?|interno|"
    r"toestel|tst\.?|nebenstelle)\s*[.:]?\s*-?\s*(\d{1,6})\)?(?!\s?[\-./]?\s?\d)"
)


def _with_extension(match: PhoneMatch, text: str) -> PhoneMatch:
    """``match`` extended over an extension libphonenumber did not read ("… poste 12")."""
    if match.extension or not match.valid:
        return match
    m = _EXTENSION.match(text[match.end :])
    if m is None:
        return match
    end = match.end + m.end()
    return dataclasses.replace(
        match, end=end, raw=match.raw + text[match.end : end], extension=m.group(1)
    )


def _cut_by_slip(plain: PhoneMatch, fixed: PhoneMatch, text: str) -> bool:
    """True when ``plain`` stops at a letter glued to its digits that ``fixed`` read as a digit."""
    if not (fixed.start <= plain.start and plain.end <= fixed.end):
        return False
    after = plain.end < fixed.end and text[plain.end].isalpha() and text[plain.end - 1].isdigit()
    before = (
        plain.start > fixed.start
        and text[plain.start - 1].isalpha()
        and text[plain.start].isdigit()
    )
    return after or before


# A number whose last part is spelled in letters: "1-800-FLOWERS", "(800) 555-TAXI",
# "1-800-Go-Fedex". Capitalised words count only when joined to the digits by a hyphen.
_VANITY = re.compile(
    r"(?<![\w+])(?P<num>\+?\(?\d[\d)]*(?:[ .\-]\(?\d[\d)]*)*)"
    r"(?:[ .\-](?P<caps>[A-Z0-9]*[A-Z]{2,}[A-Z0-9]*(?:[.\-][A-Z0-9]+)*)"
    r"|-(?P<word>[A-Z][A-Za-z]{2,}(?:-[A-Za-z0-9]+)*))(?![\w@.])"
)
_SPECIAL_SERVICES = (
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN,
)


def _vanity_numbers(text: str, region: str, found: Sequence[PhoneMatch]) -> list[PhoneMatch]:
    """Vanity numbers in ``text`` that no match in ``found`` already covers.

    The letters are keyed in as their keypad digits; letters beyond the number's length are
    not dialled ("1-800-MATTRESS"). Only numbers of a special service (toll-free, shared
    cost…) or with most of their digits printed count, so "PO Box 1234 BERLIN" is no phone.
    """
    out: list[PhoneMatch] = []
    for m in _VANITY.finditer(text):
        if any(f.start < m.end() and m.start() < f.end for f in found):
            continue
        letters = m.group("caps") or m.group("word")
        digits = sum(c.isdigit() for c in m.group("num"))
        printed = m.group(0)
        # Dial all the letters first, then drop surplus ones, keeping at least three.
        shortest = len(letters) - sum(c.isalpha() for c in letters) + 3
        for cut in range(len(letters), shortest - 1, -1):
            dialled = phonenumbers.convert_alpha_characters_in_number(
                printed[: len(printed) - len(letters) + cut]
            )
            try:
                number = phonenumbers.parse(dialled, region)
            except phonenumbers.NumberParseException:
                continue
            if not phonenumbers.is_valid_number(number):
                continue
            if digits < 6 and phonenumbers.number_type(number) not in _SPECIAL_SERVICES:
                break
            out.append(_match_of(number, m.start(), m.end(), printed, dialled, vanity=True))
            break
    return out


def country_codes(texts: Iterable[str]) -> Counter[int]:
    """How often each international calling code (+49, +81…) is printed in ``texts``."""
    seen: Counter[int] = Counter()
    for text in texts:
        for m in _CALLING_CODE.finditer(text):
            digits = m.group(1)
            # "+4930…" has no separator after the code; try the 1-, 2- and 3-digit prefixes.
            for cut in range(1, len(digits) + 1):
                code = int(digits[:cut])
                if phonenumbers.region_code_for_country_code(code) not in ("ZZ", None):
                    seen[code] += 1
                    break
    return seen


def is_known_region(region: str) -> bool:
    """Whether phonenumbers knows numbering rules for this ISO 3166 code ("US", "DE")."""
    return region.upper() in phonenumbers.SUPPORTED_REGIONS


def region_for_code(code: int) -> str | None:
    """The main region of a calling code (49 → DE, 1 → US), None if unassigned."""
    region = phonenumbers.region_code_for_country_code(code)
    return None if region in (None, "ZZ", "001") else region


def number_region(e164: str) -> str | None:
    """The region an E.164 number belongs to (+49 30 … → DE), None if it cannot be parsed."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.region_code_for_number(number)


def code_for_region(region: str) -> int | None:
    """The calling code of a region (DE → 49), None if unknown."""
    code = phonenumbers.country_code_for_region(region)
    return code or None


def region_from_domain(domain: str) -> str | None:
    """The region a domain's country TLD points at (``example.ne.jp`` → JP), else None.

    Generic TLDs (.com, .net, .io…) and web-mail providers say nothing about where the
    card is from.
    """
    domain = domain.lower().strip(".")
    if domain in WEBMAIL_DOMAINS:
        return None
    tld = domain.rsplit(".", 1)[-1]
    if tld in GENERIC_TLDS:
        return None
    return TLD_REGIONS.get(tld)


def region_from_text(texts: Iterable[str]) -> str | None:
    """The region of a country named in ``texts`` (address lines), the last one named wins.

    The country usually closes an address, so a later mention beats an earlier one
    ("Paris Street, Tokyo, Japan").
    """
    best: tuple[int, int, str] | None = None
    for index, text in enumerate(texts):
        low = f" {text.lower()} "
        for name, region in COUNTRY_NAMES.items():
            pos = low.rfind(name)
            if pos < 0:
                continue
            before, after = low[pos - 1], low[pos + len(name)]
            if before.isalnum() or after.isalnum():
                continue
            key = (index, pos, region)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


#: Regions tried when a card's national-format numbers must decide where it is from.
CANDIDATE_REGIONS: tuple[str, ...] = (
    "US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "AU", "CA", "JP", "IE", "PT",
    "SE", "DK", "NO", "FI", "PL", "MX", "BR", "IN", "SG", "NZ", "CN", "KR", "HK", "TW", "ZA",
)  # fmt: skip


def _national_numbers(texts: Iterable[str]) -> list[list[str]]:
    """Lines holding a digit run printed without a country code (the ones a region decides).

    Each line comes with its readings with OCR's letter-for-digit slips undone, so that
    "02 6l 91 77 00" votes like "02 61 91 77 00".
    """
    out = []
    for text in texts:
        # Drop the internationally written numbers; they parse the same everywhere.
        readings = [re.sub(r"\+\s?\d[\d\s().\-/]{5,}", " ", t) for t in (text, *_repairs(text))]
        readings = [t for t in readings if sum(c.isdigit() for c in t) >= 6]
        if readings:
            out.append(readings)
    return out


def _valid_numbers(readings: Sequence[str], region: str) -> list[phonenumbers.PhoneNumberMatch]:
    """The numbers of one line valid in ``region``, from its reading that has the most."""
    best: list[phonenumbers.PhoneNumberMatch] = []
    for text in readings:
        valid = [
            m
            for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID)
            if phonenumbers.is_valid_number(m.number)
        ]
        if len(valid) > len(best):
            best = valid
    return best


def _digit_groups(text: str) -> list[int]:
    return [len(g) for g in re.findall(r"\d+", text)]


def _layout_fits(lines: Sequence[Sequence[str]], region: str) -> int:
    """How many numbers are printed with the digit groups ``region`` writes them in.

    "02 61 91 77 00" is how France writes a number; Germany would print "0261 917700".
    """
    fits = 0
    for readings in lines:
        for m in _valid_numbers(readings, region):
            national = phonenumbers.format_number(m.number, PhoneNumberFormat.NATIONAL)
            fits += _digit_groups(m.raw_string) == _digit_groups(national)
    return fits


@dataclass(frozen=True)
class PostcodeFormat:
    """One way postcodes are printed, and the one region that prints it (None: several do)."""

    pattern: re.Pattern[str]
    region: str | None
    #: Digits and a dash only ("555-0198"): a phone number's tail looks the same, so it
    #: counts as a region hint only in a line known to be part of the address.
    digits_only: bool = False


#: Every postcode format the reader knows, the ones that name a region first. The one
#: owner of these patterns: the address finder asks :func:`has_postcode`, the region guess
#: :func:`region_from_postcode`.
POSTCODE_FORMATS: tuple[PostcodeFormat, ...] = (
    PostcodeFormat(re.compile(r"\b(?:NSW|VIC|QLD|TAS|ACT|NT|SA|WA)\s+\d{4}\b"), "AU"),
    PostcodeFormat(re.compile(r"\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"), "US"),  # state + ZIP
    PostcodeFormat(
        re.compile(r"\b(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)\s+[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"),
        "CA",
    ),
    PostcodeFormat(re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b"), "GB"),
    PostcodeFormat(re.compile(r"\b\d{4}\s?[A-Z]{2}\b(?!\s*\d)"), "NL"),
    PostcodeFormat(re.compile(r"〒\s?\d{3}-?\d{4}"), "JP"),
    PostcodeFormat(re.compile(r"\b\d{3}-\d{4}\b"), "JP", digits_only=True),
    # A PIN code printed in two groups of three after the city ("Pune - 411 001").
    PostcodeFormat(re.compile(r"[A-Za-z]\s*[-–,]?\s*\b[1-9]\d{2} \d{3}\b(?![\s\-]*\d)"), "IN"),
    # Printed by several countries: a postcode, but no country.
    PostcodeFormat(re.compile(r"\b\d{5}(?:-\d{4})?\b"), None),  # US ZIP, DE/FR/ES/IT
    # "10115 Berlin", "D-80331 München": a postcode before the city.
    PostcodeFormat(re.compile(r"\b(?:[A-Z]{1,2}-)?\d{4,5}\s+[A-ZÄÖÜÉ][a-zäöüßéèàç]+"), None),
    PostcodeFormat(re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}\b"), None),  # GB, unspaced
    PostcodeFormat(re.compile(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"), None),  # CA, no province
)


def has_postcode(text: str) -> bool:
    """Whether a line holds something printed like a postcode of any known format."""
    return any(f.pattern.search(text) for f in POSTCODE_FORMATS)


def region_from_postcode(lines: Iterable[str], *, anywhere: bool = False) -> str | None:
    """The region whose postcode format an address line shows ("NSW 2000" → AU), else None.

    Only formats that belong to one country count; a bare five-digit code could be German,
    French, Spanish, Italian or American. ``anywhere``: the lines are any of the card's, so
    a format of digits alone ("555-0198", also a phone number's tail) does not count.
    """
    for line in lines:
        for f in POSTCODE_FORMATS:
            if f.region is None or (anywhere and f.digits_only):
                continue
            if f.pattern.search(line):
                return f.region
    return None


@dataclass(frozen=True)
class RegionGuess:
    """The region for a card's national numbers, why, and what it could not rule out.

    ``reason`` names the hint that decided ("address", "calling code", "domain", "postcode",
    "legal form", "language" when only it told the tied regions apart), or "numbers" when
    only the numbers' validity and layout did, or "default". ``tied`` lists, for "numbers",
    the other regions in which just as many of the card's numbers validate and that nothing
    on the card tells apart from ``region``.
    """

    region: str
    reason: str
    tied: tuple[str, ...] = ()


def infer_region(
    address_lines: Sequence[str],
    texts: Sequence[str],
    domains: Sequence[str],
    hints: Sequence[str] = (),
) -> tuple[str, str]:
    """Guess the card's home region for numbers printed without a country code.

    Returns:
        (region, reason): see :func:`guess_region`, which also says which regions tied.
    """
    guess = guess_region(address_lines, texts, domains, hints)
    return guess.region, guess.reason


def guess_region(
    address_lines: Sequence[str],
    texts: Sequence[str],
    domains: Sequence[str],
    hints: Sequence[str] = (),
    languages: Iterable[str] = (),
) -> RegionGuess:
    """Guess the card's home region for numbers printed without a country code.

    Hints, strongest first: a country named in the address; the calling code printed most
    often (+49 → DE); a country TLD of the e-mail or web domain (.de, .co.uk → GB); a
    postcode format of one country ("NSW 2000"); the caller's ``hints`` (legal forms). Then
    the numbers printed in national form vote: the region under which most of them are
    valid wins, ties going to the strongest hint, then to a region where the card's language
    is spoken, then to the region that writes the numbers in the digit groups printed, then
    to :data:`DEFAULT_REGION`; to overrule a hint, a region must validate at least two
    numbers. A French "06 12 34 56 78" is not a valid US number, so a .com card with it is
    read as French; it is also a valid German number, so without a hint the region is only
    a best guess and the others stay in :attr:`RegionGuess.tied`. The language narrows
    them down, and so does the layout when every number is printed the guessed region's way
    and none another's (one number can match a layout by chance, several hardly).

    Args:
        address_lines: the lines taken as the postal address.
        texts: every line of the card (for calling codes and national numbers).
        domains: e-mail and website domains.
        hints: weaker regions the caller saw (a "Pty Ltd" company suggests AU).
        languages: the languages of the card's text (see :data:`LANGUAGE_REGIONS`).
    """
    found: list[tuple[str, str]] = []  # (region, reason), strongest first
    named = region_from_text(address_lines)
    if named:
        found.append((named, "address"))
    codes = country_codes(texts)
    if codes:
        from_code = region_for_code(codes.most_common(1)[0][0])
        if from_code:
            found.append((from_code, "calling code"))
    votes = Counter(r for r in (region_from_domain(d) for d in domains) if r)
    if votes:
        found.append((votes.most_common(1)[0][0], "domain"))
    postcode = region_from_postcode(address_lines)
    if postcode:
        found.append((postcode, "postcode"))
    found.extend((r, "legal form") for r in hints if r)
    if not postcode:
        # An address block the layout did not find still prints its postcode somewhere.
        anywhere = region_from_postcode(texts, anywhere=True)
        if anywhere:
            found.append((anywhere, "postcode"))
    strongest = RegionGuess(*found[0]) if found else RegionGuess(DEFAULT_REGION, "default")
    national = _national_numbers(texts)
    if not national:
        return strongest
    order = [r for r, _ in found] + [DEFAULT_REGION] + list(CANDIDATE_REGIONS)
    seen: list[str] = []
    for r in order:
        if r not in seen and r in phonenumbers.SUPPORTED_REGIONS:
            seen.append(r)
    counts = {r: sum(len(_valid_numbers(line, r)) for line in national) for r in seen}
    top = max(counts.values())
    if top == 0:
        return strongest
    hinted = [r for r, _ in found]
    spoken = {r for language in languages for r in LANGUAGE_REGIONS.get(language, ())}
    tied = [r for r in seen if counts[r] == top]
    fits = {r: _layout_fits(national, r) for r in tied}

    def rank(r: str) -> tuple[bool, int, bool, int, bool, int]:
        hint = -hinted.index(r) if r in hinted else 0
        return (r in hinted, hint, r in spoken, fits[r], r == DEFAULT_REGION, -seen.index(r))

    tied.sort(key=rank, reverse=True)
    best = tied[0]
    # One stray fragment ("2345-6789" is a valid Danish number) must not outvote a hint,
    # nor numbers that several regions read as valid alike: a short or old number valid
    # in many plans says little, a country the card names says much.
    if found and best != found[0][0]:
        plans = {phonenumbers.country_code_for_region(r) for r in tied}  # US and CA: one
        if top < max(2, counts[found[0][0]] + 1) or len(plans) > 1:
            return strongest
    reasons = dict(reversed(found))
    if best in reasons:
        return RegionGuess(best, reasons[best])
    rivals = [r for r in tied[1:] if best not in spoken or r in spoken]
    if tied[1:] and not rivals:
        return RegionGuess(best, "language")
    if top >= 2 and fits[best] == top:
        rivals = [r for r in rivals if fits[r]]
    return RegionGuess(best, "numbers", tuple(rivals))


def other_readings(dialled: str, region: str, regions: Iterable[str]) -> list[tuple[str, str]]:
    """(region, E.164) for each of ``regions`` that reads a national number differently.

    ``dialled`` was read as a number of ``region``; a region that also finds it valid but
    turns it into another number (not merely the same one, as US and CA do) is a real
    alternative the card must settle.
    """
    try:
        own = phonenumbers.format_number(
            phonenumbers.parse(dialled, region), PhoneNumberFormat.E164
        )
    except phonenumbers.NumberParseException:
        return []
    out: list[tuple[str, str]] = []
    for other in regions:
        try:
            number = phonenumbers.parse(dialled, other)
        except phonenumbers.NumberParseException:
            continue
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(number) and e164 != own and e164 not in (e for _, e in out):
            out.append((other, e164))
    return out


def normalize_email(address: str) -> str | None:
    """The canonical form of an e-mail address (domain lower-cased), None if not valid.

    Syntax only: no DNS lookups, ever. An address whose top-level domain does not exist
    (``.ip`` read for ``.jp``) is not valid either, so OCR slips there get repaired or flagged.
    """
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    normalized: str = result.normalized
    if not tld_exists(normalized.rsplit("@", 1)[1]):
        return None
    local, _, domain = normalized.rpartition("@")
    # Local parts are case-sensitive in theory and case-folded by every real mail server;
    # lower case is what CRMs deduplicate on.
    return f"{local.lower()}@{domain.lower()}"


def email_error(address: str) -> str:
    """Why an address is not valid, in words (empty string if it is)."""
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError as e:
        return str(e)
    tld = str(result.normalized).rsplit(".", 1)[-1]
    if not tld_exists(tld):
        return f"the domain ending .{tld} does not exist"
    return ""


def website_error(text: str) -> str:
    """Why a website a person typed is not valid, in words (empty string if it is).

    ``example.com``, ``https://www.example.com/team``: a host name of letters, digits and
    hyphens (any script: checked in its IDNA form) whose top-level domain exists
    (:func:`tld_exists`), an optional port and path; no spaces, no e-mail address, no
    scheme but http and https.
    """
    typed = text.strip()
    if not typed:
        return "it is empty"
    if any(ch.isspace() for ch in typed):
        return "a web address has no spaces"
    if "@" in typed:
        return "that is an e-mail address; add it as an e-mail"
    rest = re.sub(r"^https?://", "", typed, flags=re.I)
    if "://" in rest:
        return "only http:// and https:// addresses"
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rstrip(".").lower()
    host, colon, port = host.partition(":")
    if colon and not port.isdigit():
        return f"{port!r} is not a port number"
    labels = host.split(".")
    if len(labels) < 2 or not all(labels):
        return "write the whole domain, e.g. example.com"
    for label in labels:
        try:
            plain = label if label.isascii() else label.encode("idna").decode("ascii")
        except UnicodeError:
            return f"{label!r} is not a valid part of a domain"
        if len(plain) > 63 or plain.startswith("-") or plain.endswith("-"):
            return f"{label!r} is not a valid part of a domain"
        if not all(ch.isalnum() or ch == "-" for ch in plain):
            return f"{label!r} is not a valid part of a domain"
    if not tld_exists(host):
        return f"the domain ending .{labels[-1]} does not exist"
    return ""


#: Every top-level domain the reader knows by name: all country codes, the generic ones.
#: The one list of them: :func:`tld_exists` checks a value against it, the parser takes a
#: bare host in running text ("example.io", no www) only when its TLD is in it.
KNOWN_TLDS: frozenset[str] = frozenset(TLD_REGIONS) | GENERIC_TLDS | KNOWN_GTLDS


def tld_exists(domain: str) -> bool:
    """True when the last label of ``domain`` is a top-level domain in use.

    Every country code is known, and the common generic ones (:data:`KNOWN_TLDS`); an
    unknown TLD of four or more letters gets the benefit of the doubt (new gTLDs appear
    every year), an unknown three-letter one does not (".con" is a misread ".com").
    """
    tld = domain.lower().rstrip(".").rsplit(".", 1)[-1]
    if not tld.isalpha():
        return False
    if len(tld) == 2:
        return tld in TLD_REGIONS
    return tld in KNOWN_TLDS or len(tld) >= 4


def typed_phone(text: str, region: str | None) -> tuple[PhoneMatch | None, str]:
    """A phone number a person typed, checked strictly: (the number, "") or (None, why not).

    No OCR repairs: a person's typo is theirs to fix. A number without a country code is
    read in ``region``; without one either, the person is asked to add it.
    """
    typed = text.strip()
    if not typed:
        return None, "the number is empty"
    try:
        number = phonenumbers.parse(typed, None if typed.startswith("+") else region)
    except phonenumbers.NumberParseException:
        if region is None and not typed.startswith("+"):
            return None, "write the number with its country code, e.g. +44 20 7946 0000"
        return None, f"{typed!r} is not a phone number"
    match = _match_of(number, 0, len(typed), typed, typed)
    if not match.valid:
        return None, f"{typed!r} is not a valid number in {region or 'its country'}"
    return match, ""
