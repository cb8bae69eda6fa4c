"""Render business cards for invented people, "photograph" them, and write expected records.

Usage: ``python scripts/make_samples.py --out samples --count 24 --seed 1``. The same seed gives
the same files with the same fonts and library versions; other fonts or versions change pixels.

Tests import this file by path; register it in ``sys.modules`` before ``exec_module`` (dataclasses
need that)::

    spec = importlib.util.spec_from_file_location("make_samples", path)
    mod = importlib.util.module_from_spec(spec); sys.modules["make_samples"] = mod
    spec.loader.exec_module(mod)

Every person, company, address and handle is invented: Faker names and addresses mixed with our
own word lists. North American, British, Australian and French phone numbers come from the
ranges reserved for fiction where libphonenumber accepts them; the rest are random valid numbers.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import re
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

import cv2
import numpy as np
import numpy.typing as npt
import phonenumbers
from faker import Faker
from PIL import Image, ImageDraw, ImageFont

BGR = npt.NDArray[np.uint8]
Float = npt.NDArray[np.float32]
RGB = tuple[int, int, int]
AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont

DPI = 300
PX_PER_PT = DPI / 72
#: Smallest contact text we print in the default set (pt); real cards go down to about 6.
MIN_CONTACT_PT = 6.5

LAYOUTS = ("classic", "left-logo", "two-column", "band", "accent-bar", "portrait")
#: Record keys in order, as cardscan.models.RECORD_KEYS (kept here so the script stands alone).
RECORD_KEYS = (
    "source", "back", "card", "status", "error", "name", "given_name", "family_name",
    "title", "company", "emails", "phones", "websites", "address", "social", "confidence",
    "provenance", "text",
)  # fmt: skip


# --------------------------------------------------------------------------- locales


@dataclass(frozen=True)
class LocaleSpec:
    """What a card from one country looks like: language, region, domains, legal forms."""

    region: str
    lang: str
    tlds: tuple[str, ...]
    suffixes: tuple[str, ...]
    #: Card size in px at 300 dpi, landscape (3.5x2 in, 85x55 mm or 90x55 mm).
    size: tuple[int, int]
    #: Chance that phones are printed in international (+CC) form.
    intl: float


US_SIZE, EU_SIZE, AU_SIZE = (1050, 600), (1004, 650), (1063, 650)
LOCALES: dict[str, LocaleSpec] = {
    "en_US": LocaleSpec("US", "en", (".com", ".com", ".io", ".co"),
                        ("Inc.", "LLC", "Corp.", "Inc", "Co."), US_SIZE, 0.15),
    "en_GB": LocaleSpec("GB", "en", (".co.uk", ".co.uk", ".com", ".uk"),
                        ("Ltd", "Ltd.", "Limited", "LLP"), EU_SIZE, 0.4),
    "de_DE": LocaleSpec("DE", "de", (".de", ".de", ".com"),
                        ("GmbH", "GmbH", "AG", "GmbH & Co. KG", "KG"), EU_SIZE, 0.55),
    "fr_FR": LocaleSpec("FR", "fr", (".fr", ".fr", ".com"),
                        ("SARL", "SAS", "SA", "EURL"), EU_SIZE, 0.45),
    "es_ES": LocaleSpec("ES", "es", (".es", ".es", ".com"),
                        ("S.L.", "S.A.", "S.L.U.", "SL"), EU_SIZE, 0.5),
    "it_IT": LocaleSpec("IT", "it", (".it", ".it", ".com"),
                        ("S.r.l.", "S.p.A.", "Srl", "S.n.c."), EU_SIZE, 0.5),
    "nl_NL": LocaleSpec("NL", "nl", (".nl", ".nl", ".com", ".eu"),
                        ("B.V.", "BV", "N.V.", "V.O.F."), EU_SIZE, 0.55),
    "en_CA": LocaleSpec("CA", "en", (".ca", ".ca", ".com"),
                        ("Inc.", "Ltd.", "Corp.", "Ltée"), US_SIZE, 0.2),
    "en_AU": LocaleSpec("AU", "en", (".com.au", ".com.au", ".net.au", ".com"),
                        ("Pty Ltd", "Pty. Ltd.", "Ltd"), AU_SIZE, 0.3),
}  # fmt: skip

#: Job titles per language; "male|female" where the language marks gender.
TITLES: dict[str, tuple[str, ...]] = {
    "en": (
        "CEO", "Founder & CEO", "Chief Technology Officer", "Chief Financial Officer",
        "Head of Marketing", "Senior Software Engineer", "Product Manager", "Sales Director",
        "Account Executive", "Operations Manager", "Financial Controller", "Office Manager",
        "UX Designer", "Data Scientist", "Business Development Manager", "Managing Director",
        "Partner", "Senior Consultant", "HR Manager", "Project Manager",
        "Customer Success Manager", "Architect", "Marketing Coordinator",
        "Regional Sales Manager", "VP of Engineering", "Associate Director",
    ),
    "de": (
        "Geschäftsführer|Geschäftsführerin", "Vertriebsleiter|Vertriebsleiterin",
        "Projektleiter|Projektleiterin", "Softwareentwickler|Softwareentwicklerin",
        "Leiter Marketing|Leiterin Marketing", "Prokurist|Prokuristin", "Key Account Manager",
        "Senior Consultant", "Architekt|Architektin", "Steuerberater|Steuerberaterin",
        "Einkaufsleiter|Einkaufsleiterin", "Teamleiter IT|Teamleiterin IT",
        "Vertriebsingenieur|Vertriebsingenieurin",
    ),
    "fr": (
        "Directeur commercial|Directrice commerciale", "Chef de projet|Cheffe de projet",
        "Ingénieur logiciel|Ingénieure logiciel", "Responsable marketing",
        "Gérant|Gérante", "Directeur général|Directrice générale",
        "Chargé d'affaires|Chargée d'affaires", "Consultant senior|Consultante senior",
        "Architecte", "Responsable des ressources humaines", "Expert-comptable|Experte-comptable",
    ),
    "es": (
        "Director Comercial|Directora Comercial", "Director General|Directora General",
        "Jefe de Proyecto|Jefa de Proyecto", "Ingeniero de Software|Ingeniera de Software",
        "Responsable de Marketing", "Gerente", "Consultor Sénior|Consultora Sénior",
        "Arquitecto|Arquitecta", "Director Financiero|Directora Financiera",
        "Técnico de Ventas|Técnica de Ventas",
    ),
    "it": (
        "Direttore Commerciale|Direttrice Commerciale", "Amministratore Delegato",
        "Responsabile Marketing", "Ingegnere del Software", "Project Manager",
        "Consulente Senior", "Architetto", "Responsabile Vendite", "Commercialista",
    ),
    "nl": (
        "Directeur", "Accountmanager", "Projectleider", "Software Engineer",
        "Marketingmanager", "Adviseur", "Commercieel Directeur", "Office Manager", "Eigenaar",
        "Senior Consultant",
    ),
}  # fmt: skip

#: Invented company name parts per language: (descriptive words, fanciful words).
COMPANY_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("Analytics", "Systems", "Consulting", "Logistics", "Design", "Labs", "Partners",
         "Solutions", "Capital", "Health", "Media", "Robotics", "Software", "Engineering",
         "Studio", "Ventures", "Foods", "Energy", "Advisory", "Networks"),
        ("Brightwater", "Cedarline", "Silverbirch", "Harborview", "Summitfield", "Granitehill",
         "Maplecroft", "Copperleaf", "Willowmere", "Emberly", "Lumenade", "Quillstone",
         "Halcyon", "Juniperhall", "Kestrel", "Orchardway", "Tidewater", "Foxglove",
         "Ironbark", "Larkspur", "Bluefen", "Northbeam"),
    ),
    "de": (
        ("Logistik", "Beratung", "Systeme", "Maschinenbau", "Software", "Technik", "Medien",
         "Planung", "Bau", "Energie", "Immobilien", "Consulting", "Elektrotechnik"),
        ("Nordlicht", "Bergquell", "Sonnenfeld", "Eichenhain", "Weitblick", "Lindenhof",
         "Blauwasser", "Funkenflug", "Klarsicht", "Morgenrot", "Feldstein", "Rheinblick",
         "Tannengrün", "Mühlbach"),
    ),
    "fr": (
        ("Atelier", "Conseil", "Groupe", "Studio", "Cabinet", "Laboratoires", "Transports",
         "Éditions", "Ingénierie", "Bureau"),
        ("Lumière", "Horizon", "Rivage", "Mistral", "Belvédère", "Solstice", "Azur", "Vercors",
         "Émeraude", "Sillage", "Alizé", "Boréal", "Clairière"),
    ),
    "es": (
        ("Soluciones", "Grupo", "Consultora", "Ingeniería", "Estudio", "Transportes",
         "Distribuciones", "Servicios", "Construcciones", "Asesores"),
        ("Aurora", "Alameda", "Brisa", "Solana", "Olivar", "Altamira", "Marisma", "Almendro",
         "Peñalta", "Levante", "Candela"),
    ),
    "it": (
        ("Studio", "Officine", "Gruppo", "Tecnologie", "Servizi", "Costruzioni", "Consulenze",
         "Laboratori", "Edizioni"),
        ("Ponte", "Aurora", "Levante", "Fiordaliso", "Maestrale", "Girasole", "Castagno",
         "Libeccio", "Orizzonte", "Cipresso"),
    ),
    "nl": (
        ("Advies", "Techniek", "Logistiek", "Ontwerp", "Bouw", "Media", "Software", "Installatie",
         "Consultancy", "Vastgoed"),
        ("Duinwater", "Polderlicht", "Windkracht", "Grachtzicht", "Zeebries", "Kievit",
         "Lindeboom", "Molenwerf", "Heidezand", "Noorderzon"),
    ),
}  # fmt: skip

#: Phone labels per language and type: (short, long...). "other" has no short form.
PHONE_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"work": ("T", "Tel", "Tel.", "Phone", "Office", "Direct"),
           "mobile": ("M", "Mobile", "Cell", "Mob."), "fax": ("F", "Fax"),
           "other": ("", "Main", "Switchboard")},
    "de": {"work": ("T", "Tel.", "Telefon", "Fon", "Durchwahl"),
           "mobile": ("M", "Mobil", "Handy", "Mobil"), "fax": ("F", "Fax", "Telefax"),
           "other": ("", "Zentrale")},
    "fr": {"work": ("T", "Tél.", "Tél", "Tel.", "Bureau", "Ligne directe"),
           "mobile": ("M", "Mob.", "Portable", "Mobile"), "fax": ("F", "Fax"),
           "other": ("", "Standard")},
    "es": {"work": ("T", "Tel.", "Tfno.", "Teléfono"),
           "mobile": ("M", "Móvil", "Mov.", "Móvil"), "fax": ("F", "Fax"),
           "other": ("", "Centralita")},
    "it": {"work": ("T", "Tel.", "Telefono", "Ufficio"),
           "mobile": ("M", "Cell.", "Mobile", "Cellulare"), "fax": ("F", "Fax"),
           "other": ("", "Centralino")},
    "nl": {"work": ("T", "Tel.", "Telefoon", "Kantoor"),
           "mobile": ("M", "Mob.", "Mobiel", "Mobiel"), "fax": ("F", "Fax"),
           "other": ("", "Receptie")},
}  # fmt: skip
EMAIL_LABELS: dict[str, tuple[str, ...]] = {
    "en": ("Email", "E-mail", "Mail"), "de": ("E-Mail", "Mail", "E-Mail"),
    "fr": ("E-mail", "Courriel", "Mail"), "es": ("Email", "Correo", "E-mail"),
    "it": ("Email", "E-mail", "Mail"), "nl": ("E-mail", "Mail", "E-mail"),
}  # fmt: skip
WEB_LABELS: dict[str, tuple[str, ...]] = {
    "en": ("Web", "Website", "W"), "de": ("Web", "Internet", "Web"), "fr": ("Web", "Site", "Web"),
    "es": ("Web", "Web", "Sitio"), "it": ("Web", "Sito", "Web"), "nl": ("Web", "Website", "Web"),
}  # fmt: skip
GENERIC_MAILBOXES = {
    "en": ("info", "hello", "sales", "office"), "de": ("info", "kontakt", "vertrieb"),
    "fr": ("contact", "info", "bonjour"), "es": ("info", "hola", "contacto"),
    "it": ("info", "contatti", "ufficio"), "nl": ("info", "contact", "verkoop"),
}  # fmt: skip

#: National significant number prefixes and how many random digits follow, per region and kind.
#: Fictional ranges where libphonenumber accepts them (US/CA 555-01xx, GB drama, AU, FR fiction).
PHONE_PLANS: dict[str, dict[str, tuple[tuple[str, int], ...]]] = {
    "US": {"fixed": tuple((a + "55501", 2) for a in (
        "212", "415", "312", "617", "206", "512", "303", "404", "213", "720", "503", "919")),
        "mobile": tuple((a + "55501", 2) for a in ("646", "917", "650", "773", "347", "310"))},
    "CA": {"fixed": tuple((a + "55501", 2) for a in ("416", "604", "514", "613", "403", "902")),
           "mobile": tuple((a + "55501", 2) for a in ("647", "778", "438", "587", "780"))},
    "GB": {"fixed": (("2079460", 3), ("1614960", 3), ("1134960", 3), ("1174960", 3),
                     ("1214960", 3)),
           "mobile": (("74", 8), ("75", 8), ("77", 8), ("78", 8), ("79", 8))},
    "AU": {"fixed": (("25550", 4), ("37010", 4), ("75550", 4), ("87010", 4)),
           "mobile": (("49157", 4),)},
    "FR": {"fixed": (("19900", 4), ("26191", 4), ("35301", 4), ("46571", 4), ("53649", 4)),
           "mobile": (("6", 8), ("7", 8))},
    "DE": {"fixed": (("30", 7), ("30", 8), ("40", 7), ("89", 8), ("221", 7), ("69", 8),
                     ("711", 7), ("211", 7), ("341", 7), ("511", 7)),
           "mobile": (("151", 8), ("152", 8), ("160", 7), ("170", 7), ("171", 7), ("172", 7),
                      ("175", 7), ("176", 8), ("157", 8))},
    "ES": {"fixed": (("91", 7), ("93", 7), ("96", 7), ("95", 7), ("94", 7), ("98", 7)),
           "mobile": (("6", 8), ("7", 8))},
    "IT": {"fixed": (("02", 8), ("06", 8), ("011", 7), ("055", 7), ("081", 7), ("051", 7)),
           "mobile": (("32", 8), ("33", 8), ("34", 8), ("38", 8), ("39", 8))},
    "NL": {"fixed": (("20", 7), ("10", 7), ("30", 7), ("70", 7), ("40", 7), ("50", 7)),
           "mobile": (("6", 8),)},
}  # fmt: skip

#: (phone types on the card, weight). "work" first means the office line is listed first.
PHONE_MIXES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("work",), 0.2), (("mobile",), 0.15), (("work", "mobile"), 0.33), (("work", "fax"), 0.1),
    (("work", "mobile", "fax"), 0.12), (("mobile", "work"), 0.05), (("other", "mobile"), 0.05),
)  # fmt: skip


# --------------------------------------------------------------------------- people


class PhoneLine(NamedTuple):
    """One printed phone number: E.164, type (work|mobile|fax|toll-free|other), text, label.

    ``text`` is the number as printed, with its extension when it has one (``ext`` holds the
    extension's digits); ``split`` > 0 prints the text over two lines, breaking there.
    """

    e164: str
    type: str
    text: str
    label: str
    ext: str | None = None
    split: int = 0


@dataclass(frozen=True)
class Person:
    """Everything printed on one invented person's card (the ground truth)."""

    locale: str
    region: str
    #: The name line exactly as printed (may carry "Dr." or ", PhD").
    name: str
    given: str
    family: str
    title: str
    company: str
    emails: tuple[str, ...]
    phones: tuple[PhoneLine, ...]
    websites: tuple[str, ...]
    #: Address lines as printed; the record joins them with ", ".
    address: tuple[str, ...]
    social: tuple[str, ...]
    #: Labels printed before e-mail and web lines ("" = none).
    email_label: str = ""
    web_label: str = ""
    # How the hard cases print the card where it differs from the truth above:
    #: The name line as printed ("TANAKA Hiroshi", "JANE DOE"); "" = ``name``.
    print_name: str = ""
    #: The title's printed lines (a title over two lines); () = ``title`` on one line.
    title_lines: tuple[str, ...] = ()
    #: False when the company is printed only as its logo's initials.
    show_company: bool = True
    #: Lines printed after the address that no record field keeps (a second office).
    more_lines: tuple[str, ...] = ()


_FAKERS: dict[str, Faker] = {}
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[-'][^\W\d_]+)*$")


def _faker(rng: random.Random, locale: str) -> Faker:
    """A Faker for the locale, reseeded from rng so every person is reproducible."""
    if locale not in _FAKERS:
        _FAKERS[locale] = Faker(locale)
    fake = _FAKERS[locale]
    fake.seed_instance(rng.getrandbits(32))
    return fake


def ascii_slug(text: str, lang: str = "en") -> str:
    """Lowercase ASCII form of a name part for e-mails and domains (ü → ue in German)."""
    text = text.lower()
    if lang == "de":
        for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
            text = text.replace(a, b)
    text = text.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("œ", "oe")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]+", "", text.replace(" ", "-").replace("'", ""))


def _name_part(pick: Any, allow_space: bool = False, accented: bool = False) -> str:
    """Draw a name part from Faker until it is a plain word (no 'II', 'B.Sc.', digits).

    With ``accented``, prefer one with a letter beyond ASCII (Müller, Peña), so a set has some.
    """
    fallback = None
    for _ in range(60):
        value = str(pick()).strip()
        words = value.split(" ")
        plain = all(_NAME_RE.match(w) and w not in {"II", "III", "MBA", "MSc"} for w in words)
        if plain and (allow_space or len(words) == 1):
            if not accented or not value.isascii():
                return value
            fallback = fallback or value
    if fallback:
        return fallback
    raise RuntimeError("Faker gave no plain name part in 60 tries")


def _random_phone(rng: random.Random, region: str, kind: str) -> phonenumbers.PhoneNumber:
    """A random number of the kind (fixed|mobile) that libphonenumber calls valid."""
    cc = phonenumbers.country_code_for_region(region)
    want = {
        "fixed": {phonenumbers.PhoneNumberType.FIXED_LINE},
        "mobile": {phonenumbers.PhoneNumberType.MOBILE},
    }[kind] | {phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    for _ in range(200):
        prefix, n = rng.choice(PHONE_PLANS[region][kind])
        # Subscriber numbers do not start with 0 (nor do fictional ranges' free digits).
        digits = prefix + rng.choice("123456789") + "".join(rng.choices("0123456789", k=n - 1))
        num = phonenumbers.parse(f"+{cc}{digits}")
        if phonenumbers.is_valid_number(num) and phonenumbers.number_type(num) in want:
            return num
    raise RuntimeError(f"no valid {kind} number for {region} in 200 tries")


def _sibling_phone(
    rng: random.Random, num: phonenumbers.PhoneNumber, region: str
) -> phonenumbers.PhoneNumber:
    """A valid number differing in the last two digits (an office's fax beside its line)."""
    e164 = _e164(num)
    for _ in range(100):
        other = phonenumbers.parse(e164[:-2] + f"{rng.randrange(100):02d}")
        if _e164(other) != e164 and phonenumbers.is_valid_number(other):
            return other
    return _random_phone(rng, region, "fixed")


def _e164(num: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def _phone_forms(num: phonenumbers.PhoneNumber, region: str, intl: bool) -> list[str]:
    """Realistic printed forms of a number in national or international style."""
    pnf = phonenumbers.PhoneNumberFormat
    national = phonenumbers.format_number(num, pnf.NATIONAL)
    inter = phonenumbers.format_number(num, pnf.INTERNATIONAL)
    cc, rest = inter.split(" ", 1)
    if intl:
        forms = [inter]
        if region in {"GB", "DE", "FR", "NL", "IT", "AU"} and national.startswith(("0", "(0")):
            # "+44 (0)20 7946 0123": the trunk 0 in brackets, common on European cards.
            trunk = national.lstrip("(")[1:].replace(")", "")
            forms.append(f"{cc} (0){trunk}")
        if region in {"US", "CA"}:
            forms += [f"{cc} {rest.replace('-', ' ')}", f"{cc}.{rest.replace('-', '.')}"]
        if region in {"FR", "ES", "IT"}:
            forms.append(inter.replace(" ", "."))
    else:
        forms = [national]
        digits = re.sub(r"\D", "", national)
        if region in {"US", "CA"}:
            forms += [
                f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
                f"{digits[:3]}.{digits[3:6]}.{digits[6:]}",
            ]
        elif region == "FR":
            forms.append(national.replace(" ", "."))
        elif region == "DE":
            area, sub = national.split(" ", 1)
            forms += [f"{area}/{sub.replace(' ', '')}", f"{area} / {sub}"]
        elif region == "NL" and national.startswith("06"):
            forms.append(f"06-{digits[2:]}")
        elif region == "AU" and national.startswith("("):
            forms.append(national.replace("(", "").replace(")", ""))
    return forms


def _print_phone(num: phonenumbers.PhoneNumber, region: str, intl: bool, style: int) -> str:
    """One printed form; ``style`` keeps a card's numbers consistent. Always parses back."""
    forms = [
        f
        for f in _phone_forms(num, region, intl)
        if _e164(phonenumbers.parse(f, region)) == _e164(num)
    ]
    return forms[style % len(forms)]


def _company(rng: random.Random, fake: Faker, spec: LocaleSpec) -> tuple[str, str]:
    """An invented company name with a legal suffix, and its domain."""
    kinds, fancy = COMPANY_WORDS[spec.lang]
    roll = rng.random()
    if roll < 0.4:
        word = rng.choice(fancy)
        core = f"{word} {rng.choice(kinds)}"
        if spec.lang in {"fr", "es", "it"}:
            core = f"{rng.choice(kinds)} {word}"
        domain = ascii_slug(word, spec.lang) if rng.random() < 0.6 else ascii_slug(core, spec.lang)
    elif roll < 0.7:
        surname = _name_part(fake.last_name)
        joiner = {
            "de": "& Partner",
            "fr": "& Associés",
            "es": "y Asociados",
            "it": "& Associati",
            "nl": "& Partners",
        }.get(spec.lang, "& Partners")
        if rng.random() < 0.4:
            core = f"{surname} {joiner}"
        elif spec.lang in {"fr", "es", "it"}:
            core = f"{rng.choice(kinds)} {surname}"
        else:
            core = f"{surname} {rng.choice(kinds)}"
        domain = ascii_slug(core.split(" & ")[0].split(" y ")[0], spec.lang)
    else:
        core = rng.choice(fancy)
        domain = ascii_slug(core, spec.lang)
    domain = domain.strip("-") + rng.choice(spec.tlds)
    suffix = rng.choice(spec.suffixes)
    sep = ", " if suffix in {"Inc.", "LLC", "Ltd."} and rng.random() < 0.4 else " "
    return f"{core}{sep}{suffix}", domain


def _address(fake: Faker, spec: LocaleSpec, rng: random.Random) -> tuple[str, ...]:
    """Street and city lines in the country's usual order."""
    street = re.sub(r"\s+", " ", str(fake.street_address()).replace("\n", ", ")).strip()
    # Faker's es/it streets borrow an English "Apt. 12"; drop it rather than print it.
    street = re.sub(r"\s+(?:Apt\.|Appartamento|Apartamento)\s+\d+", "", street)
    region = spec.region
    if region == "US":
        state = fake.state_abbr(include_territories=False, include_freely_associated_states=False)
        city = f"{fake.city()}, {state} {fake.zipcode()}"
    elif region == "CA":
        code = str(fake.postalcode()).replace(" ", "")
        city = f"{fake.city()}, {fake.province_abbr()} {code[:3]} {code[3:]}"
    elif region == "AU":
        city = f"{fake.city()} {fake.state_abbr()} {fake.postcode()}"
    elif region == "GB":
        city = f"{fake.city()} {fake.postcode()}"
    elif region == "IT":
        city = f"{fake.postcode()} {fake.random_element(_italian_cities())}"
    else:
        city = f"{fake.postcode()} {fake.city()}"
    return (street, city)


@functools.lru_cache(maxsize=1)
def _italian_cities() -> tuple[str, ...]:
    """Faker's Italian cities in a fixed order.

    it_IT's ``city()`` draws from a list made from a set, whose order changes with each
    process's string hash seed, so the same seed would give other cities in another run.
    """
    from faker.providers.address.it_IT import Provider

    return tuple(sorted(Provider.cities))


def make_person(rng: random.Random, locale: str) -> Person:
    """An invented person with a consistent, valid set of contact details for one locale."""
    spec = LOCALES[locale]
    fake = _faker(rng, locale)
    lang = spec.lang
    female = rng.random() < 0.5
    accents = lang in {"de", "fr", "es"} and rng.random() < 0.3
    given = _name_part(fake.first_name_female if female else fake.first_name_male)
    family = _name_part(fake.last_name, allow_space=lang == "nl", accented=accents)
    if lang == "es" and rng.random() < 0.6:
        family = f"{family} {_name_part(fake.last_name)}"
    elif lang == "fr" and rng.random() < 0.08:
        family = f"de {family}"
    elif lang == "de" and rng.random() < 0.05:
        family = f"von {family}"
    middle = ""
    if rng.random() < {"en": 0.25, "de": 0.06}.get(lang, 0.0):
        middle = rng.choice("ABCDEFGHJKLMNPRSTW") + ". "
    honorific = "Dr. " if rng.random() < (0.1 if lang == "de" else 0.03) else ""
    creds = ""
    if not honorific and lang == "en" and rng.random() < 0.12:
        creds = ", " + rng.choice(("PhD", "MBA", "CPA" if spec.region == "US" else "MBA", "PhD"))
    name = f"{honorific}{given} {middle}{family}{creds}"

    titles = TITLES[lang]
    title = rng.choice(titles).split("|")
    title_text = title[-1] if female else title[0]
    company, domain = _company(rng, fake, spec)

    # E-mail handles: ASCII, particles run together, Spanish people by their first surname.
    g = ascii_slug(given, lang)
    f = ascii_slug(family.split(" ")[0] if lang == "es" else family, lang).replace("-", "")
    local = rng.choice((f"{g}.{f}", f"{g}.{f}", f"{g[0]}{f}", g, f"{g}{f}", f"{g[0]}.{f}"))
    emails = [f"{local}@{domain}"]
    if rng.random() < 0.12:
        emails.append(f"{rng.choice(GENERIC_MAILBOXES[lang])}@{domain}")
    websites = (
        [rng.choice((f"www.{domain}", f"www.{domain}", domain))] if rng.random() < 0.8 else []
    )
    social: list[str] = []
    if rng.random() < 0.22:
        social.append(rng.choice((f"linkedin.com/in/{g}-{f}", f"@{g}{f}", f"@{g}.{f}")))
    address = _address(fake, spec, rng) if rng.random() < 0.65 else ()

    # Phones: types, labels in one style per card, one printing style per card.
    types = rng.choices([m for m, _ in PHONE_MIXES], [w for _, w in PHONE_MIXES])[0]
    label_style = rng.choices(("short", "long", "none"), (0.4, 0.5, 0.1))[0]
    if label_style == "none" and types != ("work",):
        label_style = "long"
    if "other" in types:
        label_style = "long"
    colon = rng.random() < 0.35
    intl = rng.random() < spec.intl
    form_style = rng.randrange(4)
    phones: list[PhoneLine] = []
    office: phonenumbers.PhoneNumber | None = None
    for kind in types:
        if kind == "fax" and office is not None:
            num = _sibling_phone(rng, office, spec.region)
        else:
            num = _random_phone(rng, spec.region, "mobile" if kind == "mobile" else "fixed")
        if kind in {"work", "other"}:
            office = num
        choices = PHONE_LABELS[lang][kind]
        if label_style == "none":
            label = ""
        elif label_style == "short":
            label = choices[0]
        else:
            label = rng.choice(choices[1:])
        if label and colon and not label.endswith("."):
            label += ":"
        text = _print_phone(num, spec.region, intl, form_style)
        phones.append(PhoneLine(_e164(num), kind, text, label))

    email_label = web_label = ""
    if label_style == "short":
        email_label, web_label = ("E:", "W:") if colon else ("E", "W")
    elif label_style == "long" and rng.random() < 0.6:
        email_label = rng.choice(EMAIL_LABELS[lang]) + (":" if colon else "")
        web_label = rng.choice(WEB_LABELS[lang]) + (":" if colon else "")

    # Keep the contact block printable: at most 7 items besides the name block.
    while len(phones) + len(emails) + len(websites) + len(social) + len(address) > 7:
        if social:
            social.pop()
        elif len(emails) > 1:
            emails.pop()
        else:
            address = ()
    return Person(
        locale=locale,
        region=spec.region,
        name=name,
        given=given,
        family=family,
        title=title_text,
        company=company,
        emails=tuple(emails),
        phones=tuple(phones),
        websites=tuple(websites),
        address=tuple(address),
        social=tuple(social),
        email_label=email_label,
        web_label=web_label,
    )


def expected_record(
    person: Person, source: str, generator: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The public JSON record a perfect reader would produce, plus generator provenance."""
    return {
        "source": source,
        "back": None,
        "card": 0,
        "status": "ok",
        "error": None,
        "name": person.name,
        "given_name": person.given,
        "family_name": person.family,
        "title": person.title,
        # A company shown only as a picture logo is not printed: the truth rule of the
        # real card sets says null, not the name the domain spells.
        "company": person.company if person.show_company else None,
        "emails": [e.lower() for e in person.emails],
        "phones": [
            {"e164": p.e164, "type": p.type, "ext": p.ext, "raw": p.text} for p in person.phones
        ],
        "websites": [w.lower() for w in person.websites],
        "address": ", ".join(person.address) or None,
        "social": list(person.social),
        "confidence": {},
        "provenance": {},
        "text": "",
        "generator": dict(generator or {}),
    }


# --------------------------------------------------------------------------- fonts

#: (family, regular file, bold file); found anywhere under the font folders.
FONT_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("DejaVu Sans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("DejaVu Serif", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    ("DejaVu Sans Condensed", "DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    ("Liberation Sans", "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("Liberation Serif", "LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
    ("Carlito", "Carlito-Regular.ttf", "Carlito-Bold.ttf"),
    ("Caladea", "Caladea-Regular.ttf", "Caladea-Bold.ttf"),
    ("FreeSans", "FreeSans.ttf", "FreeSansBold.ttf"),
    ("FreeSerif", "FreeSerif.ttf", "FreeSerifBold.ttf"),
    ("Nimbus Sans", "NimbusSans-Regular.otf", "NimbusSans-Bold.otf"),
    ("URW Gothic", "URWGothic-Book.otf", "URWGothic-Demi.otf"),
    ("P052", "P052-Roman.otf", "P052-Bold.otf"),
    ("C059", "C059-Roman.otf", "C059-Bold.otf"),
)
FONT_DIRS = (
    "/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
    "/Library/Fonts", "/System/Library/Fonts", "C:/Windows/Fonts",
)  # fmt: skip


class FontFamily(NamedTuple):
    """A font family's name and regular/bold files (None: Pillow's built-in font)."""

    name: str
    regular: str | None
    bold: str | None


FALLBACK_FONT = FontFamily("Pillow default", None, None)


@functools.lru_cache(maxsize=1)
def available_fonts() -> tuple[FontFamily, ...]:
    """Families of FONT_FAMILIES installed here, in table order; the fallback if none is."""
    found: dict[str, str] = {}
    wanted = {f for _, r, b in FONT_FAMILIES for f in (r, b)}
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.name in wanted and path.name not in found:
                    found[path.name] = str(path)
    families = tuple(
        FontFamily(name, found[r], found[b])
        for name, r, b in FONT_FAMILIES
        if r in found and b in found
    )
    return families or (FALLBACK_FONT,)


@functools.lru_cache(maxsize=512)
def _font(path: str | None, px: int) -> AnyFont:
    """A font at a pixel size; Pillow's built-in one when there is no file."""
    if path is None:
        return ImageFont.load_default(px)
    return ImageFont.truetype(path, px)


# --------------------------------------------------------------------------- card design

#: Card stocks (colour, how often drawn): mostly white, some tinted or kraft.
STOCKS: dict[str, tuple[RGB, int]] = {
    "white": ((250, 250, 247), 5), "bright-white": ((253, 253, 253), 2),
    "cream": ((246, 239, 222), 2), "light-blue": ((222, 234, 245), 1),
    "grey": ((228, 228, 226), 1), "kraft": ((203, 170, 128), 1),
}  # fmt: skip
DARK_STOCKS: dict[str, RGB] = {
    "navy": (24, 36, 66), "charcoal": (42, 44, 48), "black": (20, 20, 22), "forest": (22, 60, 46),
}  # fmt: skip
ACCENTS: tuple[RGB, ...] = (
    (0, 94, 160), (196, 58, 40), (0, 124, 108), (222, 122, 0), (104, 44, 130), (40, 134, 62),
    (24, 48, 96), (170, 30, 80),
)  # fmt: skip
DARK_ACCENTS: tuple[RGB, ...] = ((222, 184, 96), (96, 204, 192), (130, 186, 245), (240, 150, 90))
#: Skin tones for the hand, in BGR like the photo.
SKIN_TONES: tuple[RGB, ...] = ((150, 180, 225), (120, 150, 200), (80, 110, 160), (60, 80, 120))
LOGO_SHAPES = ("circle", "square", "rounded", "diamond", "triangle", "hexagon", "rings", "bars")


@dataclass(frozen=True)
class Design:
    """How one card looks: layout, size, colours, fonts and text sizes (px at 300 dpi)."""

    layout: str
    width: int
    height: int
    stock: str
    paper: RGB
    ink: RGB
    muted: RGB
    accent: RGB
    dark: bool
    head_font: FontFamily
    body_font: FontFamily
    name_px: int
    title_px: int
    company_px: int
    contact_px: int
    lead: float
    logo: str
    title_upper: bool
    join_phones: bool
    labels_accent: bool

    @property
    def font(self) -> str:
        """The font families used, for provenance."""
        if self.head_font == self.body_font:
            return self.head_font.name
        return f"{self.head_font.name} + {self.body_font.name}"

    def scaled(self, factor: float) -> Design:
        """The same design with every text size multiplied by factor."""
        return replace(
            self,
            name_px=max(_pt(11), round(self.name_px * factor)),
            title_px=round(self.title_px * factor),
            company_px=round(self.company_px * factor),
            contact_px=round(self.contact_px * factor),
            lead=max(1.2, self.lead - (1 - factor) * 0.5),
        )


class _NoFit(Exception):
    """The card's text does not fit this design."""


def _pt(pt: float) -> int:
    return round(pt * PX_PER_PT)


def _random_design(person: Person, rng: random.Random, layout: str) -> Design:
    """A random design of the given layout, before fitting."""
    spec = LOCALES[person.locale]
    w, h = spec.size
    if layout == "portrait":
        w, h = h, w
    fonts = available_fonts()
    head = rng.choice(fonts)
    body = head if rng.random() < 0.6 else rng.choice(fonts)
    dark = layout != "band" and rng.random() < 0.2
    if dark:
        stock = rng.choice(sorted(DARK_STOCKS))
        paper, ink, muted = DARK_STOCKS[stock], (245, 245, 240), (196, 200, 206)
        accent = rng.choice(DARK_ACCENTS)
    else:
        stock = rng.choices(list(STOCKS), [n for _, n in STOCKS.values()])[0]
        paper = STOCKS[stock][0]
        ink = rng.choice(((28, 28, 32), (22, 30, 58), (40, 40, 44)))
        muted = (88, 88, 94)
        accent = rng.choice(ACCENTS)
        if stock == "kraft":
            ink, muted, accent = (
                (34, 26, 18),
                (64, 50, 36),
                rng.choice(((24, 48, 96), (120, 30, 20))),
            )
    return Design(
        layout=layout,
        width=w,
        height=h,
        stock=stock,
        paper=paper,
        ink=ink,
        muted=muted,
        accent=accent,
        dark=dark,
        head_font=head,
        body_font=body,
        name_px=_pt(rng.uniform(12, 16)),
        title_px=_pt(rng.uniform(8, 10)),
        company_px=_pt(rng.uniform(8.5, 11)),
        contact_px=_pt(rng.uniform(7, 9)),
        lead=rng.uniform(1.3, 1.5),
        logo=rng.choice(LOGO_SHAPES),
        title_upper=rng.random() < 0.2,
        join_phones=rng.random() < 0.3,
        labels_accent=rng.random() < 0.5,
    )


def design_card(
    person: Person, rng: random.Random, layout: str | None = None, fallback: bool = True
) -> Design:
    """A design that fits the person's text, shrinking the text or (with fallback) the layout.

    Raises ValueError when nothing fits (without fallback: when the layout asked for does not).
    """
    first = layout or rng.choice(LAYOUTS)
    base = _random_design(person, rng, first)
    kinds = [first]
    if fallback:
        kinds += [k for k in ("left-logo", "classic", "two-column") if k != first]
    for kind in kinds:
        long, short = max(base.width, base.height), min(base.width, base.height)
        w, h = (short, long) if kind == "portrait" else (long, short)
        design = replace(base, layout=kind, width=w, height=h)
        fitted = _fit(person, design)
        if fitted is not None:
            return fitted
    raise ValueError(f"{person.name}'s card does not fit layout {', '.join(kinds)}")


def _fit(person: Person, design: Design) -> Design | None:
    """The design with its text shrunk until the person's card fits; None if it never does."""
    factor = 1.0
    while design.scaled(factor).contact_px >= _pt(MIN_CONTACT_PT):
        try:
            _draw_card(person, design.scaled(factor))
        except _NoFit:
            factor -= 0.05
            continue
        return design.scaled(factor)
    return None


# --------------------------------------------------------------------------- drawing


@dataclass
class _Line:
    """A line of text: (label, value) segments, size, weight and colours."""

    segments: list[tuple[str, str]]
    px: int
    bold: bool = False
    color: RGB = (0, 0, 0)
    label_color: RGB = (0, 0, 0)
    head: bool = False
    gap_before: float = 0.0


class _Canvas:
    """A card being drawn, with measuring and stacking helpers."""

    def __init__(self, design: Design) -> None:
        self.d = design
        self.img = Image.new("RGB", (design.width, design.height), design.paper)
        self.draw = ImageDraw.Draw(self.img)

    def font(self, line: _Line, bold: bool) -> AnyFont:
        fam = self.d.head_font if line.head else self.d.body_font
        return _font(fam.bold if bold else fam.regular, line.px)

    def seg_gap(self, line: _Line) -> float:
        return line.px * 0.35

    def width(self, line: _Line) -> float:
        total = 0.0
        for i, (label, value) in enumerate(line.segments):
            if i:
                total += line.px * 1.6
            if label:
                total += self.font(line, True).getlength(label) + self.seg_gap(line)
            total += self.font(line, line.bold).getlength(value)
        return total

    def height(self, lines: Sequence[_Line], lead: float) -> float:
        return sum(ln.px * lead + ln.gap_before for ln in lines)

    def stack(
        self,
        lines: Sequence[_Line],
        box: tuple[float, float, float, float],
        align: str = "left",
        valign: str = "top",
    ) -> tuple[float, float]:
        """Draw lines in box (x0, y0, x1, y1); raise _NoFit if they overflow. Returns y span."""
        x0, y0, x1, y1 = box
        lead = self.d.lead
        total = self.height(lines, lead)
        if total > y1 - y0 + 1 or any(self.width(ln) > x1 - x0 + 1 for ln in lines):
            raise _NoFit
        y = {"top": y0, "bottom": y1 - total, "middle": (y0 + y1 - total) / 2}[valign]
        start = y
        for ln in lines:
            y += ln.gap_before
            base = y + ln.px * (lead - 1) / 2 + ln.px * 0.8
            w = self.width(ln)
            x = {"left": x0, "right": x1 - w, "center": (x0 + x1 - w) / 2}[align]
            for i, (label, value) in enumerate(ln.segments):
                if i:
                    x += ln.px * 1.6
                if label:
                    f = self.font(ln, True)
                    self.draw.text((x, base), label, font=f, fill=ln.label_color, anchor="ls")
                    x += f.getlength(label) + self.seg_gap(ln)
                f = self.font(ln, ln.bold)
                self.draw.text((x, base), value, font=f, fill=ln.color, anchor="ls")
                x += f.getlength(value)
            y += ln.px * lead
        return start, y

    def logo(self, x: float, y: float, size: float, initials: str, color: RGB, on: RGB) -> None:
        """An invented logo: a geometric mark, with initials when the shape has room."""
        d, s, shape = self.draw, size, self.d.logo
        cx, cy = x + s / 2, y + s / 2
        if shape == "circle":
            d.ellipse((x, y, x + s, y + s), fill=color)
        elif shape == "square":
            d.rectangle((x, y, x + s, y + s), fill=color)
        elif shape == "rounded":
            d.rounded_rectangle((x, y, x + s, y + s), radius=s * 0.22, fill=color)
        elif shape == "diamond":
            d.polygon([(cx, y), (x + s, cy), (cx, y + s), (x, cy)], fill=color)
        elif shape == "hexagon":
            pts = [
                (
                    cx + s / 2 * math.cos(math.pi / 3 * k + math.pi / 6),
                    cy + s / 2 * math.sin(math.pi / 3 * k + math.pi / 6),
                )
                for k in range(6)
            ]
            d.polygon(pts, fill=color)
        elif shape == "triangle":
            d.polygon([(cx, y + s * 0.05), (x + s, y + s * 0.92), (x, y + s * 0.92)], fill=color)
            return
        elif shape == "rings":
            r = s * 0.32
            for dx in (-0.16, 0.16):
                d.ellipse(
                    (cx + dx * s - r, cy - r, cx + dx * s + r, cy + r),
                    outline=color,
                    width=max(3, round(s * 0.07)),
                )
            return
        else:  # bars
            for k in range(3):
                top = y + s * (0.15 + 0.25 * k)
                d.rectangle((x + s * 0.1 * k, top, x + s, top + s * 0.15), fill=color)
            return
        fam = self.d.head_font
        f = _font(fam.bold, max(8, round(s * (0.42 if len(initials) < 3 else 0.32))))
        d.text((cx, cy), initials, font=f, fill=on, anchor="mm")


def _initials(company: str) -> str:
    words = [w for w in re.split(r"[\s&,]+", company) if w[:1].isalpha() and w[:1].isupper()]
    return "".join(w[0] for w in words[:2]).upper() or company[:1].upper()


def _head_lines(person: Person, d: Design, company: bool = True) -> list[_Line]:
    lines = [
        _Line(
            [("", person.print_name or person.name)], d.name_px, bold=True, color=d.ink, head=True
        )
    ]
    for title in person.title_lines or (person.title,):
        lines.append(
            _Line(
                [("", title.upper() if d.title_upper else title)],
                d.title_px,
                color=d.accent if d.dark else d.muted,
                head=True,
            )
        )
    if company and person.show_company:
        lines.append(_company_line(person, d, gap=d.title_px * 0.5))
    return lines


def _company_line(person: Person, d: Design, gap: float = 0.0) -> _Line:
    color = d.accent if not d.dark and d.stock != "kraft" else d.ink
    return _Line(
        [("", person.company)], d.company_px, bold=True, color=color, head=True, gap_before=gap
    )


def _contact_lines(person: Person, d: Design, one_line_address: bool) -> list[_Line]:
    """The contact block: phones (maybe two to a line), e-mail, web, social, address."""
    label_color = d.accent if d.labels_accent and d.stock != "kraft" else d.ink
    value_color = d.ink

    def line(*segs: tuple[str, str]) -> _Line:
        return _Line(list(segs), d.contact_px, color=value_color, label_color=label_color)

    out: list[_Line] = []
    phones = [(p.label, p.text) for p in person.phones]
    split = any(p.split for p in person.phones)
    if d.join_phones and len(phones) >= 2 and all(lbl for lbl, _ in phones) and not split:
        out.append(line(*phones[:2]))
        phones = phones[2:]
    if split:
        for p in person.phones:
            if p.split:
                out += [line((p.label, p.text[: p.split].rstrip())), line(("", p.text[p.split :]))]
            else:
                out.append(line((p.label, p.text)))
    else:
        out += [line(p) for p in phones]
    out += [line((person.email_label, e)) for e in person.emails]
    out += [line((person.web_label, w)) for w in person.websites]
    out += [line(("", s)) for s in person.social]
    if person.address:
        parts = [", ".join(person.address)] if one_line_address else list(person.address)
        for k, text in enumerate(parts):
            ln = line(("", text))
            ln.gap_before = d.contact_px * 0.3 if k == 0 else 0.0
            out.append(ln)
    for k, text in enumerate(person.more_lines):
        ln = line(("", text))
        ln.gap_before = d.contact_px * 0.3 if k == 0 else 0.0
        out.append(ln)
    return out


def _contacts_fitting(
    c: _Canvas, person: Person, width: float, one_line: bool | None = None
) -> list[_Line]:
    """Contact lines, putting the address on one line only if that fits the width."""
    if one_line is None:
        one_line = len(person.address) > 0 and len(person.phones) + len(person.emails) > 2
    lines = _contact_lines(person, c.d, one_line)
    if one_line and any(c.width(ln) > width for ln in lines):
        lines = _contact_lines(person, c.d, False)
    return lines


def _layout_classic(c: _Canvas, person: Person) -> None:
    d, w, h = c.d, c.d.width, c.d.height
    mx, my = w * 0.07, h * 0.09
    head = _head_lines(person, d)
    contacts = _contacts_fitting(c, person, w - 2 * mx)
    gap = d.contact_px * 0.9
    logo = h * 0.13
    total = c.height(head, d.lead) + gap + c.height(contacts, d.lead)
    show_logo = total + logo + gap <= h - 2 * my
    top = my + (logo + gap * 0.6 if show_logo else 0)
    _, y1 = c.stack(head, (mx, top, w - mx, h - my), align="center")
    if show_logo:
        c.logo(w / 2 - logo / 2, my, logo, _initials(person.company), d.accent, d.paper)
    rule_y = y1 + gap * 0.35
    c.draw.line((w / 2 - w * 0.12, rule_y, w / 2 + w * 0.12, rule_y), fill=d.accent, width=3)
    c.stack(contacts, (mx, rule_y + gap * 0.5, w - mx, h - my), align="center", valign="middle")


def _layout_left_logo(c: _Canvas, person: Person) -> None:
    d, w, h = c.d, c.d.width, c.d.height
    mx, my = w * 0.07, h * 0.1
    logo = h * 0.2
    c.logo(w - mx - logo, my, logo, _initials(person.company), d.accent, d.paper)
    head = _head_lines(person, d)
    _, y1 = c.stack(head, (mx, my, w - mx - logo - mx * 0.5, h - my))
    contacts = _contacts_fitting(c, person, w - 2 * mx)
    area = (mx, y1 + d.contact_px * 0.8, w - mx, h - my)
    n = len(person.phones) - (1 if d.join_phones and len(person.phones) > 1 else 0)
    if any(p.split for p in person.phones):
        n = len(person.phones) + sum(1 for p in person.phones if p.split)  # never joined
    if len(contacts) > 4 and 2 <= n < len(contacts):
        # Two blocks side by side: phones left, the rest right.
        left, right = contacts[:n], contacts[n:]
        for ln in right[:1]:
            ln.gap_before = 0.0
        mid = max(mx + max(c.width(ln) for ln in left) + mx * 0.8, w * 0.42)
        c.stack(left, (area[0], area[1], mid - mx * 0.5, area[3]), valign="bottom")
        c.stack(right, (mid, area[1], area[2], area[3]), valign="bottom")
    else:
        c.stack(contacts, area, valign="bottom")


def _layout_two_column(c: _Canvas, person: Person) -> None:
    d, w, h = c.d, c.d.width, c.d.height
    mx, my = w * 0.06, h * 0.1
    logo = h * 0.2
    head = _head_lines(person, d)
    contacts = _contacts_fitting(c, person, w, one_line=False)
    # The rule sits between the columns, nearer the narrower one's side.
    left, right = max(c.width(ln) for ln in head), max(c.width(ln) for ln in contacts)
    split = min(max(w * 0.4, mx * 1.5 + left), w - mx * 1.6 - right, w * 0.6)
    c.logo(mx, my, logo, _initials(person.company), d.accent, d.paper)
    c.stack(head, (mx, my + logo + h * 0.05, split - mx * 0.5, h - my), valign="bottom")
    c.draw.line((split, my, split, h - my), fill=d.accent, width=3)
    c.stack(contacts, (split + mx * 0.6, my, w - mx, h - my), valign="middle")


def _layout_band(c: _Canvas, person: Person) -> None:
    d, w, h = c.d, c.d.width, c.d.height
    mx, my = w * 0.06, h * 0.08
    band = h * 0.27
    c.draw.rectangle((0, 0, w, band), fill=d.accent)
    logo = band * 0.62
    c.logo(mx, (band - logo) / 2, logo, _initials(person.company), d.paper, d.accent)
    comp = _company_line(person, d)
    comp.color = d.paper
    if person.show_company:
        c.stack([comp], (mx + logo + mx * 0.4, 0, w - mx, band), valign="middle")
    head = _head_lines(person, d, company=False)
    contacts = _contacts_fitting(c, person, w * 0.55, one_line=False)
    top = band + h * 0.08
    try:
        _, y1 = c.stack(head, (mx, top, w * 0.5, h - my))
        c.stack(
            contacts,
            (w * 0.42, y1 + d.contact_px * 0.2, w - mx, h - my),
            align="right",
            valign="bottom",
        )
    except _NoFit:
        c.draw.rectangle((0, band, w, h), fill=d.paper)
        _, y1 = c.stack(head, (mx, top, w - mx, h - my))
        c.stack(contacts, (mx, y1 + d.contact_px * 0.6, w - mx, h - my), valign="bottom")


def _layout_accent_bar(c: _Canvas, person: Person) -> None:
    d, w, h = c.d, c.d.width, c.d.height
    bar = w * 0.025
    c.draw.rectangle((0, 0, bar, h), fill=d.accent)
    mx, my = w * 0.08, h * 0.1
    head = _head_lines(person, d, company=False)
    _, y1 = c.stack(head, (mx, my, w - mx, h - my))
    c.draw.line((mx, y1 + 8, mx + w * 0.1, y1 + 8), fill=d.accent, width=4)
    comp = _company_line(person, d)
    logo = d.company_px * 1.5
    contacts = _contacts_fitting(c, person, w - 2 * mx)
    ctop = y1 + d.contact_px * 1.0
    if c.width(comp) + logo * 1.3 < w * 0.4 and len(contacts) <= 5:
        # Company with a small mark, bottom right; contacts bottom left.
        cx0 = w - mx - c.width(comp)
        if person.show_company:
            c.stack([comp], (cx0, h - my - logo, w - mx, h - my), valign="middle")
        c.logo(cx0 - logo * 1.3, h - my - logo, logo, _initials(person.company), d.accent, d.paper)
        c.stack(contacts, (mx, ctop, cx0 - logo * 1.6, h - my), valign="bottom")
    else:
        shown = [comp] if person.show_company else []
        c.stack([*shown, *contacts], (mx, ctop, w - mx, h - my), valign="bottom")


def _layout_portrait(c: _Canvas, person: Person) -> None:
    d, w, h = c.d, c.d.width, c.d.height
    mx, my = w * 0.08, h * 0.07
    logo = w * 0.22
    c.logo(w / 2 - logo / 2, my, logo, _initials(person.company), d.accent, d.paper)
    comp = _company_line(person, d)
    y1 = my + logo + h * 0.02
    if person.show_company:
        _, y1 = c.stack([comp], (mx, y1, w - mx, h - my), align="center")
    head = _head_lines(person, d, company=False)
    _, y2 = c.stack(head, (mx, y1 + h * 0.08, w - mx, h - my), align="center")
    c.draw.line((w / 2 - w * 0.1, y2 + 12, w / 2 + w * 0.1, y2 + 12), fill=d.accent, width=3)
    contacts = _contacts_fitting(c, person, w - 2 * mx, one_line=False)
    c.stack(contacts, (mx, y2 + 40, w - mx, h - my), align="center", valign="bottom")


_LAYOUT_FUNCS = {
    "classic": _layout_classic, "left-logo": _layout_left_logo,
    "two-column": _layout_two_column, "band": _layout_band,
    "accent-bar": _layout_accent_bar, "portrait": _layout_portrait,
}  # fmt: skip


def _draw_card(person: Person, design: Design) -> Image.Image:
    canvas = _Canvas(design)
    _LAYOUT_FUNCS[design.layout](canvas, person)
    return canvas.img


def render_card(person: Person, rng: random.Random, layout: str | Design | None = None) -> BGR:
    """The flat card (about 1050x600 px at 300 dpi) as a BGR image."""
    design = layout if isinstance(layout, Design) else design_card(person, rng, layout)
    try:
        img = _draw_card(person, design)
    except _NoFit as exc:
        raise ValueError(f"text does not fit design {design.layout}") from exc
    return np.ascontiguousarray(np.asarray(img)[:, :, ::-1])


# --------------------------------------------------------------------------- photographing


def _smooth_noise(nrng: np.random.Generator, h: int, w: int, cell: float) -> Float:
    """Smooth noise in about [-1, 1] with features about ``cell`` px across."""
    sh, sw = max(2, round(h / cell)), max(2, round(w / cell))
    small = nrng.standard_normal((sh, sw), dtype=np.float32)
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), np.float32)


def _colorize(value: Float, color: Sequence[float]) -> Float:
    return np.asarray(value[:, :, None] * np.asarray(color, np.float32)[None, None, :], np.float32)


def _background(
    nrng: np.random.Generator, rng: random.Random, h: int, w: int, light_card: bool, hard: bool
) -> Float:
    """A surface to lay the card on: wood, fabric, laminate, stone or a mat (BGR, 0..255)."""
    kinds = ["wood", "fabric", "laminate", "stone", "mat"]
    if light_card and not hard:
        kinds.remove("laminate")  # white card on a white desk is a hard case
    kind = rng.choice(kinds)
    if kind == "wood":
        base = rng.choice(((70, 110, 160), (50, 80, 125), (95, 140, 185), (40, 60, 90)))
        vert = rng.random() < 0.5
        hh, ww = (w, h) if vert else (h, w)
        yy = np.arange(hh, dtype=np.float32)[:, None]
        warp = _smooth_noise(nrng, hh, ww, 500) * 14 + _smooth_noise(nrng, hh, ww, 80) * 2.5
        period = rng.uniform(18, 45)
        rings = np.sin(2 * np.pi * (yy + warp) / period)
        streak = np.asarray(
            cv2.resize(nrng.standard_normal((hh // 3, 12), dtype=np.float32), (ww, hh)), np.float32
        )
        value = 0.82 + 0.07 * rings + 0.06 * streak + 0.05 * _smooth_noise(nrng, hh, ww, 200)
        plank = rng.uniform(0.18, 0.35) * hh
        seams = np.abs(((yy + rng.uniform(0, plank)) % plank) - plank / 2) > plank / 2 - 2
        value = value * np.where(seams, 0.55, 1.0).astype(np.float32)
        if vert:
            value = np.ascontiguousarray(value.T)
        return _colorize(value, base)
    if kind == "fabric":
        base = rng.choice(
            ((110, 70, 40), (90, 90, 95), (60, 50, 120), (70, 100, 60), (150, 140, 130))
        )
        p = rng.uniform(3.5, 6)
        xx = np.arange(w, dtype=np.float32)[None, :]
        yy = np.arange(h, dtype=np.float32)[:, None]
        weave = np.sin(2 * np.pi * xx / p) * np.sin(2 * np.pi * yy / p)
        # Threads: noise stretched along each axis, plus slow folds.
        warp_t = cv2.resize(nrng.standard_normal((h, max(2, w // 40)), dtype=np.float32), (w, h))
        weft_t = cv2.resize(nrng.standard_normal((max(2, h // 40), w), dtype=np.float32), (w, h))
        value = (
            0.86 + 0.09 * weave + 0.035 * (warp_t + weft_t) + 0.06 * _smooth_noise(nrng, h, w, 500)
        )
        return _colorize(np.asarray(value, np.float32), base)
    if kind == "laminate":
        base = rng.choice(((235, 235, 232), (205, 210, 215), (180, 200, 215), (60, 60, 62)))
        value = 0.95 + 0.03 * _smooth_noise(nrng, h, w, 400) + 0.01 * _smooth_noise(nrng, h, w, 3)
        return _colorize(value, base)
    if kind == "stone":
        base = rng.choice(((150, 150, 148), (120, 125, 130), (170, 175, 180)))
        value = (
            0.85
            + 0.05 * _smooth_noise(nrng, h, w, 300)
            + 0.04 * _smooth_noise(nrng, h, w, 40)
            + 0.04 * _smooth_noise(nrng, h, w, 4)
        )
        return _colorize(value, base)
    base = rng.choice(((40, 40, 40), (50, 70, 40), (30, 30, 50)))
    value = 0.95 + 0.03 * _smooth_noise(nrng, h, w, 300) + 0.03 * _smooth_noise(nrng, h, w, 3)
    return _colorize(value, base)


def _quad(
    rng: random.Random,
    card: tuple[int, int],
    frame: tuple[int, int],
    frac: float,
    tilt: float,
    keystone: float,
) -> npt.NDArray[np.float32]:
    """Where the card's corners land in the frame: scaled, tilted, keystoned, fully inside."""
    (cw, ch), (fw, fh) = card, frame
    s = math.sqrt(frac * fw * fh / (cw * ch))
    pts = np.array([(-cw / 2, -ch / 2), (cw / 2, -ch / 2), (cw / 2, ch / 2), (-cw / 2, ch / 2)])
    pts *= s
    side = rng.randrange(4)  # which edge is further from the camera
    a, b = side, (side + 1) % 4
    mid = (pts[a] + pts[b]) / 2
    pts[a] += (mid - pts[a]) * keystone
    pts[b] += (mid - pts[b]) * keystone
    pts += np.array([[rng.gauss(0, 0.006), rng.gauss(0, 0.006)] for _ in range(4)]) * s * cw
    t = math.radians(tilt)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    pts = pts @ rot.T
    span = pts.max(axis=0) - pts.min(axis=0)
    limit = np.array([fw, fh]) * 0.94
    shrink = min(1.0, float(np.min(limit / span)))
    pts *= shrink
    span *= shrink
    room = (np.array([fw, fh]) - span) / 2 - np.array([fw, fh]) * 0.02
    centre = np.array([fw / 2, fh / 2]) + np.array(
        [rng.uniform(-room[0], room[0]) * 0.8, rng.uniform(-room[1], room[1]) * 0.8]
    )
    return (pts + centre).astype(np.float32)


def photograph(
    card: BGR,
    rng: random.Random,
    hard: bool = False,
    rotation: int | None = None,
    *,
    photo_px: int | None = None,
    cover: float | None = None,
) -> BGR:
    """The card lying on a surface, photographed with a phone: tilt, light, blur and noise.

    ``rotation`` is the clockwise quarter turn of the card in the photo (0, 90, 180, 270);
    None draws one (mostly 0). ``hard`` gives stronger perspective, worse light, more blur and
    noise, and lower-contrast backgrounds, for stress sets. ``photo_px`` (the photo's long
    side) and ``cover`` (the share of the photo the card covers) replace the drawn ones,
    after drawing them, so the other draws stay as they were.
    """
    nrng = np.random.default_rng(rng.getrandbits(64))
    if rotation is None:
        rotation = rng.choices((0, 90, 180, 270), (0.76, 0.08, 0.08, 0.08))[0]
    img = np.rot90(card, k=-(rotation // 90)).astype(np.float32)
    ch, cw = img.shape[:2]
    # Paper grain, before the card is scaled.
    img += _smooth_noise(nrng, ch, cw, 3)[:, :, None] * (4.0 if hard else 2.5)

    long_side = rng.randint(1600, 2400) if hard else rng.randint(1700, 2200)
    long_side = photo_px or long_side
    landscape = (cw >= ch) == (rng.random() < 0.88)
    fw, fh = (long_side, long_side * 3 // 4) if landscape else (long_side * 3 // 4, long_side)
    frac = rng.uniform(0.2, 0.75) if hard else rng.uniform(0.32, 0.62)
    frac = cover or frac
    limit, spread = (30.0, 10.0) if hard else (9.0, 3.5)
    tilt = max(-limit, min(limit, rng.gauss(0, spread)))
    keystone = rng.uniform(0.04, 0.2) if hard else rng.uniform(0.0, 0.06)
    quad = _quad(rng, (cw, ch), (fw, fh), frac, tilt, keystone)

    # Pre-scale the card so the perspective warp never has to shrink it much (no aliasing).
    scale = float(np.linalg.norm(quad[1] - quad[0]) / cw)
    sw, sh = max(8, round(cw * scale)), max(8, round(ch * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    img = np.asarray(cv2.resize(img, (sw, sh), interpolation=interp), np.float32)
    src = np.array([(0, 0), (sw, 0), (sw, sh), (0, sh)], np.float32)
    m = cv2.getPerspectiveTransform(src, quad)
    warped = cv2.warpPerspective(img, m, (fw, fh), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((sh, sw), np.float32), m, (fw, fh), flags=cv2.INTER_LINEAR)

    paper = float(card.mean())
    bg = _background(nrng, rng, fh, fw, paper > 170, hard)
    # Soft shadow cast away from the light.
    off = np.array([rng.uniform(-1, 1), rng.uniform(0.2, 1)]) * fw * rng.uniform(0.006, 0.02)
    shift = np.array([[1, 0, off[0]], [0, 1, off[1]]], np.float32)
    shadow = cv2.warpAffine(mask, shift, (fw, fh))
    shadow = cv2.GaussianBlur(shadow, (0, 0), fw * rng.uniform(0.006, 0.02))
    bg *= (1 - rng.uniform(0.25, 0.5) * shadow)[:, :, None]

    hand = rng.random() < (0.35 if hard else 0.2)
    where, skin = rng.uniform(0.25, 0.75), rng.choice(SKIN_TONES)
    if hand:
        _hand(bg, quad, where, skin, palm=True)
    frame = bg * (1 - mask[:, :, None]) + warped * mask[:, :, None]
    if hand:
        _hand(frame, quad, where, skin, palm=False)

    # Uneven light: a gradient, a vignette, a colour cast; glare when hard.
    yy, xx = np.mgrid[-1 : 1 : complex(0, fh), -1 : 1 : complex(0, fw)].astype(np.float32)
    theta = rng.uniform(0, 2 * math.pi)
    grad = rng.uniform(0.3, 0.55) if hard else rng.uniform(0.06, 0.22)
    light = 1 + grad * (math.cos(theta) * xx + math.sin(theta) * yy) / 2
    light *= 1 - rng.uniform(0.05, 0.25) * (xx**2 + yy**2) / 2
    light *= rng.uniform(0.55, 0.85) if hard else rng.uniform(0.88, 1.04)
    frame *= light[:, :, None]
    frame *= np.array([rng.uniform(0.92, 1.06), 1.0, rng.uniform(0.94, 1.08)], np.float32)
    if hard and rng.random() < 0.5:
        gx, gy = quad[rng.randrange(4)] * 0.5 + quad.mean(axis=0) * 0.5
        r2 = ((xx + 1) * fw / 2 - gx) ** 2 + ((yy + 1) * fh / 2 - gy) ** 2
        frame += (rng.uniform(60, 140) * np.exp(-r2 / (2 * (fw * 0.08) ** 2)))[:, :, None]

    # Optics: defocus and, sometimes, a little motion blur.
    sigma = rng.uniform(1.1, 2.2) if hard else rng.uniform(0.4, 1.0)
    frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), sigma), np.float32)
    if rng.random() < (0.5 if hard else 0.15):
        length = rng.randint(7, 13) if hard else rng.randint(3, 5)
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        kernel = np.asarray(cv2.warpAffine(kernel, rot, (length, length)), np.float32)
        kernel /= max(float(kernel.sum()), 1e-6)
        frame = np.asarray(cv2.filter2D(frame, -1, kernel), np.float32)
    # Sensor noise: luminance plus a little chroma.
    lum = rng.uniform(5, 10) if hard else rng.uniform(2.0, 3.5)
    frame += nrng.standard_normal((fh, fw, 1), dtype=np.float32) * lum
    frame += nrng.standard_normal((fh, fw, 3), dtype=np.float32) * (lum * 0.4)
    return np.clip(np.rint(frame), 0, 255).astype(np.uint8)


def _hand(img: Float, quad: npt.NDArray[np.float32], where: float, skin: RGB, palm: bool) -> None:
    """Paint a thumb resting on the card edge nearest the frame border, or the palm behind it."""
    h, w = img.shape[:2]
    mids = [(quad[k] + quad[(k + 1) % 4]) / 2 for k in range(4)]
    edge = min(range(4), key=lambda k: min(mids[k][0], mids[k][1], w - mids[k][0], h - mids[k][1]))
    a, b = quad[edge], quad[(edge + 1) % 4]
    normal = np.array([b[1] - a[1], a[0] - b[0]], np.float32)
    normal /= float(np.linalg.norm(normal))
    if float(np.dot(normal, mids[edge] - quad.mean(axis=0))) < 0:
        normal = -normal
    short = float(min(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[1])))
    point = a + (b - a) * where
    if palm:
        width, start = short * 0.9, point + normal * short * 0.3
    else:
        # A thumb is about a third of the card's short side wide; its tip rests on the card's
        # margin, reaching 4% of the short side in (text starts further in).
        width = short * 0.32
        start = point + normal * (width / 2 - short * 0.04)
    end = start + normal * 4 * max(h, w)
    mask = np.zeros((h, w), np.uint8)
    p0 = (round(float(start[0])), round(float(start[1])))
    p1 = (round(float(end[0])), round(float(end[1])))
    cv2.line(mask, p0, p1, 1, thickness=max(2, round(width)))
    cv2.circle(mask, p0, round(width / 2), 1, -1)
    # Rounded shading from the distance to the outline, and a soft edge.
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    shade = 0.72 + 0.28 * np.sqrt(np.clip(dist / (width / 2), 0, 1))
    alpha = np.asarray(cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.5 + short * 0.004))
    colour = np.array(skin, np.float32)[None, None, :] * shade[:, :, None]
    img *= 1 - alpha[:, :, None]
    img += colour * alpha[:, :, None]


def photograph_pale_table(
    cards: Sequence[BGR], rng: random.Random, fill: float | None = None
) -> tuple[BGR, list[npt.NDArray[np.float32]]]:
    """White cards on a pale table, the way real phone photos show them: barely any edge.

    The table is light gray or off-white, lit unevenly, with a faint texture; each card is
    only a little lighter than it, set off by a soft shadow. The cards lie in a row or a
    grid, a little turned; the whole is seen in mild perspective and saved as a JPEG.
    ``fill`` is the share of the frame's width the cards span (about 0.9: a card filling
    the frame); None draws one. Generated photos on contrasting tables never showed the
    failure real ones did (the whole photo kept as the card): these do.

    Returns:
        The photo (about 1600 px on its long side), and for each card in the order given
        its corners in the photo (top-left, top-right, bottom-right, bottom-left), float32.
    """
    nrng = np.random.default_rng(rng.getrandbits(64))
    n = len(cards)
    cols = n if n <= 3 else math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    fw, fh = (1600, 1200) if rng.random() < 0.6 else (1200, 1600)
    fill = fill if fill is not None else rng.uniform(0.45, 0.8)
    cw = fill * fw / (cols + 0.15 * (cols - 1))
    # Pale paper on a pale table: a few gray levels apart.
    tone = rng.uniform(200.0, 232.0)
    tint = np.array([rng.uniform(-4, 4), rng.uniform(-3, 3), rng.uniform(-4, 4)], np.float32)
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * fw, rng.uniform(-0.2, 0.5) * fh
    falloff = 1.0 - rng.uniform(0.1, 0.25) * np.hypot(xx - cx, yy - cy) / math.hypot(fw, fh)
    grain = _smooth_noise(nrng, fh, fw, 6) * 3.0 + _smooth_noise(nrng, fh, fw, 120) * 4.0
    table = (tone + grain)[:, :, None] + tint
    cover = np.zeros((fh, fw), np.float32)
    layer = np.zeros((fh, fw, 3), np.float32)
    quads: list[npt.NDArray[np.float32]] = []
    gap = 0.15 * cw
    for i, card in enumerate(cards):
        r, c = divmod(i, cols)
        row_h = cw / 1.6
        # Each card fits its cell (a portrait card stands in it smaller), so none overlap.
        k = min(cw / card.shape[1], row_h / card.shape[0])
        img = np.asarray(cv2.resize(card, None, fx=k, fy=k, interpolation=cv2.INTER_AREA))
        ih, iw = img.shape[:2]
        x0 = (fw - (cols * cw + (cols - 1) * gap)) / 2 + c * (cw + gap) + (cw - iw) / 2
        y0 = (fh - (rows * row_h + (rows - 1) * gap)) / 2 + r * (row_h + gap) + (row_h - ih) / 2
        centre = np.array([x0 + iw / 2, y0 + ih / 2])
        angle = math.radians(rng.uniform(-6, 6))
        rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        corners = np.array([(0, 0), (iw, 0), (iw, ih), (0, ih)], np.float64) - (iw / 2, ih / 2)
        quad = (corners @ rot.T + centre).astype(np.float32)
        src = np.array([(0, 0), (iw, 0), (iw, ih)], np.float32)
        m = cv2.getAffineTransform(src, quad[:3])
        mask = np.asarray(cv2.warpAffine(np.ones((ih, iw), np.float32), m, (fw, fh)))
        warped = np.asarray(
            cv2.warpAffine(img.astype(np.float32), m, (fw, fh), borderMode=cv2.BORDER_REPLICATE)
        )
        layer = layer * (1 - mask)[:, :, None] + warped * mask[:, :, None]
        cover = np.maximum(cover, mask)
        quads.append(quad)
    # The soft shadow is the card's only edge on some sides.
    dx, dy = rng.uniform(-1, 1) * 0.012 * cw, rng.uniform(0.3, 1) * 0.015 * cw
    off = np.array([[1, 0, dx], [0, 1, dy]])
    shadow = cv2.GaussianBlur(
        cv2.warpAffine(cover, off.astype(np.float32), (fw, fh)), (0, 0), 0.02 * cw
    )
    table = table * (1 - rng.uniform(0.08, 0.2) * shadow * (1 - cover))[:, :, None]
    # The paper, whatever its stock, is a few levels lighter than the table, of its hue.
    paper = np.median(layer[cover > 0.99], axis=0)
    target = np.minimum(tone + rng.uniform(4.0, 14.0) + tint, 252.0)
    gain = (target / np.maximum(paper, 1.0)).astype(np.float32)
    photo = table * (1 - cover)[:, :, None] + np.minimum(layer * gain, 255) * cover[:, :, None]
    photo *= falloff[:, :, None]
    # Perspective: the phone held a little off square.
    src = np.array([(0, 0), (fw, 0), (fw, fh), (0, fh)], np.float32)
    d = 0.04 * min(fw, fh)
    jitter = np.array([(rng.uniform(0, d), rng.uniform(0, d)) for _ in range(4)], np.float32)
    dst = src + jitter * np.array([(1, 1), (-1, 1), (-1, -1), (1, -1)], np.float32)
    h = cv2.getPerspectiveTransform(src, dst)
    photo = np.asarray(
        cv2.warpPerspective(photo, h, (fw, fh), borderMode=cv2.BORDER_REFLECT), np.float32
    )
    photo = np.asarray(cv2.GaussianBlur(photo, (0, 0), rng.uniform(0.6, 1.2)), np.float32)
    photo += nrng.normal(0, 2.0, photo.shape).astype(np.float32)
    out = np.clip(photo, 0, 255).astype(np.uint8)
    _, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(70, 88)])
    out = np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), np.uint8)
    placed = [
        np.asarray(cv2.perspectiveTransform(q.reshape(-1, 1, 2), h), np.float32).reshape(4, 2)
        for q in quads
    ]
    return out, placed


def photograph_table(
    cards: Sequence[BGR], rng: random.Random, hard: bool = False
) -> tuple[BGR, list[npt.NDArray[np.float32]]]:
    """Several cards laid out in rows on one table, photographed from above with a phone.

    The cards lie in rows in the order given (left to right, rows top to bottom), apart,
    each turned a little and some a quarter or half turn, each with a soft shadow, and now
    and then a thumb on an outer one. That tabletop goes through :func:`photograph` as if it
    were one card, its placement forced to fill the frame, so light, blur and noise are
    drawn as for one card. A portrait photo shows the tabletop turned a quarter.

    Returns:
        The photo, and for each card in the order given its corners in the photo: the
        printed card's own top-left, top-right, bottom-right and bottom-left, float32 4x2.
    """
    nrng = np.random.default_rng(rng.getrandbits(64))
    n = len(cards)
    cols = n if n <= 3 and rng.random() < 0.4 else max(1, round(math.sqrt(1.5 * n)))
    long_side = max(max(c.shape[:2]) for c in cards)
    # Shrink the cards so the tabletop is about as big as the photo: photograph() then
    # hardly resamples it, and the float images stay a few tens of MB.
    k = min(1.0, 1800.0 / (cols * long_side * 1.2))
    flat = [
        np.asarray(cv2.resize(c, None, fx=k, fy=k, interpolation=cv2.INTER_AREA), np.float32)
        for c in cards
    ]
    unit = long_side * k
    turns = [rng.choices((0, 90, 180, 270), (0.7, 0.12, 0.06, 0.12))[0] for _ in cards]
    spread = 8.0 if hard else 4.0
    angles = [t + max(-15.0, min(15.0, rng.gauss(0, spread))) for t in turns]
    # Card corners around the card's centre, turned: their extent sets each one's cell.
    shapes = []
    for img, angle in zip(flat, angles, strict=True):
        ch, cw = img.shape[:2]
        corners = np.array([(0, 0), (cw, 0), (cw, ch), (0, ch)], np.float64) - (cw / 2, ch / 2)
        t = math.radians(angle)
        rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
        shapes.append(corners @ rot.T)
    gap = unit * rng.uniform(0.04, 0.25)
    rows = [list(range(i, min(n, i + cols))) for i in range(0, n, cols)]
    extent = [s.max(axis=0) - s.min(axis=0) for s in shapes]
    row_w = [sum(extent[i][0] for i in row) + gap * (len(row) - 1) for row in rows]
    row_h = [max(extent[i][1] for i in row) for row in rows]
    grid_w, grid_h = max(row_w), sum(row_h) + gap * (len(rows) - 1)
    # A 4:3 box around the cards, and a table well beyond it so the photo never shows its end.
    box_w, box_h = max(grid_w, grid_h * 4 / 3), max(grid_h, grid_w * 3 / 4)
    sw, sh = round(1.6 * box_w), round(1.6 * box_h)
    centres = []
    y = (sh - grid_h) / 2
    for row, rw, rh in zip(rows, row_w, row_h, strict=True):
        x = (sw - rw) / 2 + rng.uniform(-0.3, 0.3) * gap
        for i in row:
            jitter = np.array([rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)]) * gap
            centres.append(np.array([x + extent[i][0] / 2, y + rh / 2]) + jitter)
            x += extent[i][0] + gap
        y += rh + gap
    on_table = [s + c for s, c in zip(shapes, centres, strict=True)]

    light_card = float(np.mean([c.mean() for c in cards])) > 170
    table = _background(nrng, rng, sh, sw, light_card, hard)
    masks = []
    for img, quad in zip(flat, on_table, strict=True):
        ch, cw = img.shape[:2]
        src = np.array([(0, 0), (cw, 0), (cw, ch)], np.float32)
        m = cv2.getAffineTransform(src, quad[:3].astype(np.float32))
        masks.append(np.asarray(cv2.warpAffine(np.ones((ch, cw), np.float32), m, (sw, sh))))
        warped = cv2.warpAffine(img, m, (sw, sh), flags=cv2.INTER_LINEAR)
        table *= (1 - masks[-1])[:, :, None]
        table += warped * masks[-1][:, :, None]
    # One light, so one shadow direction; each card shades the table around it.
    off = np.array([rng.uniform(-1, 1), rng.uniform(0.2, 1)]) * unit * rng.uniform(0.01, 0.03)
    shift = np.array([[1, 0, off[0]], [0, 1, off[1]]], np.float32)
    cover = np.clip(sum(masks), 0, 1)
    shadow = cv2.GaussianBlur(cv2.warpAffine(cover, shift, (sw, sh)), (0, 0), unit * 0.02)
    table *= (1 - rng.uniform(0.25, 0.5) * shadow * (1 - cover))[:, :, None]
    outer = [row[0] for row in rows] + [row[-1] for row in rows] + rows[0] + rows[-1]
    if rng.random() < (0.35 if hard else 0.2):
        held = rng.choice(outer)
        where, skin = rng.uniform(0.25, 0.75), rng.choice(SKIN_TONES)
        thumb = np.zeros((sh, sw, 3), np.float32)
        _hand(thumb, on_table[held].astype(np.float32), where, skin, palm=False)
        others = cover - masks[held]
        # A thumb reaching across another card would hide it: then no hand this time.
        if not np.any((thumb[:, :, 0] > 1) & (others > 0.5)):
            _hand(table, on_table[held].astype(np.float32), where, skin, palm=False)
    grid = np.array(
        [[(sw - grid_w) / 2, (sh - grid_h) / 2], [(sw + grid_w) / 2, (sh + grid_h) / 2]]
    )
    placed: list[npt.NDArray[np.float32]] = []

    def fill_frame(
        prng: random.Random,
        size: tuple[int, int],
        frame: tuple[int, int],
        frac: float,
        tilt: float,
        keystone: float,
    ) -> npt.NDArray[np.float32]:
        # Stands in for _quad: the tabletop covers the frame and the cards stay inside it.
        (tw, th), (fw, fh) = size, frame
        turned = (fw > fh) != (tw > th)
        corners = np.array([(0, 0), (tw, 0), (tw, th), (0, th)], np.float64)
        mid = grid.mean(axis=0)
        span = grid[1] - grid[0]
        if turned:
            span = span[::-1]
        fit = min(0.9 * fw / span[0], 0.9 * fh / span[1]) * prng.uniform(0.8, 1.0)
        side = prng.randrange(4)
        shake = np.array([prng.uniform(-1, 1), prng.uniform(-1, 1)]) * 0.03 * np.array([fw, fh])
        frame_box = np.array([(1, 1), (fw - 2, 1), (fw - 2, fh - 2), (1, fh - 2)], np.float32)
        for damp in (1.0, 0.5, 0.25, 0.0):
            pts = corners - mid
            a, b = side, (side + 1) % 4
            edge_mid = (pts[a] + pts[b]) / 2
            pts[a] += (edge_mid - pts[a]) * keystone * damp
            pts[b] += (edge_mid - pts[b]) * keystone * damp
            t = math.radians(0.3 * tilt * damp + (90.0 if turned else 0.0))
            rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
            quad = (pts @ rot.T * fit + np.array([fw / 2, fh / 2]) + shake * damp).astype(
                np.float32
            )
            m = cv2.getPerspectiveTransform(corners.astype(np.float32), quad)
            cards_in = [
                cv2.perspectiveTransform(q.reshape(-1, 1, 2).astype(np.float32), m).reshape(-1, 2)
                for q in on_table
            ]
            covered = all(
                cv2.pointPolygonTest(quad, (float(x), float(y)), False) > 0 for x, y in frame_box
            )
            inside = all(
                (q[:, 0] > 0.02 * fw).all() and (q[:, 0] < 0.98 * fw).all()
                and (q[:, 1] > 0.02 * fh).all() and (q[:, 1] < 0.98 * fh).all()
                for q in cards_in
            )  # fmt: skip
            if (covered and inside) or damp == 0.0:
                placed[:] = [np.asarray(q, np.float32) for q in cards_in]
                return quad
        raise AssertionError("unreachable")

    own = globals()
    saved = own["_quad"]
    own["_quad"] = fill_frame
    try:
        photo = photograph(np.clip(np.rint(table), 0, 255).astype(np.uint8), rng, hard, rotation=0)
    finally:
        own["_quad"] = saved
    return photo, placed


def scan(card: BGR, rng: random.Random) -> BGR:
    """A flatbed scan of the card: slightly skewed on a light lid, clean and sharp."""
    h, w = card.shape[:2]
    pad = round(0.1 * max(h, w))
    size = (w + 2 * pad, h + 2 * pad)
    lid = rng.choice(((236, 236, 234), (244, 244, 244), (226, 229, 232)))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-2.5, 2.5), 1.0)
    m[:, 2] += pad + rng.uniform(-0.4, 0.4) * pad
    mask = np.asarray(cv2.warpAffine(np.ones((h, w), np.float32), m, size), np.float32)
    # The scanner's lamp leaves a thin shadow along the card's edges.
    shifted = cv2.warpAffine(mask, np.array([[1, 0, 3], [0, 1, 3]], np.float32), size)
    shadow = np.asarray(cv2.GaussianBlur(shifted, (0, 0), 2.5), np.float32)
    out = np.full((size[1], size[0], 3), lid, np.float32) * (1 - 0.4 * shadow)[:, :, None]
    warped = cv2.warpAffine(card.astype(np.float32), m, size, flags=cv2.INTER_CUBIC)
    out = out * (1 - mask[:, :, None]) + warped * mask[:, :, None]
    out = np.asarray(cv2.GaussianBlur(out, (0, 0), 0.6), np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- files

#: HEIC is encoded more efficiently than JPEG; this keeps a noisy photo near 300 KB.
HEIC_QUALITY = 45
#: EXIF Orientation → how many quarter turns counter-clockwise the stored pixels are turned.
_EXIF_TURNS = {3: 2, 6: 1, 8: 3}


def save_image(
    img: BGR, path: Path, quality: int = 85, exif_orientation: int | None = None
) -> None:
    """Write a BGR image as JPEG, PNG or HEIC by suffix.

    With ``exif_orientation`` (3, 6 or 8), the JPEG's pixels are stored turned and the EXIF
    Orientation tag says how to turn them back, as phone cameras do.
    """
    rgb = np.ascontiguousarray(img[:, :, ::-1])
    suffix = path.suffix.lower()
    if suffix in {".jpg", ".jpeg"}:
        kwargs: dict[str, Any] = {"quality": quality, "optimize": True}
        if exif_orientation:
            rgb = np.ascontiguousarray(np.rot90(rgb, k=_EXIF_TURNS[exif_orientation]))
            exif = Image.Exif()
            exif[0x0112] = exif_orientation
            kwargs["exif"] = exif.tobytes()
        Image.fromarray(rgb).save(path, format="JPEG", **kwargs)
    elif suffix == ".png":
        Image.fromarray(rgb).save(path, format="PNG", optimize=True)
    elif suffix in {".heic", ".heif"}:
        import pillow_heif

        pillow_heif.register_heif_opener()
        Image.fromarray(rgb).save(path, format="HEIF", quality=HEIC_QUALITY)
    else:
        raise ValueError(f"unsupported image type: {path.name}")


#: Locale order for generated sets (US twice: the project's first users).
LOCALE_ORDER = (
    "en_US", "de_DE", "en_GB", "fr_FR", "es_ES", "en_US", "it_IT", "nl_NL", "en_CA", "en_AU",
)  # fmt: skip
#: Quarter turns of the card in the default set, by index modulo 12.
ROTATION_CYCLE = (0, 0, 0, 90, 0, 0, 0, 180, 0, 0, 0, 270)
#: Index modulo 24 → special file kind (everything else is a JPEG photo).
SPECIAL_FORMATS = {6: "scan-png", 13: "heic", 20: "exif-jpg"}


@dataclass(frozen=True)
class Sample:
    """One generated sample: the files written and what went into them."""

    image: Path
    expected: Path
    record: dict[str, Any]


def make_sample(
    out_dir: Path, index: int, seed: int, *, hard: bool = False,
    locales: Sequence[str] = LOCALE_ORDER, layouts: Sequence[str] = LAYOUTS,
) -> Sample:  # fmt: skip
    """Generate sample number ``index`` of the set for ``seed``: image and expected JSON."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sample_seed = seed * 100_000 + index
    rng = random.Random(sample_seed)
    locale = locales[index % len(locales)]
    layout = layouts[index % len(layouts)]
    # Draw people until one fits the layout asked for, so a set keeps its mix of layouts;
    # from the eighth on, any layout that fits will do.
    for attempt in range(20):
        person = make_person(rng, locale)
        try:
            design = design_card(person, rng, layout, fallback=attempt >= 7)
            break
        except ValueError:
            continue
    else:
        raise ValueError(f"sample {index} of seed {seed}: no {locale} person's card fits")
    card = render_card(person, rng, design)
    kind = SPECIAL_FORMATS.get(index % 24, "jpg")
    rotation = rng.choice((0, 0, 0, 0, 0, 0, 90, 180, 270)) if hard else ROTATION_CYCLE[index % 12]
    quality = rng.randint(50, 70) if hard else rng.randint(68, 90)
    exif = 6 if kind == "exif-jpg" and index % 2 == 0 else 8 if kind == "exif-jpg" else None
    if kind == "scan-png":
        photo, rotation = scan(card, rng), 0
    else:
        photo = photograph(card, rng, hard=hard, rotation=rotation)
    ext = {"scan-png": "png", "heic": "heic"}.get(kind, "jpg")
    dark = "-dark" if design.dark else ""
    stem = f"{person.region.lower()}-{design.layout}{dark}-{index + 1:02d}"
    stem += {"scan-png": "-scan", "exif-jpg": f"-exif{exif}"}.get(kind, "")
    image = out_dir / f"{stem}.{ext}"
    save_image(photo, image, quality=quality, exif_orientation=exif)
    generator = {
        "seed": sample_seed,
        "index": index,
        "locale": locale,
        "layout": design.layout,
        "stock": design.stock,
        "dark": design.dark,
        "font": design.font,
        "contact_pt": round(design.contact_px / PX_PER_PT, 1),
        "rotation": rotation,
        "kind": "scan" if kind == "scan-png" else "photo",
        "hard": hard,
        "quality": None if ext == "png" else quality,
        "exif_orientation": exif,
    }
    record = expected_record(person, image.name, generator)
    expected = out_dir / f"{stem}.expected.json"
    expected.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Sample(image, expected, record)


def generate(
    out_dir: Path, count: int, seed: int, *, hard: bool = False,
    locales: Sequence[str] = LOCALE_ORDER, layouts: Sequence[str] = LAYOUTS,
) -> list[Path]:  # fmt: skip
    """Write ``count`` samples (image + NAME.expected.json) to out_dir; returns image paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        make_sample(out_dir, i, seed, hard=hard, locales=locales, layouts=layouts).image
        for i in range(count)
    ]


# --------------------------------------------------------------------------- hard cases

#: Hard cases that imitate what real photos do, each a command-line flag (``--qr``); the
#: ``hard-cases`` suite gives each sample one of them in turn. The expected record lists a
#: sample's cases in ``generator.cases``, which the benchmark reports on one by one.
CASES: dict[str, str] = {
    "small": "small card in a large photo (about 10 Mpx, the card a twentieth of it)",
    "rot90": "card turned 90° or 270° in the photo",
    "offices": "two offices in two countries: two addresses, phones with two country codes",
    "logo-only": "company printed only as a logo with initials; the e-mail/web domain names it",
    "caps": "name printed in capitals",
    "family-first": "family name first (TANAKA Hiroshi, Nguyen Van An, Kovács Péter)",
    "name-parts": "middle initials, particles (van der, von, de), Jr., PhD, MBA, Dipl.-Ing.",
    "toll-free": "a toll-free number beside the others (type toll-free)",
    "extension": "an extension after the office number (x204, ext. 12; record phone ext)",
    "split-phone": "a phone number broken over two lines",
    "title-dept": "'Title | Department' on one line",
    "two-line-title": "a title printed over two lines",
    "language": "a German, French or Spanish card with its own labels and legal form",
    "qr": "a QR code on the card (vCard, MECARD or URL) carrying the same values",
    "two-sided": "NAME_front + NAME_back photos: the company side, or another language",
    "table": "2-5 cards on one table in one photo; the expected file is a list",
}
#: Cases about the photograph rather than the card; a photo of several cards takes none.
PHOTO_CASES = frozenset({"small", "rot90", "two-sided"})
SUITES: dict[str, tuple[str, ...]] = {"hard-cases": tuple(CASES)}

#: Layouts that always draw the logo: on a logo-only card it is the company's one trace.
LOGO_LAYOUTS = ("left-logo", "two-column", "band", "portrait")
#: Locales of the "language" case.
LANGUAGE_LOCALES = ("de_DE", "fr_FR", "es_ES")
#: Cards that family-name-first people work with.
FAMILY_FIRST_LOCALES = ("en_US", "en_GB", "en_AU", "en_CA")
#: How a card tags a country's office or phone ("Tel. UK").
COUNTRY_TAGS = {
    "US": "US", "CA": "Canada", "GB": "UK", "AU": "Australia", "DE": "DE", "FR": "FR",
    "ES": "ES", "IT": "IT", "NL": "NL",
}  # fmt: skip
OFFICE_WORDS = {"en": "Office", "de": "Büro", "fr": "Bureau", "es": "Oficina", "it": "Sede",
                "nl": "Kantoor"}  # fmt: skip
TOLL_FREE_LABELS: dict[str, tuple[str, ...]] = {
    "en": ("Toll-free", "Toll free", "Toll-Free"), "GB": ("Freephone", "Free phone"),
    "de": ("Gebührenfrei", "Kostenlos", "Service-Hotline"),
    "fr": ("Numéro vert", "N° vert", "Appel gratuit"),
    "es": ("Gratuito", "Línea gratuita", "Llamada gratuita"),
    "it": ("Numero verde", "Gratuito"), "nl": ("Gratis", "Gratis nummer"),
}  # fmt: skip
#: Toll-free prefixes and free digits per region (US/CA kept in the fictional 555-01xx).
TOLL_FREE_PLANS: dict[str, tuple[tuple[str, int], ...]] = {
    "US": (("80055501", 2), ("88855501", 2), ("87755501", 2), ("86655501", 2)),
    "CA": (("80055501", 2), ("87755501", 2), ("88855501", 2)),
    "GB": (("800", 7), ("808", 7)), "AU": (("1800", 6),), "FR": (("800", 6), ("805", 6)),
    "DE": (("800", 7),), "ES": (("900", 6), ("800", 6)), "IT": (("800", 6),),
    "NL": (("800", 4),),
}  # fmt: skip
#: How an extension follows the number, per language ("{}" = its digits).
EXTENSION_FORMS: dict[str, tuple[str, ...]] = {
    "en": ("x{}", "x{}", "ext. {}", "Ext. {}", "ext {}", "x {}"), "de": ("DW {}", "Durchwahl {}"),
    "fr": ("poste {}",), "es": ("ext. {}", "anexo {}"), "it": ("int. {}",),
    "nl": ("toestel {}",),
}  # fmt: skip
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "en": ("Marketing", "Sales", "Finance", "Engineering", "Research & Development",
           "Human Resources", "Operations", "Customer Success", "EMEA Sales", "Digital Products"),
    "de": ("Vertrieb", "Marketing", "Einkauf", "Personal", "Entwicklung", "Finanzen", "IT"),
    "fr": ("Marketing", "Ventes", "Direction financière", "Ressources humaines",
           "Recherche et développement", "Service client"),
    "es": ("Marketing", "Ventas", "Finanzas", "Recursos Humanos", "Operaciones",
           "Atención al Cliente"),
    "it": ("Marketing", "Vendite", "Amministrazione", "Risorse Umane"),
    "nl": ("Marketing", "Verkoop", "Financiën", "Inkoop", "Klantenservice"),
}  # fmt: skip
#: Titles too long for one line, as cards break them.
TWO_LINE_TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("Senior Vice President", "Global Business Development"),
           ("Director of Strategic", "Partnerships & Alliances"),
           ("Head of Customer", "Experience and Operations"),
           ("Executive Assistant to the", "Chief Executive Officer"),
           ("Regional Sales Manager", "Northern Europe")),
    "de": (("Leiter Vertrieb und", "Business Development"),
           ("Referentin der", "Geschäftsführung"),
           ("Leiterin Forschung", "und Entwicklung")),
    "fr": (("Directeur du développement", "commercial international"),
           ("Responsable des relations", "clients et partenaires")),
    "es": (("Directora de Desarrollo", "de Negocio Internacional"),
           ("Responsable de Relaciones", "Institucionales")),
    "it": (("Responsabile Sviluppo", "Commerciale Estero"),),
    "nl": (("Manager Klantrelaties", "en Partnerschappen"),),
}  # fmt: skip
#: One job in several languages, for a card whose back is the front in another language.
TITLE_PAIRS: tuple[dict[str, str], ...] = (
    {"en": "Managing Director", "de": "Geschäftsführer|Geschäftsführerin",
     "fr": "Directeur général|Directrice générale", "es": "Director General|Directora General",
     "it": "Amministratore Delegato", "nl": "Algemeen Directeur"},
    {"en": "Sales Director", "de": "Vertriebsleiter|Vertriebsleiterin",
     "fr": "Directeur commercial|Directrice commerciale",
     "es": "Director Comercial|Directora Comercial",
     "it": "Direttore Commerciale|Direttrice Commerciale", "nl": "Commercieel Directeur"},
    {"en": "Project Manager", "de": "Projektleiter|Projektleiterin",
     "fr": "Chef de projet|Cheffe de projet", "es": "Jefe de Proyecto|Jefa de Proyecto",
     "it": "Project Manager", "nl": "Projectleider"},
    {"en": "Software Engineer", "de": "Softwareentwickler|Softwareentwicklerin",
     "fr": "Ingénieur logiciel|Ingénieure logiciel",
     "es": "Ingeniero de Software|Ingeniera de Software", "it": "Ingegnere del Software",
     "nl": "Software Engineer"},
    {"en": "Head of Marketing", "de": "Leiter Marketing|Leiterin Marketing",
     "fr": "Responsable marketing", "es": "Responsable de Marketing",
     "it": "Responsabile Marketing", "nl": "Marketingmanager"},
    {"en": "Architect", "de": "Architekt|Architektin", "fr": "Architecte",
     "es": "Arquitecto|Arquitecta", "it": "Architetto", "nl": "Architect"},
)  # fmt: skip
#: Name parts of the "name-parts" case, per language.
PARTICLES = {
    "en": ("van", "de", "von", "Van"), "de": ("von", "von der", "zu"),
    "fr": ("de", "du", "de la"), "es": ("de", "del", "de la"), "it": ("De", "Di", "Da"),
    "nl": ("van", "van der", "de", "van den", "ter"),
}  # fmt: skip
PREFIXES = {"de": ("Dipl.-Ing.", "Dr.", "Prof. Dr.", "Dipl.-Kfm."), "it": ("Dott.", "Ing."),
            "es": ("Dr.",), "nl": ("Ir.", "Drs."), "fr": ("Dr",), "en": ("Dr.",)}  # fmt: skip
CREDENTIALS = (", PhD", ", MBA", ", CPA", ", MBA, CPA", ", PhD, MBA", " PhD")
SUFFIXES = (" Jr.", ", Jr.", " Sr.", " III")
#: Family-name-first people: Japanese and Chinese (Faker's romanised names), Vietnamese and
#: Hungarian. Vietnamese name parts are common words, not any real person's name.
VIETNAMESE = (
    ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Phan", "Vu", "Dang", "Bui", "Do"),
    ("Van", "Thi", "Minh", "Duc", "Ngoc", "Quang"),
    ("An", "Binh", "Hoa", "Lan", "Tuan", "Huong", "Linh", "Dung", "Khanh", "Thu"),
)  # fmt: skip
QR_KINDS = ("vcard", "mecard", "url")


def _lang(person: Person) -> str:
    return LOCALES[person.locale].lang


def _family_slug(family: str, lang: str) -> str:
    """The family name as an e-mail handle: particles run together, Spanish by the first surname."""
    if lang == "es":
        words = [w for w in family.split(" ") if w not in {"de", "del", "la", "las", "los"}]
        family = words[0] if words else family
    return ascii_slug(family, lang).replace("-", "")


def _renamed(
    p: Person, crng: random.Random, name: str, given: str, family: str, print_name: str = ""
) -> Person:
    """The person under another name, with e-mail handles and social profiles to match."""
    lang = _lang(p)
    g, f = ascii_slug(given, lang).replace("-", ""), _family_slug(family, lang)
    local = crng.choice((f"{g}.{f}", f"{g}.{f}", f"{g[0]}{f}", f"{g}{f}", f"{g[0]}.{f}"))
    emails = (f"{local}@{p.emails[0].split('@', 1)[1]}", *p.emails[1:])
    social = (crng.choice((f"linkedin.com/in/{g}-{f}", f"@{g}{f}")),) if p.social else ()
    return replace(
        p, name=name, given=given, family=family, print_name=print_name, emails=emails,
        social=social,
    )  # fmt: skip


def _family_first(p: Person, crng: random.Random) -> tuple[Person, dict[str, Any]]:
    """A person whose family name comes first, as Japanese, Chinese, Vietnamese and
    Hungarian people often print it; the record keeps given and family apart."""
    origin = crng.choice(("ja", "zh", "vi", "hu"))
    if origin == "vi":
        family, middle, given = (crng.choice(part) for part in VIETNAMESE)
        # The record's given name is the personal name alone; the middle name is left out,
        # as for a middle initial.
        name = printed = f"{family} {middle} {given}"
    else:
        fake = _faker(crng, {"ja": "ja_JP", "zh": "zh_CN", "hu": "hu_HU"}[origin])
        if origin == "hu":
            given, family = _name_part(fake.first_name), _name_part(fake.last_name)
        else:
            given, family = str(fake.first_romanized_name()), str(fake.last_romanized_name())
        name = f"{family} {given}"
        printed = f"{family.upper()} {given}" if crng.random() < 0.6 else name
    person = _renamed(p, crng, name, given, family, printed if printed != name else "")
    return person, {"origin": origin}


def _name_parts(p: Person, crng: random.Random) -> tuple[Person, dict[str, Any]]:
    """Middle initials, particles, suffixes and credentials around the person's name."""
    lang, region = _lang(p), p.region
    parts: dict[str, str] = {}
    while not parts:
        if lang in {"en", "de"} and crng.random() < 0.5:
            parts["middle"] = crng.choice("ABCDEFGHJKLMNPRSTW") + "."
        if crng.random() < 0.5:
            parts["particle"] = crng.choice(PARTICLES[lang])
        if lang in PREFIXES and crng.random() < (0.2 if lang == "en" else 0.5):
            parts["prefix"] = crng.choice(PREFIXES[lang])
        if region in {"US", "CA"} and crng.random() < 0.35:
            parts["suffix"] = crng.choice(SUFFIXES)
        if lang == "en" and "prefix" not in parts and crng.random() < 0.45:
            parts["credential"] = crng.choice(CREDENTIALS)
    given = p.given
    # One plain surname: a Spanish person's first, else the last word (no particle twice).
    words = p.family.split(" ")
    base = words[0] if lang == "es" else words[-1]
    family = f"{parts['particle']} {base}" if "particle" in parts else base
    if lang == "es" and crng.random() < 0.5:
        family += " " + _name_part(_faker(crng, p.locale).last_name)
    name = " ".join(x for x in (parts.get("prefix"), given, parts.get("middle"), family) if x)
    name += parts.get("suffix", "") + parts.get("credential", "")
    return _renamed(p, crng, name, given, family), {"name_parts": sorted(parts)}


def _logo_only(p: Person, crng: random.Random) -> tuple[Person, dict[str, Any]]:
    """The company printed only as its logo's initials; the e-mail and web domain name it.

    The record keeps the name the domain spells (no legal form: nothing on the card says
    it), so only ASCII words are used, which a domain spells exactly.
    """
    lang, spec = _lang(p), LOCALES[p.locale]
    kinds, fancy = COMPANY_WORDS[lang]
    word = crng.choice([w for w in fancy if w.isascii()])
    if crng.random() < 0.6:
        company = word
    else:
        kind = crng.choice([k for k in kinds if k.isascii()])
        company = f"{kind} {word}" if lang in {"fr", "es", "it"} else f"{word} {kind}"
    domain = ascii_slug(company, lang) + crng.choice(spec.tlds)
    emails = tuple(f"{e.split('@', 1)[0]}@{domain}" for e in p.emails)
    websites = (
        (crng.choice((f"www.{domain}", domain)),) if p.websites or crng.random() < 0.5 else ()
    )
    return replace(p, company=company, show_company=False, emails=emails, websites=websites), {}


def _reprinted(p: Person, intl: bool, style: int) -> tuple[PhoneLine, ...]:
    """The person's phones printed again, in international (or national) form."""
    return tuple(
        ph._replace(text=_print_phone(phonenumbers.parse(ph.e164), p.region, intl, style))
        for ph in p.phones
    )


def _two_offices(p: Person, crng: random.Random) -> tuple[Person, dict[str, Any]]:
    """A second office in another country: its address after the first, its number tagged."""
    lang, spec = _lang(p), LOCALES[p.locale]
    other = crng.choice(sorted(loc for loc in LOCALES if LOCALES[loc].region != p.region))
    ospec = LOCALES[other]
    address = p.address or _address(_faker(crng, p.locale), spec, crng)
    street, city = _address(_faker(crng, other), ospec, crng)
    style = crng.randrange(4)
    # Cards of firms in several countries print every number with its country code.
    phones = list(_reprinted(replace(p, phones=p.phones[:2]), True, style))
    num = _random_phone(crng, ospec.region, "fixed")
    colon = ":" if any(ph.label.endswith(":") for ph in phones) else ""
    label = (
        f"{crng.choice(PHONE_LABELS[lang]['work'][1:3]).rstrip(':')} {COUNTRY_TAGS[ospec.region]}"
    )
    text = _print_phone(num, ospec.region, True, style)
    phones.append(PhoneLine(_e164(num), "work", text, label + colon))
    office = f"{OFFICE_WORDS[lang]} {COUNTRY_TAGS[ospec.region]}"
    person = replace(
        p, address=address, phones=tuple(phones), emails=p.emails[:1], social=(),
        more_lines=(office, street, city),
    )  # fmt: skip
    return person, {"second_office": other}


def _toll_free_number(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    """A random number that libphonenumber calls a valid toll-free one in the region."""
    cc = phonenumbers.country_code_for_region(region)
    for _ in range(200):
        prefix, n = rng.choice(TOLL_FREE_PLANS[region])
        num = phonenumbers.parse(f"+{cc}{prefix}{''.join(rng.choices('0123456789', k=n))}")
        if (
            phonenumbers.is_valid_number(num)
            and phonenumbers.number_type(num) == phonenumbers.PhoneNumberType.TOLL_FREE
        ):
            return num
    raise RuntimeError(f"no valid toll-free number for {region} in 200 tries")


def _with_toll_free(p: Person, crng: random.Random) -> tuple[Person, dict[str, Any]]:
    """A toll-free line beside the person's numbers, printed nationally as they are dialled."""
    lang = _lang(p)
    num = _toll_free_number(crng, p.region)
    national = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
    forms = [national]
    if p.region in {"US", "CA"}:
        d = re.sub(r"\D", "", national)
        forms += [f"1-{d[:3]}-{d[3:6]}-{d[6:]}", f"{d[:3]}-{d[3:6]}-{d[6:]}"]
    text = crng.choice([f for f in forms if _e164(phonenumbers.parse(f, p.region)) == _e164(num)])
    labelled = crng.random() < 0.8
    label = crng.choice(TOLL_FREE_LABELS.get(p.region, TOLL_FREE_LABELS[lang])) if labelled else ""
    if label and any(ph.label.endswith(":") for ph in p.phones):
        label += ":"
    phones = [ph for ph in p.phones if len(p.phones) < 3 or ph.type != "fax"][:2]
    phones.append(PhoneLine(_e164(num), "toll-free", text, label))
    return replace(p, phones=tuple(phones)), {"toll_free_label": bool(label)}


def _with_extension(p: Person, crng: random.Random) -> tuple[Person, dict[str, Any]]:
    """An extension after the office number; the record's E.164 stays the main number."""
    lang = _lang(p)
    phones = list(p.phones)
    at = next((i for i, ph in enumerate(phones) if ph.type in {"work", "other"}), None)
    if at is None:
        num = _random_phone(crng, p.region, "fixed")
        intl = phones[0].text.startswith("+") if phones else False
        text = _print_phone(num, p.region, intl, crng.randrange(4))
        phones.insert(0, PhoneLine(_e164(num), "work", text, PHONE_LABELS[lang]["work"][1]))
        at = 0
    ext = crng.choice("123456789") + "".join(crng.choices("0123456789", k=crng.randint(1, 3)))
    form = crng.choice(EXTENSION_FORMS[lang]).format(ext)
    phones[at] = phones[at]._replace(text=f"{phones[at].text} {form}", ext=ext)
    return replace(p, phones=tuple(phones[:3])), {"extension": form}


def _split_points(text: str, least: int) -> list[int]:
    """Where a printed number can break (after a space or a slash), with at least ``least``
    digits on each line; each is the index the second line starts at."""
    digits = [len(re.sub(r"\D", "", text[: i + 1])) for i in range(len(text))]
    total = digits[-1] if digits else 0
    return [
        i + 1
        for i, ch in enumerate(text)
        if ch in " /" and least <= digits[i] <= total - least and text[i + 1 :].strip()
    ]


def _with_split_phone(p: Person, crng: random.Random) -> tuple[Person, dict[str, Any]]:
    """One number broken over two lines, as narrow columns do."""
    phones = list(p.phones)
    at = crng.randrange(len(phones))
    ph = phones[at]
    if not _split_points(ph.text, 3):
        # "212-555-0123" or "+1 212-555-0123" has no good place to break: print it with
        # spaces between the groups, as narrow cards do.
        ph = ph._replace(text=re.sub(r"(?<=\d)[-.](?=\d)", " ", ph.text))
    # "06 13593840" breaks after two digits, or nowhere better.
    points = _split_points(ph.text, 3) or _split_points(ph.text, 2)
    cut = min(points, key=lambda i: abs(i - len(ph.text) / 2))
    phones[at] = ph._replace(split=cut)
    return replace(p, phones=tuple(phones)), {"split_at": cut}


def _with_department(p: Person, crng: random.Random) -> tuple[Person, dict[str, Any]]:
    """'Title | Department' on the title line; the record accepts it whole or the title alone."""
    dept = crng.choice(DEPARTMENTS[_lang(p)])
    sep = crng.choices((" | ", " · ", ", "), (0.7, 0.15, 0.15))[0]
    return replace(p, title=f"{p.title}{sep}{dept}"), {"title_alone": p.title}


def _with_two_line_title(p: Person, crng: random.Random) -> tuple[Person, dict[str, Any]]:
    """A long title broken over two lines; the record joins them with a space."""
    lines = crng.choice(TWO_LINE_TITLES[_lang(p)])
    return replace(p, title=" ".join(lines), title_lines=lines), {}


def _relabelled(p: Person, lang: str, crng: random.Random, words: bool = False) -> Person:
    """The person's labels written in ``lang``: words translated, single letters kept.

    With ``words``, every phone gets a word label (Tel./Mobil/Handy, Tél./Portable,
    Tel./Móvil) and the e-mail and web lines theirs.
    """
    colon = ":" if any(ph.label.endswith(":") for ph in p.phones) else ""
    phones = []
    for ph in p.phones:
        label = ph.label
        if words or len(label.rstrip(":")) > 1:
            if ph.type == "toll-free":
                choices = TOLL_FREE_LABELS[lang]
            else:
                choices = tuple(w for w in PHONE_LABELS[lang][ph.type][1:] if w)
            label = crng.choice(choices)
            label += "" if label.endswith(".") else colon
        phones.append(ph._replace(label=label))
    email_label, web_label = p.email_label, p.web_label
    if words or len(email_label.rstrip(":")) > 1:
        email_label = crng.choice(EMAIL_LABELS[lang]) + colon
        web_label = crng.choice(WEB_LABELS[lang]) + colon
    return replace(p, phones=tuple(phones), email_label=email_label, web_label=web_label)


def _own_language(p: Person, crng: random.Random) -> tuple[Person, dict[str, Any]]:
    """A card in German, French or Spanish: word labels, and often accents in the name."""
    person = _relabelled(p, _lang(p), crng, words=True)
    if person.name.isascii() and crng.random() < 0.6:
        family = _name_part(_faker(crng, p.locale).last_name, accented=True)
        name = person.name.replace(person.family, family)
        person = _renamed(person, crng, name, person.given, family)
    return person, {}


PERSON_CASES: dict[str, Any] = {
    "family-first": _family_first,
    "name-parts": _name_parts,
    "language": _own_language,
    "logo-only": _logo_only,
    "offices": _two_offices,
    "toll-free": _with_toll_free,
    # Split before the extension is added, so the break falls inside the number.
    "split-phone": _with_split_phone,
    "extension": _with_extension,
    "title-dept": _with_department,
    "two-line-title": _with_two_line_title,
}


def apply_cases(
    person: Person, cases: Sequence[str], crng: random.Random
) -> tuple[Person, dict[str, Any]]:
    """The person with the card-level hard cases applied, and what each one drew.

    Cases apply in a fixed order (names first, then company, phones, title), so a set of
    cases gives one result whatever order they were asked in.
    """
    details: dict[str, Any] = {}
    for case, change in PERSON_CASES.items():
        if case in cases:
            person, drawn = change(person, crng)
            details.update(drawn)
    if "caps" in cases:
        person = replace(person, print_name=(person.print_name or person.name).upper())
    # Keep the contact block printable: drop first what no case asked for. A QR code
    # beside the text leaves room for fewer lines.
    room = 7 if "qr" in cases and "two-sided" not in cases else 9
    while _lines(person) > room:
        plain = [i for i, ph in enumerate(person.phones)
                 if ph.type in {"mobile", "fax"} and not (ph.ext or ph.split)]  # fmt: skip
        if person.social:
            person = replace(person, social=())
        elif len(person.emails) > 1:
            person = replace(person, emails=person.emails[:1])
        elif person.address and not person.more_lines:
            person = replace(person, address=())
        elif plain and len(person.phones) > 1:
            person = replace(person, phones=tuple(
                ph for i, ph in enumerate(person.phones) if i != plain[-1]))  # fmt: skip
        elif person.websites:
            person = replace(person, websites=())
        else:
            break
    return person, details


def _lines(p: Person) -> int:
    """Lines the contact block takes (a number over two lines takes two)."""
    phones = len(p.phones) + sum(1 for ph in p.phones if ph.split)
    return (
        phones
        + len(p.emails)
        + len(p.websites)
        + len(p.social)
        + len(p.address)
        + len(p.more_lines)
    )


def hard_record(person: Person, source: str, generator: dict[str, Any]) -> dict[str, Any]:
    """The expected record of a hard-case card (title-dept accepts the title alone too)."""
    record = expected_record(person, source, generator)
    alone = generator.get("title_alone")
    if alone and alone != person.title:
        # The department is not part of the job title: a reader may keep it or not.
        record["title"] = [person.title, alone]
    return record


# --------------------------------------------------------------------------- QR codes


def _vcard_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


def _mecard_escape(text: str) -> str:
    return re.sub(r'([\\;:,"])', r"\\\1", text)


VCARD_TEL_TYPES = {"work": "WORK,VOICE", "mobile": "CELL", "fax": "WORK,FAX",
                   "toll-free": "WORK,VOICE", "other": "VOICE"}  # fmt: skip


def qr_payload(person: Person, kind: str) -> str:
    """What a QR code on the person's card holds: a vCard 3.0, a MECARD or the website URL."""
    if kind == "url":
        return f"https://{person.websites[0]}/"
    phones = [(p.type, p.e164 + (f" x{p.ext}" if p.ext else "")) for p in person.phones]
    street_city = (person.address[0], ", ".join(person.address[1:])) if person.address else None
    if kind == "mecard":
        parts = [f"N:{_mecard_escape(person.family)},{_mecard_escape(person.given)}"]
        parts.append(f"ORG:{_mecard_escape(person.company)}")
        parts += [f"TEL:{_mecard_escape(number)}" for _, number in phones]
        parts += [f"EMAIL:{_mecard_escape(e)}" for e in person.emails]
        parts += [f"URL:{_mecard_escape('https://' + w)}" for w in person.websites]
        if street_city:
            parts.append(f"ADR:{_mecard_escape(', '.join(street_city))}")
        return "MECARD:" + ";".join(parts) + ";;"
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{_vcard_escape(person.family)};{_vcard_escape(person.given)};;;",
        f"FN:{_vcard_escape(person.name)}",
        f"ORG:{_vcard_escape(person.company)}",
        f"TITLE:{_vcard_escape(person.title)}",
    ]
    lines += [f"TEL;TYPE={VCARD_TEL_TYPES[t]}:{number}" for t, number in phones]
    lines += [f"EMAIL;TYPE=INTERNET:{e}" for e in person.emails]
    lines += [f"URL:https://{w}" for w in person.websites]
    if street_city:
        lines.append(f"ADR;TYPE=WORK:;;{_vcard_escape(street_city[0])};"
                     f"{_vcard_escape(street_city[1])};;;")  # fmt: skip
    lines.append("END:VCARD")
    return "\r\n".join(lines)


def qr_modules(payload: str) -> npt.NDArray[np.uint8]:
    """The QR code of ``payload`` as one pixel per module, 0 dark and 255 light, quiet zone in."""
    encoder = cv2.QRCodeEncoder.create(cv2.QRCodeEncoder.Params())
    return np.asarray(encoder.encode(payload), np.uint8)


def _paste_qr(img: Image.Image, payload: str, x: int, y: int, px: int, design: Design) -> None:
    """Print the code at (x, y), ``px`` pixels a module; on a dark card, on a white patch."""
    modules = qr_modules(payload)
    size = modules.shape[0] * px
    big = Image.fromarray(modules).resize((size, size), Image.Resampling.NEAREST)
    light = (250, 250, 247) if design.dark else design.paper
    dark = (20, 20, 22) if design.dark else design.ink
    patch = Image.new("RGB", (size, size), light)
    patch.paste(Image.new("RGB", (size, size), dark), (0, 0), Image.eval(big, lambda v: 255 - v))
    img.paste(patch, (x, y))


def render_with_qr(person: Person, design: Design, payload: str, crng: random.Random) -> BGR:
    """The card with a QR code beside its text (right of it, or under it on a portrait card).

    The text is laid out on the rest of the card, shrunk as needed. Raises ValueError when
    it does not fit there.
    """
    n = qr_modules(payload).shape[0]
    w, h = design.width, design.height
    short = min(w, h)
    px = max(3, round(crng.uniform(0.36, 0.46) * short / n))
    size = n * px
    margin = round(short * 0.05)
    portrait = h > w
    room = (
        replace(design, height=h - size - margin)
        if portrait
        else replace(design, width=w - size - margin)
    )
    fitted = _fit(person, room)
    if fitted is None:
        raise ValueError(f"{person.name}'s card has no room for a {size} px QR code")
    img = Image.new("RGB", (w, h), design.paper)
    img.paste(_draw_card(person, fitted), (0, 0))
    if portrait:
        x, y = (w - size) // 2, fitted.height + (h - fitted.height - size) // 2
    else:
        if fitted.layout == "band":
            ImageDraw.Draw(img).rectangle((fitted.width, 0, w, h * 0.27), fill=design.accent)
            y = h - size - margin // 2
        else:
            y = crng.choice(((h - size) // 2, h - size - margin // 2))
        x = fitted.width + (w - fitted.width - size) // 2
    _paste_qr(img, payload, x, y, px, fitted)
    return np.ascontiguousarray(np.asarray(img)[:, :, ::-1])


# --------------------------------------------------------------------------- two sides


def _draw_back(person: Person, design: Design, payload: str | None, crng: random.Random) -> BGR:
    """The company side of a card: a big logo, the company, the website and maybe a QR code.

    Raises ValueError when the company's name does not fit even at a smaller size.
    """
    d, w, h = design, design.width, design.height
    logo = min(w, h) * 0.34
    size = px = 0
    if payload is not None:
        modules = qr_modules(payload).shape[0]
        px = max(3, round(min(w, h) * 0.5 / modules))
        size = modules * px
    for scale in (1.35, 1.15, 1.0, 0.85, 0.7):
        c = _Canvas(design)
        lines = [
            _Line([("", person.company)], round(d.company_px * scale), bold=True,
                  color=d.accent if not d.dark else d.ink, head=True),
        ]  # fmt: skip
        lines += [_Line([("", site)], d.contact_px, color=d.ink) for site in person.websites]
        try:
            if payload is None:
                top = h * 0.14 + logo + h * 0.06
                c.stack(lines, (w * 0.06, top, w * 0.94, h * 0.92), "center")
                c.logo(
                    w / 2 - logo / 2, h * 0.14, logo, _initials(person.company), d.accent, d.paper
                )
            else:
                top = h * 0.12 + logo + h * 0.05
                c.stack(lines, (w * 0.08, top, w - size - w * 0.08, h * 0.92))
                c.logo(w * 0.08, h * 0.12, logo, _initials(person.company), d.accent, d.paper)
                _paste_qr(c.img, payload, round(w - size - w * 0.05), round((h - size) / 2), px, d)
        except _NoFit:
            continue
        return np.ascontiguousarray(np.asarray(c.img)[:, :, ::-1])
    raise ValueError(f"{person.company} does not fit the back of the card")


def _title_pair(person: Person, crng: random.Random, back_lang: str) -> tuple[str, str]:
    """One job title in the card's language and in ``back_lang``, of the person's gender."""
    lang = _lang(person)
    female = any("|" in t and person.title == t.split("|")[1] for ts in TITLES.values() for t in ts)
    row = crng.choice(TITLE_PAIRS)

    def pick(forms: str) -> str:
        parts = forms.split("|")
        return parts[-1] if female else parts[0]

    return pick(row[lang]), pick(row[back_lang])


def two_sides(
    person: Person, design: Design, crng: random.Random, payload: str | None
) -> tuple[Person, BGR, BGR, dict[str, Any]]:
    """Front and back of a two-sided card, and the person the record describes.

    The back is the company side (the front then sometimes leaves out the company or the
    website) or, for a person whose title has a translation, the front in another language.
    """
    lang = _lang(person)
    back_lang = "en" if lang != "en" else crng.choice(("de", "fr", "es"))
    if payload is None and crng.random() < 0.5:
        title, back_title = _title_pair(person, crng, back_lang)
        person = replace(person, title=title)
        back_person = replace(_relabelled(person, back_lang, crng), title=back_title)
        front_design = _fit(person, design)
        back_design = _fit(back_person, design)
        if front_design is not None and back_design is not None:
            front = render_card(person, crng, front_design)
            back = render_card(back_person, crng, back_design)
            return person, front, back, {"back": f"language:{back_lang}"}
    # The company side; the front then often leaves out what the back shows.
    front_person, left_out = person, None
    roll = crng.random()
    if roll < 0.4:
        front_person, left_out = replace(person, show_company=False), "company"
    elif roll < 0.7 and person.websites:
        front_person, left_out = replace(person, websites=()), "website"
    front = render_card(front_person, crng, _fit(front_person, design) or design)
    if payload is None and crng.random() < 0.3:
        payload = qr_payload(person, "url" if person.websites else "vcard")
    back = _draw_back(person, design, payload, crng)
    return person, front, back, {"back": "company", "front_leaves_out": left_out}


# --------------------------------------------------------------------------- hard samples


def reading_order(quads: Sequence[npt.NDArray[np.float32]]) -> list[int]:
    """Indices of cards in reading order: rows top to bottom, then left to right.

    A card joins the row above when its centre lies above the bottom of every card in it.
    """
    boxes = [(float(q[:, 0].mean()), float(q[:, 1].mean()), float(q[:, 1].max())) for q in quads]
    rows: list[list[int]] = []
    for i in sorted(range(len(quads)), key=lambda i: boxes[i][1]):
        if rows and boxes[i][1] < min(boxes[j][2] for j in rows[-1]):
            rows[-1].append(i)
        else:
            rows.append([i])
    return [i for row in rows for i in sorted(row, key=lambda i: boxes[i][0])]


@dataclass(frozen=True)
class HardSample:
    """One generated hard-case sample: its photos, its expected file and records."""

    images: tuple[Path, ...]
    expected: Path
    #: One record, or one per card for a photo of several cards (reading order).
    records: tuple[dict[str, Any], ...]


def _check_cases(cases: Sequence[str]) -> None:
    unknown = set(cases) - set(CASES)
    if unknown:
        raise ValueError(f"unknown hard cases: {', '.join(sorted(unknown))}")
    if "table" in cases and PHOTO_CASES & set(cases):
        raise ValueError(
            f"a photo of several cards cannot also be {', '.join(sorted(PHOTO_CASES & set(cases)))}"
        )


def _design_person(
    rng: random.Random, crng: random.Random, locale: str, layout: str, cases: Sequence[str]
) -> tuple[Person, Design, dict[str, Any], BGR]:
    """A person with the cases applied, a design that fits and the flat card.

    The card carries its QR code for the "qr" case (on a two-sided card the code goes on
    the back instead); a code too big for the room left falls back to a shorter kind. A
    person whose card does not fit is drawn again; crowded cards (several cases at once)
    end up in other layouts, the last tries on a portrait card.
    """
    for attempt in range(12):
        person, details = apply_cases(make_person(rng, locale), cases, crng)
        kind = "portrait" if attempt >= 8 else layout
        try:
            design = design_card(person, rng, kind, fallback=attempt >= 4)
        except ValueError:
            continue
        if "logo-only" in cases and design.layout not in LOGO_LAYOUTS:
            continue  # a classic card may leave out its logo: the company would vanish
        if "qr" not in cases:
            return person, design, details, render_card(person, rng, design)
        kinds = [k for k in QR_KINDS if k != "url" or person.websites]
        first = crng.choice(kinds)
        for qr in [first, *(k for k in ("mecard", "url") if k in kinds and k != first)]:
            details["qr"], details["payload"] = qr, qr_payload(person, qr)
            if "two-sided" in cases:
                return person, design, details, render_card(person, rng, design)
            try:
                return (
                    person,
                    design,
                    details,
                    render_with_qr(person, design, details["payload"], crng),
                )
            except ValueError:
                continue
    raise ValueError(f"no {layout} card fits a {locale} person with {', '.join(cases)}")


def _design_block(design: Design) -> dict[str, Any]:
    return {
        "layout": design.layout, "stock": design.stock, "dark": design.dark,
        "font": design.font, "contact_pt": round(design.contact_px / PX_PER_PT, 1),
    }  # fmt: skip


def make_hard_sample(
    out_dir: Path, index: int, seed: int, cases: Sequence[str], *, hard: bool = False,
    locales: Sequence[str] = LOCALE_ORDER, layouts: Sequence[str] = LAYOUTS,
    stem: str | None = None, cards: int | None = None, suite: str | None = None,
) -> HardSample:  # fmt: skip
    """Generate hard-case sample ``index`` of the set for ``seed``: photo(s) and expected JSON.

    ``cases`` are names from CASES. The person, design and photo draw from the sample's
    main random stream as make_sample does; the cases draw from a stream of their own, so
    adding a case changes what it changes and little else. ``stem`` names the files
    (default: region, cases and number); ``cards`` fixes how many cards a table photo holds.
    """
    _check_cases(cases)
    out_dir.mkdir(parents=True, exist_ok=True)
    sample_seed = seed * 100_000 + index
    rng = random.Random(sample_seed)
    crng = random.Random(f"cases-{sample_seed}")
    turn = index // max(1, len(SUITES["hard-cases"]))
    locale = locales[index % len(locales)]
    if "language" in cases and LOCALES[locale].lang not in {"de", "fr", "es"}:
        locale = LANGUAGE_LOCALES[turn % len(LANGUAGE_LOCALES)]
    elif "family-first" in cases and LOCALES[locale].lang != "en":
        locale = FAMILY_FIRST_LOCALES[turn % len(FAMILY_FIRST_LOCALES)]
    layout = layouts[index % len(layouts)]
    if "logo-only" in cases and layout not in LOGO_LAYOUTS:
        layout = LOGO_LAYOUTS[turn % len(LOGO_LAYOUTS)]
    quality = rng.randint(50, 70) if hard else rng.randint(68, 90)
    base = {"seed": sample_seed, "index": index, "suite": suite, "cases": list(cases),
            "hard": hard, "quality": quality}  # fmt: skip
    tag = "-".join(cases)

    if "table" in cases:
        count = cards or crng.randint(2, 5)
        people, flats, blocks = [], [], []
        for k in range(count):
            loc = locales[(index + k) % len(locales)]
            person, design, details, flat = _design_person(
                rng, crng, loc, layouts[(index + k) % len(layouts)], cases
            )
            details.pop("payload", None)
            people.append(person)
            flats.append(flat)
            blocks.append({**_design_block(design), "locale": loc, **details})
        photo, quads = photograph_table(flats, rng, hard=hard)
        image = out_dir / f"{stem or f'{tag}-{index + 1:02d}'}.jpg"
        save_image(photo, image, quality=quality)
        order = reading_order(quads)
        records = []
        for position, k in enumerate(order):
            generator = {**base, **blocks[k], "cards": count, "laid_out": k}
            record = hard_record(people[k], image.name, generator)
            record["card"] = position
            records.append(record)
        expected = image.with_name(image.name.removesuffix(".jpg") + ".expected.json")
        _write_json(expected, records)
        return HardSample((image,), expected, tuple(records))

    person, design, details, card = _design_person(rng, crng, locale, layout, cases)
    payload = details.pop("payload", None)
    rotation = 0
    if "rot90" in cases:
        rotation = crng.choice((90, 270))
    elif hard:
        rotation = rng.choice((0, 0, 0, 0, 0, 0, 90, 180, 270))
    shot: dict[str, Any] = {}
    if "small" in cases:
        shot = {"photo_px": crng.randint(3000, 3400), "cover": round(crng.uniform(0.03, 0.09), 3)}
    stem = stem or f"{person.region.lower()}-{tag}-{index + 1:02d}"
    if "two-sided" in cases:
        person, front, back, drawn = two_sides(person, design, crng, payload)
        details.update(drawn)
        images: tuple[Path, ...] = (out_dir / f"{stem}_front.jpg", out_dir / f"{stem}_back.jpg")
        brng = random.Random(f"back-{sample_seed}")
        save_image(photograph(front, rng, hard, rotation, **shot), images[0], quality=quality)
        back_turn = rotation or crng.choice((0, 0, 0, 180))
        save_image(photograph(back, brng, hard, back_turn, **shot), images[1], quality=quality)
    else:
        images = (out_dir / f"{stem}.jpg",)
        save_image(photograph(card, rng, hard, rotation, **shot), images[0], quality=quality)
    generator = {**base, "locale": person.locale, **_design_block(design),
                 "rotation": rotation, "kind": "photo", "exif_orientation": None,
                 **shot, **details}  # fmt: skip
    record = hard_record(person, images[0].name, generator)
    if len(images) == 2:
        record["back"] = images[1].name
    expected = images[0].with_name(images[0].stem + ".expected.json")
    _write_json(expected, record)
    return HardSample(images, expected, (record,))


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


#: The extra demo samples: (file stem, cases, locales of the cards, cards on the table).
DEMOS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], int | None], ...] = (
    ("demo-qr", ("qr",), ("en_US",), None),
    ("demo-two-sided", ("two-sided",), ("en_GB",), None),
    ("demo-table", ("table",), ("en_US", "de_DE", "en_GB"), 3),
    ("demo-de", ("language",), ("de_DE",), None),
    ("demo-fr", ("language",), ("fr_FR",), None),
    ("demo-es", ("language",), ("es_ES",), None),
)
DEMO_SEED = 7


def make_demos(out_dir: Path, seed: int = DEMO_SEED) -> list[HardSample]:
    """The named demo samples: a QR card, a two-sided pair, a table of 3 cards, de/fr/es."""
    return [
        make_hard_sample(out_dir, i, seed, cases, locales=locales, stem=stem, cards=cards)
        for i, (stem, cases, locales, cards) in enumerate(DEMOS)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a sample set, a hard-case set or the demo samples."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("samples"), help="output folder")
    parser.add_argument("--count", type=int, default=24, help="number of samples")
    parser.add_argument("--seed", type=int, default=1, help="seed (same seed, same set)")
    parser.add_argument("--hard", action="store_true", help="stress set: worse photos")
    parser.add_argument(
        "--locale", action="append", choices=sorted(LOCALES), help="only these locales (repeatable)"
    )
    parser.add_argument(
        "--layout", action="append", choices=LAYOUTS, help="only these layouts (repeatable)"
    )
    parser.add_argument(
        "--suite",
        choices=sorted(SUITES),
        help="a named set: hard-cases gives each sample one hard case in turn",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="write the named demo samples (QR card, two-sided pair, table of 3, de/fr/es)",
    )
    cases = parser.add_argument_group("hard cases (each sample gets every one given)")
    for case, text in CASES.items():
        cases.add_argument(f"--{case}", dest="cases", action="append_const", const=case, help=text)
    args = parser.parse_args(argv)
    chosen: list[str] = args.cases or []
    if args.suite and chosen:
        parser.error("--suite chooses the cases itself; give it no case flags")
    try:
        _check_cases(chosen)
    except ValueError as e:
        parser.error(str(e))
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if args.demo:
        demos = make_demos(args.out, args.seed if args.seed != 1 else DEMO_SEED)
        for demo in demos:
            print("  ".join(str(image) for image in demo.images), file=sys.stderr)
        print(f"{len(demos)} demo samples in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        return 0
    locales, layouts = args.locale or LOCALE_ORDER, args.layout or LAYOUTS
    for i in range(args.count):
        if args.suite or chosen:
            suite = SUITES[args.suite] if args.suite else None
            try:
                sample = make_hard_sample(
                    args.out, i, args.seed, (suite[i % len(suite)],) if suite else chosen,
                    hard=args.hard, locales=locales, layouts=layouts, suite=args.suite,
                )  # fmt: skip
            except ValueError as e:
                # Too many cases on one card: say which sample, so the set can be narrowed.
                parser.exit(1, f"make_samples: sample {i + 1} of seed {args.seed}: {e}\n")
            images = sample.images
        else:
            images = (
                (
                    make_sample(
                        args.out, i, args.seed, hard=args.hard, locales=locales, layouts=layouts
                    )
                ).image,
            )
        for image in images:
            print(f"{image}  {image.stat().st_size // 1024} KB", file=sys.stderr)
    print(f"{args.count} samples in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
