"""A person's name: repaired against the e-mail, re-cased, split into given and family."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nameparser import HumanName

from cardscan import lexicon
from cardscan.reading.parse.lines import _fold, _letters
from cardscan.reading.parse.text import _fix_capital_i, _respell, _transliterate


@dataclass(frozen=True)
class _NameParts:
    """A name as displayed, as printed, split into given and family name."""

    display: str
    raw: str
    given: str | None
    family: str | None
    #: The card's signals disagree on which word is the family name (see :func:`_name_order`).
    order_doubtful: bool = False


def _format_name(
    text: str,
    email_locals: Sequence[str],
    languages: frozenset[str] = frozenset(),
    second: str | None = None,
) -> _NameParts:
    """A name line repaired against the e-mail, re-cased, and split into given and family name.

    A word that differs from an e-mail local part by one OCR slip ("Kobayashl" vs
    ``k.kobayashi``) takes the e-mail's spelling (see :func:`_respell`). Titles ("Dr.",
    "Dipl.-Ing.") and credentials ("Jr.", "PhD, MBA") stay in the displayed name, as printed,
    and out of the given and family names; nameparser tells them and particles ("van der",
    "de la") apart. A name printed in capitals is title-cased ("KENJI MORI" → "Kenji Mori"),
    and so is a family name printed in capitals beside a given name that is not ("TANAKA
    Hiroshi" → "Tanaka Hiroshi"); the printed form stays in ``raw``. The order of given and
    family name comes from :func:`_name_order`, the split from :func:`_split_name`
    (``languages`` are the card's; ``second``, a second OCR engine's text of the card, tells
    a word OCR split from two words, see :func:`_rejoined`).
    """
    raw = text
    parts = [p for local in email_locals for p in re.split(r"[._\-+\d]+", local.lower()) if p]
    text = _respell(_rejoined(_fix_capital_i(text), parts, second), parts, same_length=True)
    human = HumanName(text)
    letters = [c for c in text if c.isalpha()]
    core = [w for w in (*human.first_list, *human.middle_list, *human.last_list) if w]
    if letters and all(c.isupper() for c in letters) and len(letters) > 3:
        family_first = _name_order(core, email_locals)
        human.capitalize(force=True)
        text = str(human)
        order_doubtful = False
    else:
        caps = _caps_family(core)
        by_email = _name_order(core, email_locals)
        family_first = caps if caps is not None else by_email
        order_doubtful = caps is not None and by_email is not None and caps != by_email
        if caps is not None:
            # Only the family name was printed in capitals: case it like the rest.
            text = " ".join(
                _recase_word(w) if _is_caps_word(w.strip(",")) and w.strip(",") in core else w
                for w in text.split(" ")
            )
            human = HumanName(text)
    given, family = _split_name(human, family_first, email_locals, languages)
    return _NameParts(text, raw, given or None, family or None, order_doubtful)


def _rejoined(text: str, parts: Sequence[str], second: str | None = None) -> str:
    """Words OCR split in two joined again where the e-mail spells them as one ("N akata").

    ``parts`` are the e-mail local part's pieces (``k.nakata`` → "k", "nakata"). Two
    neighbouring words join only when together they spell a piece of four letters or more,
    neither spells one alone, the first is no initial with its dot nor a particle such as
    "de", and either one is a fragment of one or two letters or a second OCR reading of the
    card (``second``) prints them as one word and never apart. Local parts often run a
    double given name together ("annamaria"), so a piece alone does not join two words.
    """
    pieces = set(parts)
    whole, apart = _second_words(second)
    words = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words):
            a, b = _letters(words[i]), _letters(words[i + 1])
            split_off = min(len(a), len(b)) <= 2 and not words[i].endswith(".")
            seconded = a + b in whole and f" {a} {b} " not in apart
            particle = _fold(words[i]) in lexicon.NAME_PARTICLES
            if (
                (split_off or seconded)
                and not words[i].endswith(".")
                and not particle
                and len(a + b) >= 4
                and a + b in pieces
                and a not in pieces
                and b not in pieces
            ):
                # The second reading's own spelling keeps the word's case ("Martinez").
                out.append(whole.get(a + b) or words[i] + words[i + 1])
                i += 2
                continue
        out.append(words[i])
        i += 1
    return " ".join(out)


def _second_words(second: str | None) -> tuple[dict[str, str], str]:
    """A second reading's words by their folded letters, and its text as folded words.

    The text has one space between words and one at each end, to look up "a b" in.
    """
    if not second:
        return {}, ""
    words = [w for w in re.split(r"[^\w]+|_", second) if _letters(w)]
    folded = [_letters(w) for w in words]
    spelled: dict[str, str] = {}
    for key, word in zip(folded, words, strict=True):
        spelled.setdefault(key, word)  # the first: a name is printed before its e-mail
    return spelled, f" {' '.join(folded)} "


def _split_name(
    human: HumanName,
    family_first: bool | None,
    email_locals: Sequence[str],
    languages: frozenset[str],
) -> tuple[str, str]:
    """(given, family) of a parsed name; titles, credentials and middle initials left out.

    A middle word is the start of the family name when the e-mail spells the family name
    from it (``rosario.roldan`` for "Rosario Roldan Córdoba"), or on a Spanish or
    Portuguese card, where people carry two surnames; otherwise it belongs to the given
    name ("María José", "Anna Maria").
    """
    first = [w for w in human.first_list if w]
    middle = [w for w in human.middle_list if w]
    last = [w for w in human.last_list if w]
    if not last:
        # nameparser takes some short surnames for credentials ("Perla Pla").
        if middle:
            last = [middle.pop()]
        elif human.suffix and _fold(human.suffix).strip(".") not in lexicon.POST_NOMINALS:
            last = [human.suffix]
    core = [*first, *middle, *last]
    initial = re.compile(r"[^\W\d_]\.?$")
    if family_first and len(core) >= 2 and not human.original.count(","):
        # "Phan Quang Binh": the family name, a middle name, the given name last.
        return core[-1], core[0]
    middles = [w for w in middle if not initial.match(w)]
    start = _family_start(first, middles, last, email_locals)
    if start is None and middles and languages & {"es", "pt"}:
        start = 0
    if start is None:
        start = len(middles)
    return " ".join([*first, *middles[:start]]), " ".join([*middles[start:], *last])


def _family_start(
    first: Sequence[str], middles: Sequence[str], last: Sequence[str], email_locals: Sequence[str]
) -> int | None:
    """Which middle word the e-mail says the family name starts at, None if it does not say.

    ``rosario.roldan`` beside "Rosario Roldan Córdoba" starts it at "Roldan" (0); ``mjdelafuente``
    beside "María José de la Fuente" writes the initials of both given names, so it starts
    after "José" (1).
    """
    if not first:
        return None

    def flat(words: Sequence[str]) -> str:
        return _letters(_transliterate(" ".join(words)))

    for local in email_locals:
        pieces = [p for p in re.split(r"[._\-+\d]+", local.lower()) if p]
        if not pieces:
            continue
        for k in range(len(middles) + 1):
            given, family = [*first, *middles[:k]], [*middles[k:], *last]
            if not family:
                continue
            initials = "".join(flat([w])[:1] for w in given)
            givens = {flat(given), flat(first[:1]), initials, initials[:1]}
            # E-mails often drop the particles ("rivega" for "Rosa Inés de la Vega").
            bare = [w for w in family if _fold(w) not in lexicon.NAME_PARTICLES]
            families = {flat(family), flat(family[:1]), flat(bare), flat(bare[:1])}
            if len(pieces) >= 2:
                if pieces[0] in givens and pieces[-1] in families:
                    return k
            elif any(pieces[0] == g + f for g in givens for f in families if g and f):
                return k
    return None


def _is_caps_word(word: str) -> bool:
    """True for a name word printed in capitals ("TANAKA", "KIM", "LI"), not an initial."""
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _recase_word(word: str) -> str:
    """One name word printed in capitals, cased as a name ("O'BRIEN" → "O'Brien")."""
    human = HumanName(word)
    human.capitalize(force=True)
    return str(human) or word


def _caps_family(core: Sequence[str]) -> bool | None:
    """Whether capitals mark the first word as the family name.

    Cards from East Asia and many international ones print the family name in capitals
    ("TANAKA Hiroshi", "Hiroshi TANAKA"): True when the capital word comes first, False
    when it comes last, None when capitals say nothing (none, or every word).
    """
    caps = [_is_caps_word(w) for w in core]
    if len(core) < 2 or all(caps) or not any(caps):
        return None
    if caps[0] and not caps[-1]:
        return True
    if caps[-1] and not caps[0]:
        return False
    return None


def _name_order(core: Sequence[str], email_locals: Sequence[str]) -> bool | None:
    """Whether the e-mail says the printed name puts the family name first.

    ``hiroshi.tanaka``, ``htanaka``, ``h.tanaka`` or ``hiroshitanaka`` beside "Tanaka
    Hiroshi" write the given name first, so the printed order is family first (True); the
    same local parts beside "Hiroshi Tanaka" confirm the printed order (False). None when
    the e-mail does not spell both names (``info``, ``jane``).
    """
    words = [_letters(w) for w in core]
    words = [w for w in words if w]
    if len(words) < 2:
        return None
    first, last = words[0], words[-1]
    for local in email_locals:
        pieces = [re.sub(r"\d+", "", p) for p in re.split(r"[._\-+]", local.lower())]
        pieces = [p for p in pieces if p]
        flat = "".join(pieces)
        if not pieces:
            continue
        # The local part writes given then family; find which printed word is which.
        given_first = (pieces[0] in (first, first[0]) and pieces[-1] == last) or flat in (
            first + last,
            first[0] + last,
        )
        family_first = (pieces[0] in (last, last[0]) and pieces[-1] == first) or flat in (
            last + first,
            last[0] + first,
        )
        if len(pieces) >= 2 and pieces[0] == last and pieces[-1] == first:
            family_first = True
        if given_first != family_first:
            return family_first
    return None


#: Degrees and honorifics a name may carry; generational suffixes ("Jr.", "III") are part
#: of the name, and "M." or "Sr." may be an initial or a suffix as well.
_CREDENTIALS = (lexicon.POST_NOMINALS | lexicon.HONORIFICS) - frozenset(
    ["jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "m."]
)


def _has_credential(name: str) -> bool:
    """Whether a name carries a degree or an honorific ("Jane Doe, MBA", "Dr. Jane Doe")."""
    return any(_fold(w).strip(",;:") in _CREDENTIALS for w in name.split())


def name_parts(text: str) -> tuple[str | None, str | None]:
    """(given name, family name) of a name a person typed, split as a card's name is."""
    parts = _format_name(text, ())
    return parts.given, parts.family
