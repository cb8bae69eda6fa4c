"""Which word of a name is the given name, decided at ingest where the reader left it open.

A card's reader splits a name from what the card shows (capitals, the e-mail beside it);
a CRM row with only a "Name" column is split at its first word. Both are guesses, and
"Tran Minh Khoa" or "Mori Kaito" printed family name first comes out with given and
family swapped, so a draft says "Hi Tran," and every CRM export has the columns swapped.

Before a contact is stored, :func:`settle_name_order` checks a guessed split against
the evidence it carries:

- an e-mail local part that writes the given name's initial and the family name
  (``k.mori``, ``kmori``): the word after the initial is the family name;
- the country (the phones' calling codes, the e-mail and website domains, the address):
  in Vietnam, China and Korea a name printed in Latin letters puts the family name first,
  and when the first word is one of that country's common family names and the last is
  not, the first word is the family name.

A split given explicitly (First/Last columns of a CRM, a vCard's N, a person's edit)
is never changed here; see ``Contact.name_split_explicit`` and :meth:`Store.merge`'s
``explicit_split``, through which it also repairs a contact stored with a guess.
"""

from __future__ import annotations

import dataclasses
import re

from cardscan.book.match import fold, known_given_names, registered_domain
from cardscan.models import Contact
from cardscan.reading import validate


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Common family names, folded, of the countries whose names in Latin letters are printed
#: family name first. Short, closed lists: the commonest names of each country.
FAMILY_FIRST: dict[str, frozenset[str]] = {
    "VN": _words(
        "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly dinh trinh"
        " truong lam mai cao luong doan ta ha kieu thai quach vuong luu chu ton tong"
    ),
    "CN": _words(
        "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo"
        " zheng liang xie song tang han feng deng cao peng zeng xiao tian dong yuan pan"
    ),
    "KR": _words(
        "kim lee yi park pak choi choe jung jeong chung kang cho jo yoon yun jang chang lim"
        " han oh shin seo kwon hwang ahn song hong ryu jeon"
    ),
}
#: Country names an address may end with, for the countries above.
_COUNTRY_WORDS = {
    "vietnam": "VN",
    "viet nam": "VN",
    "china": "CN",
    "korea": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
}


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", fold(text))


def _email_says_swapped(given: str, family: str, locals_: list[str]) -> bool | None:
    """Whether an e-mail local part says given and family are swapped (None: it does not say).

    Only the initial forms decide: ``k.mori`` or ``kmori`` beside given "Kaito", family
    "Mori" confirms; beside given "Mori", family "Kaito" it says they are swapped. A local
    part of two whole names ("kaito.mori", "mori.kaito") says nothing, as people write
    those both ways.
    """
    g, f = _letters(given.split()[0] if given.split() else given), _letters(family)
    if not (g and f) or g == f:
        return None
    for local in locals_:
        pieces = [re.sub(r"\d+", "", p) for p in re.split(r"[._\-+]", local.lower())]
        pieces = [p for p in pieces if p]
        flat = "".join(pieces)
        confirms = pieces in ([g[0], f],) or flat == g[0] + f
        swapped = pieces in ([f[0], g],) or flat == f[0] + g
        if confirms != swapped:
            return swapped
    return None


def _regions(contact: Contact) -> set[str]:
    """The countries a contact's phones, domains and address point to."""
    found: set[str] = set()
    for p in contact.phones:
        if p.value.e164:
            region = validate.number_region(p.value.e164)
            if region:
                found.add(region)
    hosts = [e.value.rpartition("@")[2] for e in contact.emails]
    hosts += [w.value for w in contact.websites]
    for host in hosts:
        domain = registered_domain(host)
        region = validate.region_from_domain(domain) if domain else None
        if region:
            found.add(region)
    if contact.address:
        tail = fold(contact.address.value.rsplit(",", 1)[-1])
        if tail in _COUNTRY_WORDS:
            found.add(_COUNTRY_WORDS[tail])
    return found


#: The longest word of a name in each country's romanisation: a Vietnamese syllable has
#: seven letters at most ("nghieng"); Chinese and Korean given names may be written as one
#: word of two syllables ("Xiaoming", "Minjun").
_LONGEST = {"VN": 7, "CN": 9, "KR": 9}


def _family_first_by_country(words: list[str], regions: set[str]) -> bool:
    """Whether the country says the first printed word is the family name.

    The first word must be one of the country's common family names, the last not, every
    word must be as short as that country's names are, and the last must not be a longer
    given name the nickname table knows ("Mai Anderson", "Lee Jackson" stay as printed).
    """
    if len(words) < 2:
        return False
    letters = [_letters(w) for w in words]
    first, last = letters[0], letters[-1]
    # Short syllables ("Lan", "Hoa") are given names in both tables: only a longer one
    # the English table knows marks a Western name.
    if len(last) >= 5 and last in known_given_names():
        return False
    return any(
        first in FAMILY_FIRST[r]
        and last not in FAMILY_FIRST[r]
        and max(map(len, letters)) <= _LONGEST[r]
        for r in regions
        if r in FAMILY_FIRST
    )


def settle_name_order(contact: Contact) -> Contact:
    """``contact`` with given and family name taken from evidence where the split was a guess.

    Returns the contact unchanged when its split is explicit, when it has no name, or when
    nothing it carries says otherwise.
    """
    if contact.name_split_explicit or contact.name is None:
        return contact
    given, family = contact.given_name, contact.family_name
    locals_ = [e.value.split("@", 1)[0] for e in contact.emails if "@" in e.value]
    if given and family and _email_says_swapped(given, family, locals_):
        return dataclasses.replace(contact, given_name=family, family_name=given)
    words = [w for w in re.split(r"[\s,]+", contact.name.value) if _letters(w)]
    if _family_first_by_country(words, _regions(contact)):
        # "Tran Minh Khoa": the family name first, the given name last (the middle name
        # between stays in the full name).
        new_given, new_family = words[-1], words[0]
        if (new_given, new_family) != (given, family):
            return dataclasses.replace(contact, given_name=new_given, family_name=new_family)
    return contact
