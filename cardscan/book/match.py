"""Is this card someone we already know? Blocking, then scoring, then a decision.

The structure follows dedupe's Gazetteer and splink: blocking only chooses which stored
contacts to score (never all pairs), per-field comparisons score them, and thresholds turn
the score into a :class:`Decision`. Scoring is a Fellegi-Sunter model with hand-set match
weights: each comparison lands on a level ("same e-mail", "family name within an OCR slip",
"given names differ") whose weight is log2(m/u), the odds that a true pair agrees this way
divided by the odds that two different people do. Weights add up with a prior, and the sum
becomes a probability. Missing values add nothing, as in dedupe's ``has_missing``.

Edit distances come from :mod:`cardscan.similarity`; this is the only user of the
``nicknames`` data set (Bob/Robert, Liz/Elizabeth).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cache, lru_cache

from cardscan.lexicon import (
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    ORG_UNITS,
    SECOND_LEVEL,
    WEBMAIL_DOMAINS,
)
from cardscan.models import Contact, PhoneType
from cardscan.similarity import (
    edit_distance,
    jaro_winkler,
    ratio,
    token_set_ratio,
    token_sort_ratio,
)


class Decision(str, Enum):
    """What to do with a card given its best match in the store."""

    #: Nobody like this is stored: add a new contact.
    NEW = "new"
    #: The same person: merge into the stored contact.
    SAME = "same"
    #: Could be the same person (a namesake, or a job change with nothing else shared): ask.
    REVIEW = "review"


#: Probability at or above which a pair is merged without asking. Chosen with
#: ``scripts/matchbench.py``: the lowest value that kept pairwise precision of SAME at 0.99
#: or better on the generated sets; lower values merge namesakes who share a company.
SAME_AT = 0.99
#: Probability at or above which a pair is shown for review rather than kept apart.
REVIEW_AT = 0.5

#: log2 prior odds that a candidate found by blocking is the same person. Blocking already
#: narrows to people who share a contact detail or a name key, so the odds are far better
#: than one in the size of the store, but most candidates are still other people.
PRIOR = -3.0

#: Match weights (log2 Bayes factors) per comparison level. Agreement on a personal
#: identifier is strong evidence; disagreement on one is weak, because people change jobs,
#: numbers and addresses, and cards print only some of them.
WEIGHTS: dict[str, float] = {
    "email same": 10.0,
    "email near": 6.0,  # same domain, local part within an OCR slip
    "email differs": -1.5,
    "phone same": 6.0,  # colleagues can share a switchboard number, so less than e-mail
    "phone near": 2.0,  # one digit apart: a misread digit
    "phone differs": -1.0,
    "family same": 5.0,
    "family near": 3.5,
    "family part": 2.0,  # one of two family names ("García" of "García López")
    "family similar": 1.0,  # two or more slips apart: weak, but not against
    "family differs": -6.0,
    "given same": 4.0,
    "given nickname": 3.0,
    "given near": 3.0,
    "given prefix": 2.0,
    "given initial": 1.0,
    # Strong: colleagues share a family name, company, domain and switchboard number, and only
    # the given name tells them apart.
    "given differs": -12.0,
    "name same": 8.0,  # full names only (no given/family split on one side)
    "name near": 5.0,
    "name differs": -6.0,
    "name swapped": 6.0,  # given and family exchanged (CSV "Family, Given", Asian order)
    "company same": 2.5,
    "company near": 2.0,
    "company differs": -1.5,
    "domain same": 2.5,
    "domain differs": -0.5,
    "title same": 0.5,
}

#: Each level's reason text ("email same +10.0") and its rank among the reasons (strongest
#: first), made once: a card is compared with dozens of candidates.
_REASON = {lv: f"{lv} {w:+.1f}" for lv, w in WEIGHTS.items()}
_STRENGTH = {lv: -abs(w) for lv, w in WEIGHTS.items()}

# Letters and pairs OCR confuses, folded to one form so a slip does not change a key.
_OCR_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_OCR_CHARS = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "8": "b", "6": "b"})
# Soundex-like consonant classes: letters that sound alike (or that OCR swaps) share a digit.
_SOUND = str.maketrans(
    "bfpvcgjkqsxzdtmnr",
    "11112222222233556",
)
_LETTERS = re.compile(r"[^a-z0-9 ]+")
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th"})


@lru_cache(maxsize=1 << 18)
def fold(text: str) -> str:
    """Lower case, accents removed, punctuation turned into spaces, spaces collapsed.

    Accent loss is the commonest OCR difference between two readings of one name, so both
    sides are compared without accents. Cached: given names, family names, titles and
    companies recur across thousands of stored contacts.
    """
    text = text.lower().translate(_SPECIAL)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_LETTERS.sub(" ", text.replace("'", "").replace("’", "")).split())


@lru_cache(maxsize=1 << 18)
def ocr_fold(text: str) -> str:
    """:func:`fold`, then letters OCR confuses made equal (rn→m, 0→o, 1/i→l, …), no spaces.

    Cached: the same names and companies come up in comparison after comparison.
    """
    out = fold(text).replace(" ", "").translate(_OCR_CHARS)
    for a, b in _OCR_PAIRS:
        out = out.replace(a, b)
    return out


def sound_key(text: str) -> str:
    """A phonetic-ish key: first letter, then consonant classes, vowels and repeats dropped.

    Built on :func:`ocr_fold`, so "Schmidt", "Schrnidt" and "Schmldt" share a key, and so do
    "Meyer" and "Meier"; l is dropped like a vowel, as OCR reads i and l for one another.
    Five characters at most: long names rarely collide anyway.
    """
    # ocr_fold writes i as l; here l counts as a vowel so "Meier" and "Meyer" agree.
    s = "".join(c for c in ocr_fold(text) if c.isalpha())
    if not s:
        return ""
    digits = s[1:].translate(_SOUND)
    out = [s[0]]
    last = s[0].translate(_SOUND)
    for c in digits:
        if c.isdigit() and c != last:
            out.append(c)
        last = c
    return "".join(out)[:5]


@cache
def _nicknamer() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """The nicknames data set as two lookups: name → nicknames, nickname → formal names."""
    from nicknames import NickNamer  # imported lazily: reading its CSV costs ~20 ms

    nn = NickNamer()
    nick = {k: frozenset(v) for k, v in nn.nickname_lookup.items()}
    canon = {k: frozenset(v) for k, v in nn.canonical_lookup.items()}
    return nick, canon


@cache
def formal_names(given: str) -> frozenset[str]:
    """A folded given name with the formal names it is short for ("bob" → bob, robert).

    Two given names are nickname-compatible when their formal names overlap: Bob and Rob
    (both Robert), Liz and Elizabeth. Going only up to the formal name, never back down to
    its other nicknames, keeps Sandra from meeting Katherine through some shared pet name.
    """
    g = fold(given).replace(" ", "")
    if not g:
        return frozenset()
    _nick, canon = _nicknamer()
    return frozenset({g} | canon.get(g, frozenset()))


@cache
def name_forms(given: str) -> frozenset[str]:
    """Every name ``given`` may be written as: its formal names and their direct nicknames.

    Used for initials: "B. Quill" may be Robert Quill, as Robert goes by Bob.
    """
    g = fold(given).replace(" ", "")
    nick, _canon = _nicknamer()
    forms = set(formal_names(given))
    forms |= nick.get(g, frozenset())
    return frozenset(forms)


def nickname_compatible(a: str, b: str) -> bool:
    """True when one given name may stand for the other (Bob/Robert, Liz/Elizabeth)."""
    return bool(formal_names(a) & formal_names(b))


@cache
def known_given_names() -> frozenset[str]:
    """Every given name (folded) the nickname table knows, formal or pet: mostly English."""
    nick, canon = _nicknamer()
    return frozenset(nick) | frozenset(canon)


@lru_cache(maxsize=1 << 16)
def company_key(company: str) -> str:
    """A company name folded, with legal forms (GmbH, Inc., S.L., Co., Ltd …) and "the" removed."""
    text = fold(company.replace(".", "").replace(",", " "))
    tokens = text.split()
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for k in range(min(5, len(tokens) - 1), 0, -1):
            tail = tokens[-k:]
            if " ".join(tail) in COMPANY_SUFFIXES or "".join(tail) in COMPANY_SUFFIXES:
                tokens = tokens[:-k]
                changed = True
                break
        if tokens and tokens[-1] in ("and", "&") and len(tokens) > 1:
            tokens = tokens[:-1]
            changed = True
    return " ".join(tokens)


#: Words that, added to a company's name, name a part or a place of it rather than another
#: employer ("Head Office", "Tokyo Branch", "Group").
_SAME_EMPLOYER_EXTRAS = frozenset({"head", "main", "regional", "global"}) | {
    fold(w) for w in ORG_UNITS | COMPANY_WORDS
}


@lru_cache(maxsize=1 << 16)
def same_employer(a: str, b: str) -> bool:
    """Whether two company names are one employer however written.

    The same :func:`company_key` ("Orchardway" and "Orchardway Pty Ltd"), the same within
    OCR slips, or a shorter form of the same name: the shorter's words start the longer's
    ("Kestrel Sangyo" of "Kestrel Sangyo Head Office"), where the shorter has two words or
    more, or what the longer adds names a part of a company ("Head Office", "Group").
    Used when merging: a shorter form or a misread is another spelling, never a job change.
    """
    ka, kb = company_key(a), company_key(b)
    if not (ka and kb):
        return ka == kb
    if ka == kb or ocr_fold(ka) == ocr_fold(kb):
        return True
    short, long_ = sorted((ka.split(), kb.split()), key=len)
    if long_[: len(short)] == short or set(short) < set(long_):
        extra = set(long_) - set(short)
        return len(short) >= 2 or extra <= _SAME_EMPLOYER_EXTRAS
    return token_sort_ratio(ocr_fold_words(ka), ocr_fold_words(kb)) >= 92


def same_title(a: str, b: str) -> bool:
    """Whether two job titles are one, but for case, punctuation or an OCR slip."""
    fa, fb = fold(a), fold(b)
    return fa == fb or ocr_fold(fa) == ocr_fold(fb) or ratio(fa, fb) >= 90


@lru_cache(maxsize=1 << 16)
def registered_domain(host: str) -> str:
    """The domain an organisation registered: "mail.acme.co.uk" → "acme.co.uk"."""
    host = host.lower().strip().rstrip(".")
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host)
    host = host.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    if host.startswith("www."):
        host = host[4:]
    labels = [x for x in host.split(".") if x]
    if len(labels) < 2:
        return ""
    keep = 3 if len(labels) >= 3 and labels[-1] in SECOND_LEVEL.get(labels[-2], ()) else 2
    return ".".join(labels[-keep:])


def _split_name(name: str) -> tuple[str | None, str | None]:
    """Given and family name of a full name with no split given: "Family, Given" or first/last."""
    if "," in name:
        family, _, given = name.partition(",")
        return (given.strip() or None), (family.strip() or None)
    parts = name.split()
    if len(parts) < 2:
        return None, (parts[0] if parts else None)
    return parts[0], parts[-1]


@dataclass(frozen=True)
class Profile:
    """What the matcher knows of one contact: its identifying values, as printed or stored.

    ``phones`` are E.164 numbers; ``domains`` are company domains taken from websites and
    e-mail addresses, free-mail providers (gmail.com …) left out as they say nothing about
    the employer. Folded forms for comparison are computed once, on creation.
    """

    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    company: str | None = None
    title: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    _given: str = field(default="", init=False, repr=False, compare=False)
    _family: str = field(default="", init=False, repr=False, compare=False)
    _full: str = field(default="", init=False, repr=False, compare=False)
    _company: str = field(default="", init=False, repr=False, compare=False)
    _title: str = field(default="", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        given, family = self.given_name, self.family_name
        if self.name and not (given or family):
            given, family = _split_name(self.name)
        full = self.name or " ".join(x for x in (given, family) if x)
        object.__setattr__(self, "_given", fold(given or "").split(" ")[0])
        object.__setattr__(self, "_family", fold(family or ""))
        object.__setattr__(self, "_full", fold(full))
        object.__setattr__(self, "_company", company_key(self.company or ""))
        object.__setattr__(self, "_title", fold(self.title or ""))
        object.__setattr__(self, "emails", tuple(dict.fromkeys(e.lower() for e in self.emails)))


def profile_of(contact: Contact) -> Profile:
    """The matcher's view of a contact (see :func:`make_profile`)."""
    return make_profile(
        name=contact.name.value if contact.name else None,
        given_name=contact.given_name,
        family_name=contact.family_name,
        company=contact.company.value if contact.company else None,
        title=contact.title.value if contact.title else None,
        emails=[f.value for f in contact.emails],
        phones=[(f.value.e164, f.value.type) for f in contact.phones if f.value.e164],
        websites=[f.value for f in contact.websites],
    )


def make_profile(
    *,
    name: str | None,
    given_name: str | None,
    family_name: str | None,
    company: str | None,
    title: str | None,
    emails: Iterable[str],
    phones: Iterable[tuple[str, str]],
    websites: Iterable[str],
) -> Profile:
    """The matcher's view of a contact given as plain values (how the store holds them).

    ``phones`` are (E.164, type) pairs. Fax and toll-free numbers are left out: they belong
    to the company, and every colleague printed on a card would share them.
    """
    mails = tuple(e for e in emails if e)
    numbers = (n for n, kind in phones if kind not in (PhoneType.FAX, PhoneType.TOLL_FREE))
    hosts = [e.rpartition("@")[2] for e in mails] + list(websites)
    domains = [d for d in map(registered_domain, hosts) if d and d not in WEBMAIL_DOMAINS]
    return Profile(
        name=name,
        given_name=given_name,
        family_name=family_name,
        company=company,
        title=title,
        emails=mails,
        phones=tuple(dict.fromkeys(numbers)),
        domains=tuple(dict.fromkeys(domains)),
    )


def _initials(given: str) -> set[str]:
    return {f[0] for f in name_forms(given)} if given else set()


def blocking_keys(profile: Profile) -> frozenset[str]:
    """The keys a profile is filed under; two profiles are compared only if they share one.

    ``e:`` normalised e-mail, ``p:`` E.164 phone, and name keys robust to OCR slips,
    initials and nicknames: ``n:`` the family name's sound key with each initial the given
    name (or one of its nicknames) may start with; ``s:`` both names' sound keys in sorted
    order (so "Family, Given" meets "Given Family"); ``f:`` each formal given name with the
    family name's first letter, and ``g:`` each formal given name with a company domain
    (both for a family name OCR mangled beyond its sound key).
    """
    p = profile
    keys = {f"e:{e}" for e in p.emails} | {f"p:{n}" for n in p.phones}
    family = sound_key(p._family) if p._family else ""
    if family:
        keys |= {f"n:{family}:{i}" for i in _initials(p._given)} or {f"n:{family}:"}
        if p._given and len(p._given) > 1:
            keys.add("s:" + ":".join(sorted((family, sound_key(p._given)))))
    if p._given and len(p._given) > 1:
        formal = formal_names(p._given)
        keys |= {f"g:{f}:{d}" for f in formal for d in p.domains}
        if family:
            keys |= {f"f:{f}:{family[0]}" for f in formal}
    return frozenset(keys)


@dataclass(frozen=True)
class MatchScore:
    """How likely two profiles are the same person (0..1), and the evidence for it.

    ``reasons`` name each comparison level that counted, with its weight ("email same
    +10.0"), strongest first, so a reviewer sees why.
    """

    score: float
    reasons: tuple[str, ...] = ()


def _same_chars(a: str, b: str) -> bool:
    return ocr_fold(a) == ocr_fold(b)


def _near(a: str, b: str, jw: float | None = 0.9) -> bool:
    """Within an OCR slip: equal after folding, Jaro-Winkler ≥ ``jw``, or one edit in 5+ letters."""
    if _same_chars(a, b):
        return True
    oa, ob = ocr_fold(a), ocr_fold(b)
    if jw is not None and jaro_winkler(oa, ob) >= jw:
        return True
    long_enough = max(len(a), len(b)) >= 5 and min(len(a), len(b)) >= 4
    # Both spellings: folding "rn" to "m" turns a dropped "a" ("Frnk") into two edits.
    return long_enough and (
        edit_distance(oa, ob, cutoff=1) <= 1 or edit_distance(a, b, cutoff=1) <= 1
    )


# The level of a pair of folded names is cached: a card's candidates share its family name
# (that is how blocking found them), so the same pairs come up again and again.
@lru_cache(maxsize=1 << 16)
def _given_level(a: str, b: str) -> str:
    if a == b:
        return "given same"
    if len(a) == 1 or len(b) == 1:
        short, long_ = (a, b) if len(a) == 1 else (b, a)
        return "given initial" if short in _initials(long_) else "given differs"
    if nickname_compatible(a, b):
        return "given nickname"
    if _same_chars(a, b):
        return "given near"
    known = known_given_names()
    # Two different real names (Michaela, Michelle) are two people, however alike they look;
    # an OCR slip rarely turns one real name into another.
    # Given names are short, so Jaro-Winkler finds Michaela in Michelle: one edit only.
    if not (a in known and b in known) and _near(a, b, jw=None):
        return "given near"
    if min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)):
        return "given prefix"
    return "given differs"


@lru_cache(maxsize=1 << 16)
def _family_level(a: str, b: str) -> str:
    if a == b:
        return "family same"
    if _near(a, b):
        return "family near"
    ta, tb = set(a.split()), set(b.split())
    if len(ta) != len(tb) and (ta & tb):
        return "family part"
    if jaro_winkler(ocr_fold(a), ocr_fold(b)) >= 0.8:
        return "family similar"
    return "family differs"


def _name_levels(a: Profile, b: Profile) -> list[str]:
    if a._family and b._family:
        levels = [_family_level(a._family, b._family)]
        if a._given and b._given:
            levels.append(_given_level(a._given, b._given))
        if levels[0] == "family differs" and a._given and b._given:
            swapped = _family_level(a._family, b._given), _family_level(a._given, b._family)
            if all(lv in ("family same", "family near") for lv in swapped):
                return ["name swapped"]
        return levels
    if a._full and b._full:
        ratio = token_set_ratio(ocr_fold_words(a._full), ocr_fold_words(b._full))
        return ["name same" if ratio >= 95 else "name near" if ratio >= 85 else "name differs"]
    return []


@lru_cache(maxsize=1 << 16)
def ocr_fold_words(text: str) -> str:
    """:func:`ocr_fold` word by word, keeping the spaces (for token-set comparisons)."""
    return " ".join(ocr_fold(w) for w in text.split())


def _email_level(a: Profile, b: Profile) -> str | None:
    if not (a.emails and b.emails):
        return None
    if set(a.emails) & set(b.emails):
        return "email same"
    for ea in a.emails:
        la, _, da = ea.rpartition("@")
        for eb in b.emails:
            lb, _, db = eb.rpartition("@")
            if da == db and _near(la, lb, jw=0.95):
                return "email near"
    return "email differs"


def _phone_level(a: Profile, b: Profile) -> str | None:
    if not (a.phones and b.phones):
        return None
    if set(a.phones) & set(b.phones):
        return "phone same"
    for pa in a.phones:
        for pb in b.phones:
            if len(pa) == len(pb) and len(pa) >= 9 and edit_distance(pa, pb) == 1:
                return "phone near"
    return "phone differs"


def _company_level(a: Profile, b: Profile) -> str | None:
    if not (a._company and b._company):
        return None
    if a._company == b._company or _same_chars(a._company, b._company):
        return "company same"
    ca, cb = ocr_fold_words(a._company), ocr_fold_words(b._company)
    if token_sort_ratio(ca, cb) >= 88 or token_set_ratio(ca, cb) >= 95:
        return "company near"
    return "company differs"


def _domain_level(a: Profile, b: Profile) -> str | None:
    if not (a.domains and b.domains):
        return None
    return "domain same" if set(a.domains) & set(b.domains) else "domain differs"


def _title_level(a: Profile, b: Profile) -> str | None:
    if a._title and b._title and ratio(a._title, b._title) >= 90:
        return "title same"
    return None


def _levels(a: Profile, b: Profile) -> Iterator[str]:
    names = _name_levels(a, b)
    yield from names
    email = _email_level(a, b)
    if email == "email near" and "given differs" in names:
        # d.jackson@ and t.jackson@ at one firm are two colleagues, not an OCR slip.
        email = "email differs"
    for level in (
        email,
        _phone_level(a, b),
        _company_level(a, b),
        _domain_level(a, b),
        _title_level(a, b),
    ):
        if level is not None:
            yield level


def compare(a: Profile, b: Profile) -> MatchScore:
    """Score how likely ``a`` and ``b`` are the same person.

    Each field comparison contributes its level's weight from :data:`WEIGHTS`; the sum with
    :data:`PRIOR` is turned into a probability.
    """
    levels = list(_levels(a, b))
    total = PRIOR + sum(map(WEIGHTS.__getitem__, levels))
    score = 1.0 / (1.0 + math.pow(2.0, -total))
    levels.sort(key=_STRENGTH.__getitem__)
    return MatchScore(round(score, 6), tuple(map(_REASON.__getitem__, levels)))


def decide(score: MatchScore | float, same: float = SAME_AT, review: float = REVIEW_AT) -> Decision:
    """The decision for a score: SAME at ``same`` or above, REVIEW at ``review`` or above."""
    value = score.score if isinstance(score, MatchScore) else score
    if value >= same:
        return Decision.SAME
    if value >= review:
        return Decision.REVIEW
    return Decision.NEW


class MatchIndex:
    """An in-memory blocking index over stored profiles, for matching many cards quickly.

    ``candidates`` looks profiles up by blocking key only; it never scans the whole index.
    A key shared by more than ``max_block`` profiles (a very common name) is skipped when
    looking up, as such a block says little and would cost the most; e-mail and phone
    keys are never skipped.
    """

    def __init__(self, max_block: int = 1000) -> None:
        self.max_block = max_block
        self._blocks: dict[str, set[int]] = {}
        self._profiles: dict[int, Profile] = {}
        self._keys: dict[int, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, ident: object) -> bool:
        return ident in self._profiles

    def add(self, ident: int, profile: Profile) -> None:
        """File ``profile`` under ``ident``, replacing what was filed there before."""
        if ident in self._profiles:
            self.remove(ident)
        keys = blocking_keys(profile)
        self._profiles[ident] = profile
        self._keys[ident] = keys
        for key in keys:
            self._blocks.setdefault(key, set()).add(ident)

    def update(self, items: Iterable[tuple[int, Profile]]) -> None:
        """Add many profiles at once."""
        for ident, profile in items:
            self.add(ident, profile)

    def remove(self, ident: int) -> None:
        """Forget ``ident`` (no error if it is not there)."""
        self._profiles.pop(ident, None)
        for key in self._keys.pop(ident, frozenset()):
            block = self._blocks.get(key)
            if block is not None:
                block.discard(ident)
                if not block:
                    del self._blocks[key]

    def get(self, ident: int) -> Profile | None:
        """The profile filed under ``ident``, if any."""
        return self._profiles.get(ident)

    def candidates(self, profile: Profile) -> set[int]:
        """Ids of the stored profiles sharing at least one blocking key with ``profile``."""
        out: set[int] = set()
        for key in blocking_keys(profile):
            block = self._blocks.get(key)
            if not block:
                continue
            if len(block) > self.max_block and key[0] not in "ep":
                continue
            out |= block
        return out

    def scored(self, profile: Profile) -> list[tuple[int, MatchScore]]:
        """Every candidate with its score, best first."""
        pairs = [(i, compare(profile, self._profiles[i])) for i in self.candidates(profile)]
        pairs.sort(key=lambda p: (-p[1].score, p[0]))
        return pairs

    def best(self, profile: Profile) -> tuple[int, MatchScore, Decision] | None:
        """The best-scoring candidate with its decision, or None when blocking finds nobody."""
        best: tuple[int, MatchScore] | None = None
        for ident in self.candidates(profile):
            s = compare(profile, self._profiles[ident])
            if best is None or (s.score, -ident) > (best[1].score, -best[0]):
                best = (ident, s)
        if best is None:
            return None
        return best[0], best[1], decide(best[1])
