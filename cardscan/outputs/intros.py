"""Introductions: who among your contacts can help whom.

A contact states a need with a tag ``needs:accountant`` (also ``need:`` or
``looking-for:``); another meets it when a tag says so (``offers:accountant``, ``can:``,
``is:``) or when their job title or company names the role ("CPA", "Tax Advisor",
"Müller Steuerberatung"). Good networkers make such introductions by asking both sides
first, so a suggestion is a task to ask, never an e-mail sent to two people at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cardscan.book.entries import Entry

#: Tags that mark a stated need, and an offer of help.
NEED_PREFIXES = ("needs:", "need:", "looking-for:", "seeks:")
OFFER_PREFIXES = ("offers:", "offer:", "can:", "is:", "provides:")

#: Tags that forbid any follow-up, introductions included.
NO_FOLLOWUP_TAGS = ("no-followup", "no-follow-up", "do-not-contact", "unsubscribed")

#: Roles people ask for, each with the words (whole words, any case) that show a job title or
#: company fills it. The first word is the role's name; the others are synonyms a need may
#: use (``needs:cpa`` asks for an accountant) and the words titles use.
ROLES: dict[str, tuple[str, ...]] = {
    "accountant": (
        "accountant",
        "accounting",
        "cpa",
        "chartered accountant",
        "bookkeeper",
        "bookkeeping",
        "tax advisor",
        "tax adviser",
        "tax consultant",
        "steuerberater",
        "steuerberatung",
        "expert-comptable",
        "comptable",
        "auditor",
    ),
    "lawyer": (
        "lawyer",
        "attorney",
        "solicitor",
        "counsel",
        "legal",
        "law firm",
        "paralegal",
        "rechtsanwalt",
        "avocat",
        "abogado",
        "notary",
    ),
    "designer": ("designer", "design", "ux", "ui designer", "graphic designer", "art director"),
    "developer": (
        "developer",
        "software engineer",
        "engineer",
        "programmer",
        "cto",
        "web developer",
        "full-stack",
        "fullstack",
    ),
    "investor": (
        "investor",
        "venture",
        "ventures",
        "vc",
        "angel",
        "capital",
        "fund",
        "investment",
        "funding",
    ),
    "recruiter": ("recruiter", "recruiting", "talent", "headhunter", "hiring", "staffing"),
    "hr": ("hr", "human resources", "people operations", "people partner"),
    "marketer": ("marketing", "marketer", "growth", "brand", "seo", "cmo"),
    "pr": ("pr", "public relations", "communications", "press"),
    "sales": ("sales", "business development", "account executive", "bdr", "sdr"),
    "photographer": ("photographer", "photography", "photo studio"),
    "translator": ("translator", "translation", "interpreter", "localization"),
    "banker": ("banker", "bank", "banking", "loan officer", "lender"),
    "insurance": ("insurance", "insurer", "broker", "underwriter"),
    "real estate": ("real estate", "realtor", "estate agent", "property", "broker"),
    "architect": ("architect", "architecture", "architekt"),
    "mentor": ("mentor", "coach", "advisor", "adviser"),
    "consultant": ("consultant", "consulting", "advisory"),
    "data scientist": ("data scientist", "data science", "machine learning", "ml", "analytics"),
    "printer": ("printer", "printing", "print shop"),
    "caterer": ("caterer", "catering"),
    "event planner": ("event planner", "events", "event manager", "venue"),
}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[_]+", " ", text.strip().lower()).split())


def role_of(word: str) -> str:
    """The role a need or offer names: ``cpa`` → ``accountant``; unknown words stay as they are."""
    w = _norm(word)
    for role, words in ROLES.items():
        if w == role or w in words or w.rstrip("s") in words:
            return role
    return w


def _has_words(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def _tagged(entry: Entry, prefixes: Sequence[str]) -> dict[str, str]:
    """Role → the tag naming it, for tags with one of ``prefixes``."""
    out: dict[str, str] = {}
    for tag in entry.tags:
        for prefix in prefixes:
            if tag.startswith(prefix) and tag[len(prefix) :].strip():
                out.setdefault(role_of(tag[len(prefix) :]), tag)
    return out


def needs_of(entry: Entry) -> dict[str, str]:
    """The roles a contact asked for (from ``needs:`` tags), each with its tag."""
    return _tagged(entry, NEED_PREFIXES)


def offers_of(entry: Entry) -> dict[str, str]:
    """The roles a contact can fill, each with the evidence (for the "why" of a suggestion)."""
    out = {role: f"tagged {tag}" for role, tag in _tagged(entry, OFFER_PREFIXES).items()}
    c = entry.contact
    for field, text in (("title", c.title), ("company", c.company)):
        if not text:
            continue
        low = _norm(text)
        for role, words in ROLES.items():
            if role in out:
                continue
            if any(_has_words(low, w) for w in (role, *words)):
                out[role] = f"{text} ({field})"
    return out


def may_contact(entry: Entry) -> bool:
    """Whether this person may be followed up with at all."""
    return not entry.has_tag(*NO_FOLLOWUP_TAGS)


@dataclass(frozen=True)
class Introduction:
    """A suggestion: introduce ``seeker`` (who needs ``role``) to ``helper``, and why."""

    seeker: Entry
    helper: Entry
    role: str
    why: str


def suggest_introductions(entries: Sequence[Entry], per_need: int = 2) -> list[Introduction]:
    """Pairs of contacts where one meets the other's stated need.

    At most ``per_need`` helpers per need, those with a matching tag before those matched by
    title, then the higher-priority (``hot``, ``warm``) ones: an introduction spends the
    goodwill of both, so a few good ones beat many. Contacts tagged ``no-followup`` are
    neither introduced nor introduced to.
    """
    allowed = [e for e in entries if may_contact(e)]
    offers = {e.id: offers_of(e) for e in allowed}
    out: list[Introduction] = []
    for seeker in allowed:
        for role, tag in sorted(needs_of(seeker).items()):
            helpers = [h for h in allowed if h.id != seeker.id and role in offers[h.id]]
            helpers.sort(
                key=lambda h: (
                    not offers[h.id][role].startswith("tagged"),
                    not h.has_tag("hot"),
                    not h.has_tag("warm"),
                    h.id,
                )
            )
            for helper in helpers[:per_need]:
                who = seeker.contact.label
                why = f"{who} needs {_article(role)} (tag {tag}); {helper.contact.label}: "
                out.append(Introduction(seeker, helper, role, why + offers[helper.id][role]))
    return out


def _article(role: str) -> str:
    return ("an " if role[:1] in "aeiou" else "a ") + role
