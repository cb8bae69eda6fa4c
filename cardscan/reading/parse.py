"""Business-card parsing: one card's OCR words in, a :class:`~cardscan.models.Contact` out.

How a card is read
------------------
1. **Segments.** Tesseract's lines are split where words sit far apart (two columns, an
   icon beside a number) or jump in size (a logo letter), and junk at a segment's ends
   (icons and logo strokes read as ``&``, ``2a``, ``DK)``) is dropped, so each segment is
   one printed item.
2. **Contact block.** Websites, e-mails, social profiles, phones and the address are found
   by pattern. OCR slips typical of each are repaired only where the repaired value then
   validates (see :mod:`cardscan.reading.validate`): letters in digit runs, "http//", "www,", a
   comma or space for a dot, a lost ``@`` when the line is labelled or the domain is
   printed as the website, a number broken over two lines. A label glued to an address
   ("E-mail:jane@…") is cut off, never a word inside it ("jane@mail.com"). Vanity numbers
   ("1-800-FLOWERS") are dialled by their letters. The card's domain readings are then
   reconciled: the e-mail, the website and the company name spell one domain, and
   readings an OCR slip away from the best-supported form take it. The region for
   national numbers comes from the address, the calling codes printed, the domain,
   postcode and legal-form hints, the card's language, and which region the printed
   numbers are valid in and laid out like (fallback US); a number that a region the card
   cannot rule out reads as another valid number is kept as a guess and flagged.
3. **Name, title, company.** Every remaining segment is scored for each role from its
   shape, the lexicons in :mod:`cardscan.lexicon`, layout (text height is font size; the
   name is the largest name-shaped line; the title sits next to it) and cross-checks with
   the contact block (the e-mail's local part spells the name; the domain spells the
   company or its acronym). The best-scoring assignment of the three roles to distinct
   lines wins; a role stays empty rather than take a weak line (an org unit such as
   "Systems Division" is no title). Words the card spells better elsewhere are repaired:
   "Kobayashl" from ``k.kobayashi@``, "Sauberlich" from ``saeuberlich.de``, "Itd" to
   "ltd", "Geschaftsfiihrer" from the title lexicon, but only towards a word of the
   title's own language ("Chef de Produits" stays French). Names and titles printed in
   capitals are title-cased (``raw`` keeps the print). A line the domain spells is the
   company, unless no other line can be the name: a freelancer's "Jane Doe" with
   ``janedoe.design`` is the person.

Confidence scheme
-----------------
Every :class:`~cardscan.models.Field`'s confidence is the probability that the value is
right, from :mod:`cardscan.reading.calibration`: the parser describes each value by a few features
in 0..1 (the mean Tesseract confidence of its words; whether a second reading confirmed it:
a phone or e-mail that validates, an e-mail whose domain is the website's or whose local
part spells the name, a company the domain spells or a legal form ends; whether it needed
an OCR repair; how clearly it beat the next candidate line), and a small logistic model per
field, fitted on generated cards, turns them into a probability. Values under the review
threshold (0.6 by default) are the ones likely wrong and deserve a human look; low names,
titles and companies, invalid values and guesses also get a line in ``Contact.issues``.
:func:`parse_card_readings` returns the features with the contact, for refitting
(``scripts/calibrate.py``). Social profiles, which nothing scores, keep a fixed evidence
weight times their OCR confidence.
"""

from __future__ import annotations

import contextvars
import dataclasses
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from nameparser import HumanName

from cardscan import lexicon
from cardscan.models import Contact, Field, OcrResult, Phone, PhoneType, Word, mean_conf
from cardscan.reading import calibration, validate
from cardscan.similarity import edit_distance, edit_similarity, nearest_words

# Segments: words further apart than this many line heights belong to different items.
_GAP_FACTOR = 1.6
# Characters no real word on a card contains; a token holding one is an icon or a logo stroke.
_JUNK_CHARS = set("<>{}[]\\~^=_§©®¢£¥€$%*#¦«»™°¬")
_PUNCT_EDGES = " \t.,;:!?'\"()[]{}|/\\-–—•·*"
_SEPARATORS = re.compile(r"\s+[|•·–—/]\s+|\s+-\s+|,\s+")

_EVIDENCE_VALID = 0.98
_EVIDENCE_REPAIRED = 0.85
_EVIDENCE_INVALID = 0.3


# --------------------------------------------------------------------------- segments


class _WordSpan:
    """The edges of the box around a run of words (mixed into the records below)."""

    words: tuple[Word, ...]

    @property
    def left(self) -> int:
        return min(w.box.left for w in self.words)

    @property
    def right(self) -> int:
        return max(w.box.right for w in self.words)

    @property
    def top(self) -> int:
        return min(w.box.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.box.bottom for w in self.words)

    @property
    def conf(self) -> float:
        return mean_conf(self.words)

    def _median_height(self, counts: Callable[[str], bool]) -> float:
        """Median height of the words holding a character ``counts`` accepts (else of all)."""
        hs = sorted(w.box.height for w in self.words if any(counts(c) for c in w.text))
        hs = hs or sorted(w.box.height for w in self.words)
        return float(hs[len(hs) // 2])


@dataclass(frozen=True)
class _Segment(_WordSpan):
    """Words of one printed item: part of a Tesseract line between large gaps."""

    words: tuple[Word, ...]
    #: Position in reading order (Tesseract's block order, then left to right).
    index: int

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def height(self) -> float:
        """Font-size proxy: the median height of the words that have letters or digits."""
        return self._median_height(str.isalnum)


def _is_junk(word: Word) -> bool:
    """True for a token that is an icon or a logo stroke rather than printed text.

    Only used on the ends of a segment. Long tokens are never junk however unsure
    Tesseract is: e-mail addresses and URLs routinely come back with low confidence.
    """
    text = word.text
    alnum = sum(c.isalnum() for c in text)
    if not alnum:
        return True
    core = text.strip(_PUNCT_EDGES)
    if alnum >= 5 or "@" in text or _known_word(core):
        return False
    if any(c in _JUNK_CHARS for c in text):
        return True
    if word.conf < 0.35:
        return True
    # A bracket that closes nothing ("DK)", "(Y)ER") is how Tesseract reads pictograms.
    if text.count(")") != text.count("(") and not any(c.isdigit() for c in text):
        return True
    low = _fold(core)
    if len(core) <= 2 and word.conf < 0.8 and low not in lexicon.PHONE_LABELS:
        return True
    # Lower case then capitals ("iR", "nE") does not occur in real short words.
    return bool(re.fullmatch(r"[a-z]+[A-Z]+[a-z]*", core))


def _known_word(token: str) -> bool:
    """True for a word from the lexicons: real text even when Tesseract is unsure of it."""
    low = _fold(token).strip(_PUNCT_EDGES)
    return len(low) >= 2 and (
        low in lexicon.TITLE_ROLES
        or low in lexicon.SENIORITY
        or low in lexicon.FUNCTION_WORDS
        or low in lexicon.ORG_UNITS
        or low in lexicon.ADDRESS_WORDS
        or low in lexicon.COMPANY_SUFFIXES
        or low in lexicon.PHONE_LABELS
        or low in lexicon.EMAIL_LABELS
        or low in lexicon.WEB_LABELS
    )


def _is_divider(word: Word) -> bool:
    """True for a junk token inside a line that parts two printed items ('"=', '»', '®')."""
    text = word.text
    if any(c.isalnum() for c in text):
        return False
    return not set(text) <= set("&-–—/|·•,.+@:()'")


def _is_rule(prev: Word, bar: Word, nxt: Word) -> bool:
    """True for a "|" that is a printed vertical rule between two columns, not a separator.

    A separator typed in a line ("Manager | Sales") is the size of its letters; a rule
    between columns stands taller than the text, or parts text of different sizes (a name
    beside an address line).
    """
    if bar.text.strip() not in ("|", "¦", "｜"):
        return False
    small, big = sorted((prev.box.height, nxt.box.height))
    return bar.box.height > 1.3 * big or big > 1.5 * max(small, 1)


_DASHES = re.compile(r"(?<=\d)[\u2010-\u2015\u2212](?=\d)")


def _plain_dashes(word: Word) -> Word:
    """``word`` with typographic dashes between digits made ASCII ("3—4-5" → "3-4-5")."""
    text = _DASHES.sub("-", word.text)
    return word if text == word.text else dataclasses.replace(word, text=text)


def _segments(ocr: OcrResult) -> list[_Segment]:
    """Split OCR lines at wide gaps and trim junk from each piece's ends."""
    pieces: list[list[Word]] = []
    for line in ocr.lines:
        words = list(line.words)
        if not words:
            continue
        hs = sorted(w.box.height for w in words)
        height = hs[len(hs) // 2]
        current = [words[0]]
        for i, (prev, word) in enumerate(itertools.pairwise(words)):
            nxt = words[i + 2] if i + 2 < len(words) else None
            gap = word.box.left - prev.box.right
            small, big = sorted((prev.box.height, word.box.height))
            # A glyph twice the size of its neighbour is a logo letter, not part of the text.
            logo = big > 2.2 * max(small, 1) and all(
                any(c.isalnum() for c in w.text) for w in (prev, word)
            )
            if gap > _GAP_FACTOR * max(height, 1) + 0.6 * small or logo:
                pieces.append(current)
                current = []
            if _is_divider(word) or (nxt is not None and _is_rule(prev, word, nxt)):
                pieces.append(current)
                current = []
                continue
            current.append(word)
        pieces.append(current)
    segments: list[_Segment] = []
    for words in ([_plain_dashes(w) for w in piece] for piece in pieces):
        if not words:
            continue
        # Icons sit at the ends of an item; junk in the middle is left for the patterns.
        while words and _is_junk(words[0]):
            words = words[1:]
        while words and _is_junk(words[-1]):
            words = words[:-1]
        if words:
            segments.append(_Segment(tuple(words), len(segments)))
    return segments


def _char_spans(seg: _Segment) -> list[tuple[int, int]]:
    """Start/end offsets of each word of ``seg`` in ``seg.text``."""
    spans, pos = [], 0
    for w in seg.words:
        spans.append((pos, pos + len(w.text)))
        pos += len(w.text) + 1
    return spans


def _words_in(seg: _Segment, start: int, end: int) -> tuple[Word, ...]:
    """The words of ``seg`` that overlap characters ``start:end`` of its text."""
    return tuple(
        w for w, (a, b) in zip(seg.words, _char_spans(seg), strict=True) if a < end and start < b
    )


# --------------------------------------------------------------------------- text helpers


def _fold(text: str) -> str:
    """Lower case without accents, for lexicon and cross-checks."""
    text = text.replace("ı", "i").lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    """Folded word tokens with punctuation at their ends removed."""
    out = []
    for raw in text.split():
        tok = _fold(raw).strip(_PUNCT_EDGES)
        if tok:
            out.append(tok)
    return out


def _letters(text: str) -> str:
    """Only the folded letters and digits of ``text`` ("Co.,Ltd" → "coltd")."""
    return "".join(c for c in _fold(text) if c.isalnum())


# --------------------------------------------------------------------------- e-mail


@dataclass(frozen=True)
class _Found:
    """A value found in a segment: where, what was printed, what it means."""

    seg: int
    start: int
    end: int
    raw: str
    value: str
    valid: bool
    repaired: bool
    words: tuple[Word, ...]


# Letters of any script: internationalised domains ("bücher.de") and local parts are real.
_EMAIL_RE = re.compile(r"[\w.%+'\-]+@(?:[^\W_]|-)+(?:[.,](?:[^\W_]|-)+)+")
# "E-mail:jane@…", "Mail:jane@…", "E:jane@…": a label glued to the front of an address by a
# colon, which no address contains; or a capitalised label glued by a dot, OCR's usual reading
# of that colon ("E-Mail.jane@…"). Never a label inside the address ("jane.mail.doe@…",
# "mail.jane@…", "jane@mail.com").
_GLUED_LABEL = re.compile(
    r"^(?:(?i:e-?mail|mail|courriel|correo|e-?post|e)\s*:|(?:E-?[Mm]ail|E-?MAIL|Mail|MAIL)\.)\s*"
)
_AT_LOOKALIKES = ("©", "®", "(a)", "(at)", "[at]")


def _email_candidates(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, address, joined) for each ``@`` item, rejoining what OCR split apart.

    OCR puts spaces around "@" and after dots ("k. mori@…", "kiso. ne.jp"), drops the dot
    before a TLD ("kiso ne.jp", "bluefin jp") and after an initial ("k mori@…"). The
    pieces are joined back when the joined text is an address; ``joined`` says a repair
    beyond removing spaces was needed.
    """
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    # A bar inside an address is a misread "l" ("|.gagliardi@…").
    toks = [text[a:b].replace("|", "l") if "@" in text[a:b] else text[a:b] for a, b in spans]
    out = []
    used: set[int] = set()
    for i, tok in enumerate(toks):
        if "@" not in tok or i in used:
            continue
        first, last = i, i
        addr, joined = tok, False
        # "jane @ x.com", "jane@ x.com", "jane @x.com"
        if addr.startswith("@") and first > 0:
            first -= 1
            addr = toks[first] + addr
        if addr.endswith("@") and last + 1 < len(toks):
            last += 1
            addr += toks[last]
        # Local part split after a dot, or an initial whose dot was lost.
        while first > 0:
            prev = toks[first - 1]
            if _is_label(prev) or not re.fullmatch(r"[A-Za-z0-9._\-]+", prev):
                break
            if prev[-1] in "._-" or addr[0] in "._-":
                addr = prev + addr
            elif len(prev) == 1 and prev.isalpha() and addr[0].isalpha():
                addr, joined = f"{prev}.{addr}", True
            else:
                break
            first -= 1
        # Domain split after a dot, or a TLD set apart by a space instead of a dot.
        while last + 1 < len(toks):
            nxt = toks[last + 1].rstrip(".,;")
            if addr.endswith(".") or nxt.startswith("."):
                addr += nxt
            elif (
                _needs_tld(addr)
                and re.fullmatch(r"[a-z]{2,3}", nxt)
                and (
                    nxt in lexicon.TLD_REGIONS
                    or nxt in lexicon.GENERIC_TLDS
                    or nxt in lexicon.SECOND_LEVEL
                )
            ):
                addr, joined = f"{addr}.{nxt}", True
            else:
                break
            last += 1
        used.update(range(first, last + 1))
        addr = _GLUED_LABEL.sub("", addr)
        # A dot that OCR read as a comma inside the domain ("kiso,ne.jp").
        m = _EMAIL_RE.search(addr)
        if m:
            out.append((spans[first][0], spans[last][1], m.group(0), joined))
            continue
        # The TLD lost ("jane@example."): kept as "jane@example" for the website to complete.
        m = re.search(r"[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]{2,}(?=\.?$)", addr)
        if m:
            out.append((spans[first][0], spans[last][1], m.group(0), True))
    return out


def _needs_tld(addr: str) -> bool:
    """True when an address so far ends before its TLD ("jane@example", "jane@kiso.ne")."""
    domain = addr.rpartition("@")[2]
    return "." not in domain or domain.rsplit(".", 1)[1] in lexicon.SECOND_LEVEL


def _repair_domain(domain: str) -> str:
    """Fix the OCR slips typical in one domain reading, without looking at the rest of the card.

    A comma for a dot, a lost dot before a country TLD ("ad.jp" read "adjp"), and a country
    TLD that does not exist or does not go with its second level ("ne.ip", "ne.ijo" for
    "ne.jp") are repaired towards the nearest real form.
    """
    domain = domain.replace(",", ".").strip(".").lower()
    labels = domain.split(".")
    last = labels[-1]
    if not validate.tld_exists(domain) or len(last) > 3:
        for sld, tlds in lexicon.SECOND_LEVEL.items():
            for tld in tlds:
                if last == sld + tld and len(labels) >= 2:
                    return ".".join([*labels[:-1], sld, tld])
    if validate.tld_exists(domain) and _second_level_ok(domain):
        return domain
    if len(labels) >= 3 and labels[-2] in lexicon.SECOND_LEVEL:
        options = sorted(lexicon.SECOND_LEVEL[labels[-2]])
    else:
        options = ["com", "net", "org", "de", "jp", "fr", "es", "uk", "it", "nl", "ch", "at"]
    best = min(options, key=lambda t: _ocr_distance(last, t))
    if _ocr_distance(last, best) <= 1.0:
        return ".".join([*labels[:-1], best])
    return domain


def _second_level_ok(domain: str) -> bool:
    """False for ``x.ne.io``-like pairs: a second level used only under other country TLDs."""
    labels = domain.split(".")
    if len(labels) < 3 or labels[-2] not in ("ne", "ad", "or", "go", "ac"):
        return True
    return labels[-1] in lexicon.SECOND_LEVEL[labels[-2]]


# Pairs of characters OCR swaps for one another in Latin print (costing half an edit).
_CONFUSABLE = {
    frozenset(p)
    for p in (
        "ij",
        "il",
        "i1",
        "l1",
        "jl",
        "op",
        "o0",
        "pq",
        "nh",
        "bh",
        "ce",
        "ao",
        "uv",
        "ft",
        "gq",
        "s5",
        "b8",
        "yj",
        "yi",
        "ui",
        "un",
        "rn",
        "mn",
        "vy",
        "cg",
        "ec",
    )
}
# Thin glyphs OCR drops or invents (costing half an edit).
_THIN = set("il1j.-'|!")


def _ocr_distance(a: str, b: str) -> float:
    """Edit distance where typical OCR confusions and lost thin glyphs cost half an edit."""
    prev = [0.0]
    for ch in b:
        prev.append(prev[-1] + (0.5 if ch in _THIN else 1.0))
    for x in a:
        cur = [prev[0] + (0.5 if x in _THIN else 1.0)]
        for j, y in enumerate(b, 1):
            sub = 0.0 if x == y else 0.5 if frozenset((x, y)) in _CONFUSABLE else 1.0
            cur.append(
                min(
                    prev[j - 1] + sub,
                    prev[j] + (0.5 if x in _THIN else 1.0),
                    cur[j - 1] + (0.5 if y in _THIN else 1.0),
                )
            )
        prev = cur
    return prev[-1]


def _split_domain(domain: str) -> tuple[str, str, str]:
    """(prefix, label, ending): "www.acme-labs.co.uk" → ("www.", "acme-labs", ".co.uk")."""
    labels = domain.split(".")
    cut = len(labels) - (2 if len(labels) >= 3 and labels[-2] in lexicon.SECOND_LEVEL else 1)
    if cut < 1:
        return "", domain, ""
    return (
        (".".join(labels[: cut - 1]) + "." if cut > 1 else ""),
        labels[cut - 1],
        "." + ".".join(labels[cut:]),
    )


def _spelled_labels(segs: Sequence[_Segment], skip: set[int]) -> set[str]:
    """Strings a domain label could spell, taken from the card's other lines.

    Each line's letters without its legal form ("Acme Labs GmbH" → "acmelabs"), its
    acronym ("Pacific Data Networks" → "pdn") and each longer word.
    """
    out: set[str] = set()
    for seg in segs:
        if seg.index in skip:
            continue
        text = seg.text
        suffix = _legal_suffix(text)
        core = text[: len(text) - len(suffix)] if suffix else text
        words = [w for w in re.split(r"[^a-z0-9]+", _fold(core)) if w]
        if not words:
            continue
        letters = "".join(words)
        if 3 <= len(letters) <= 30:
            out.add(letters)
        if len(words) >= 2:
            out.add("".join(w[0] for w in words))
        out.update(w for w in words if len(w) >= 4)
    return out


def _domain_consensus(readings: Sequence[tuple[str, float]], spelled: set[str]) -> dict[str, str]:
    """Map each domain reading on a card to the reading the card as a whole supports best.

    A card prints its domain in the e-mail and the website, and often spells it in the
    company name or logo. Readings that are an OCR slip away from a better-supported form
    (more readings, more confident, spelled elsewhere on the card, a real TLD) take that
    form; a confident reading needs closer agreement to be changed than a shaky one.

    Args:
        readings: (domain, OCR confidence) of every e-mail domain and website host.
        spelled: strings the card's text lines spell (see :func:`_spelled_labels`).

    Returns:
        reading → chosen domain (itself when nothing better is supported).
    """
    # "www.x.com" and "x.com" are one site: compare and count without the prefix.
    support: dict[str, float] = {}
    for domain, conf in readings:
        bare = domain.removeprefix("www.")
        support[bare] = support.get(bare, 0.0) + conf
    candidates = set(support)
    for domain in support:
        prefix, label, ending = _split_domain(domain)
        for word in spelled:
            # A company spelled without the domain's hyphens is no evidence against them.
            if word != label.replace("-", "") and _ocr_distance(label, word) <= 1.5:
                candidates.add(prefix + word + ending)

    def score(domain: str) -> float:
        _, label, _ = _split_domain(domain)
        real = validate.tld_exists(domain) and _second_level_ok(domain)
        return support.get(domain, 0.0) + 1.0 * (label.replace("-", "") in spelled) + 0.3 * real

    mapping: dict[str, str] = {}
    for domain, conf in readings:
        bare = domain.removeprefix("www.")
        best, best_score = bare, score(bare)
        # The surer Tesseract was of a reading, the smaller the slip we assume it made.
        limit = 0.5 if conf >= 0.9 else 1.0 if conf >= 0.6 else 1.5
        for cand in sorted(candidates):
            if cand == bare or _ocr_distance(bare, cand) > limit:
                continue
            if score(cand) > best_score + 0.1:
                best, best_score = cand, score(cand)
        mapping[domain] = domain[: len(domain) - len(bare)] + best
    return mapping


def _find_emails(segs: Sequence[_Segment], web: Sequence[tuple[int, str]]) -> list[_Found]:
    """Every e-mail address on the card, repaired where OCR slipped and the repair validates."""
    found: list[_Found] = []
    for seg in segs:
        text = seg.text
        cands = _email_candidates(text)
        if not cands:
            # Corroboration must come from the website printed elsewhere, not this very text.
            cands = _email_without_at(seg, [d for i, d in web if i != seg.index])
        for start, end, raw, joined in cands:
            local, _, domain = raw.partition("@")
            local = local.strip("._-'")
            if "." not in domain:
                domain = next((d for _, d in web if _split_domain(d)[1] == domain.lower()), domain)
            fixed_domain = _repair_domain(domain)
            value = validate.normalize_email(f"{local}@{fixed_domain}")
            repaired = joined or fixed_domain != domain.lower() or raw != f"{local}@{domain}"
            if value is None:
                value = f"{local}@{domain}".lower()
            found.append(
                _Found(
                    seg.index,
                    start,
                    end,
                    raw,
                    value,
                    validate.normalize_email(value) is not None,
                    repaired,
                    _words_in(seg, start, start + len(raw)) or seg.words,
                )
            )
    return _dedupe(found)


def _email_without_at(
    seg: _Segment, web_domains: Sequence[str]
) -> list[tuple[int, int, str, bool]]:
    """E-mails whose ``@`` OCR lost or misread, accepted only with corroboration.

    A look-alike (©, ®, "(at)") is read as ``@`` whenever the result validates. A missing
    ``@`` between a local part and a domain ("jane.doe example.ne.jp"), or a letter standing
    for it ("jane.doegexample.com"), is accepted only if the line is labelled as an e-mail or
    the domain is also printed as the website — otherwise too many strings would qualify.
    """
    text = seg.text
    for look in _AT_LOOKALIKES:
        if look in text.lower():
            idx = text.lower().index(look)
            cand = text[:idx].rsplit(" ", 1)[-1] + "@" + text[idx + len(look) :].split(" ", 1)[0]
            if validate.normalize_email(cand):
                return [(max(0, idx - len(cand)), len(text), cand, True)]
    tokens = _tokens(text)
    labelled = any(t in lexicon.EMAIL_LABELS for t in tokens)
    words = text.split()
    for i, word in enumerate(words):
        core = word.strip(_PUNCT_EDGES)
        # "local domain.tld" split by a space instead of "@".
        if i + 1 < len(words):
            nxt = words[i + 1].strip(_PUNCT_EDGES)
            if (
                "." in nxt
                and re.fullmatch(r"[A-Za-z0-9._%+\-]+", core)
                and (labelled or nxt.lower() in web_domains)
            ):
                cand = f"{core}@{nxt}"
                if validate.normalize_email(cand) and not _is_label(core):
                    return [(text.find(core), len(text), cand, True)]
        # One letter standing for "@" inside "jane.doegexample.com".
        if "." in core and (labelled or any(core.lower().endswith(d) for d in web_domains)):
            for j, ch in enumerate(core):
                if ch in "gaqQ&" and 0 < j < len(core) - 4:
                    cand = core[:j] + "@" + core[j + 1 :]
                    domain = cand.split("@", 1)[1].lower()
                    if (
                        "." in domain
                        and validate.normalize_email(cand)
                        and (domain in web_domains or labelled)
                    ):
                        return [(text.find(core), len(text), cand, True)]
    return []


def _is_label(token: str) -> bool:
    low = _fold(token).strip(_PUNCT_EDGES)
    return low in lexicon.EMAIL_LABELS or low in lexicon.WEB_LABELS or low in lexicon.PHONE_LABELS


def _dedupe(found: list[_Found]) -> list[_Found]:
    """Drop later copies of a value; a valid reading replaces an invalid one of the same item."""
    out: dict[str, _Found] = {}
    for f in found:
        key = f.value
        if key not in out:
            out[key] = f
    return list(out.values())


# --------------------------------------------------------------------------- web and social

_SCHEME_SLIPS = re.compile(
    r"(?i)\b(h\s?t\s?t\s?p\s?[s5]?|htt?[po0]?s?|hltp|nttp|http[o0])\s?[:;!.|]?\s?[/|l1I]\s?[/|l1I]\s?"
)
_WWW_SLIPS = re.compile(
    r"(?i)\b(?:(?:w\s?w\s?w|vvww|wvw|ww)\s?[.,;:]\s?|www[il1|]|www\s)(?=[a-z0-9-]+\.[a-z])"
)
# A space OCR put after a host's dot before its TLD ("example. it") or before its path
# ("linkedin.com /in/jane"); only before a real TLD or a path that follows a ".com".
_SPACED_DOTS = re.compile(
    r"(?<=[a-z0-9]\.)\s(?=(?:com|net|org|de|fr|es|it|nl|be|ch|at|uk|jp|eu|io|co)\b(?![\w\-]))"
    r"|(?<=\.com)\s(?=/[\w\-])"
)
_HOST_RE = re.compile(
    r"(?i)(?<![@\w.\-])(?P<scheme>https?://)?(?P<host>(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+"
    r"[a-z]{2,})(?![\w\-])(?P<path>/[^\s,;]*)?"
)
# "www.example." with its TLD lost: completed from the e-mail domain when that agrees.
_PARTIAL_WWW = re.compile(
    r"(?i)(?<![\w.])www\.(?P<label>[a-z0-9][a-z0-9\-]*[a-z0-9])\.?(?![\w.\-])"
)
_KNOWN_TLDS = (
    frozenset(lexicon.TLD_REGIONS)
    | lexicon.GENERIC_TLDS
    | frozenset({"info", "biz", "name", "pro", "jobs", "travel", "museum", "aero", "coop"})
)


def _sub_mapped(
    pattern: re.Pattern[str], repl: str | None, text: str, index: list[int]
) -> tuple[str, list[int]]:
    """``pattern.sub`` that also carries ``index`` (position in the original of each char)."""
    out: list[str] = []
    new_index: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(text[pos : m.start()])
        new_index.extend(index[pos : m.start()])
        rep = (
            repl
            if repl is not None
            else ("https://" if "s" in m.group(1).lower()[3:].replace("5", "s") else "http://")
        )
        out.append(rep)
        new_index.extend([index[m.start()]] * len(rep))
        pos = m.end()
    out.append(text[pos:])
    new_index.extend(index[pos:])
    return "".join(out), new_index


def _normalise_web_text(text: str) -> tuple[str, list[int]]:
    """Undo OCR slips in URL prefixes ("http//", "httpo://", "http!//", "www,").

    Returns the text and, for each of its characters (and one past the end), the offset in
    the original text, so matches can be traced back to the words they came from.
    """
    index = list(range(len(text) + 1))
    text, index = _sub_mapped(_SCHEME_SLIPS, None, text, index[:-1])
    text, index = _sub_mapped(_WWW_SLIPS, "www.", text, index)
    text, index = _sub_mapped(_SPACED_DOTS, "", text, index)
    return text, [*index, index[-1] + 1 if index else 0]


def _find_web(segs: Sequence[_Segment]) -> tuple[list[_Found], list[_Found], list[_Found]]:
    """Websites, social-network profiles, and website readings that lost their TLD."""
    sites: list[_Found] = []
    social: list[_Found] = []
    partial: list[_Found] = []
    for seg in segs:
        text, index = _normalise_web_text(seg.text)
        tokens = _tokens(seg.text)
        labelled = any(t in lexicon.WEB_LABELS for t in tokens)
        for m in _HOST_RE.finditer(text):
            # The e-mail's own domain is not a website unless printed on its own.
            # ... also when OCR set it apart from the "@" ("jane@ example.com").
            before = text[: m.start()].rstrip()
            if "@" in text[max(0, m.start() - 1) : m.start() + 1] or "@" in m.group(0):
                continue
            if before.endswith("@"):
                continue
            host = m.group("host").lower()
            scheme = m.group("scheme")
            path = (m.group("path") or "").rstrip(".,;:)")
            tld = host.rsplit(".", 1)[-1]
            bare = not scheme and not host.startswith("www.")
            if bare and (
                tld not in _KNOWN_TLDS or not (labelled or len(_split_domain(host)[1]) >= 3)
            ):
                continue
            if bare and _looks_like_abbreviation(m.group("host")):
                continue
            raw = m.group(0)
            start, end = index[m.start()], index[m.end()]
            words = _words_in(seg, start, end) or seg.words
            social_host = _social_host(host, path)
            if social_host:
                social.append(
                    _Found(
                        seg.index,
                        start,
                        end,
                        raw,
                        f"{social_host}{path.rstrip('/')}",
                        True,
                        host != social_host,
                        words,
                    )
                )
                continue
            fixed = _repair_domain(host)
            site = fixed + (path if path not in ("", "/") else "")
            sites.append(
                _Found(
                    seg.index,
                    start,
                    end,
                    raw,
                    site,
                    validate.tld_exists(fixed),
                    fixed != host,
                    words,
                )
            )
        for m in _PARTIAL_WWW.finditer(text):
            start, end = index[m.start()], index[m.end()]
            if not any(f.seg == seg.index and f.start <= start < f.end for f in sites):
                partial.append(
                    _Found(
                        seg.index,
                        start,
                        end,
                        m.group(0),
                        "www." + m.group("label").lower(),
                        False,
                        True,
                        _words_in(seg, start, end) or seg.words,
                    )
                )
        social.extend(_handles(seg, tokens))
    return _dedupe(sites), _dedupe(social), partial


def _social_host(host: str, path: str) -> str | None:
    """The network a URL belongs to ("inkedin.com/in/x" → linkedin.com), None for others."""
    if not path.strip("/"):
        return None
    if host in lexicon.SOCIAL_HOSTS:
        return lexicon.SOCIAL_HOSTS[host]
    bare = host.removeprefix("www.")
    for known, canon in lexicon.SOCIAL_HOSTS.items():
        if len(known) > 8 and _ocr_distance(bare, known.removeprefix("www.")) <= 1.0:
            return canon
    return None


def _looks_like_abbreviation(host: str) -> bool:
    """True for "Co.Ltd", "S.A.", "e.g" and other dotted abbreviations that mimic a host."""
    labels = host.split(".")
    last = labels[-1]
    # "Co.Ltd", "Acme.Inc": a legal form where the TLD would be (unless a real TLD in lower case).
    if last.lower() in lexicon.COMPANY_SUFFIXES and (
        last.lower() not in _KNOWN_TLDS or not last.islower()
    ):
        return True
    # "Dipl.Ing", "St.Gallen": a capitalised first label with no www is prose, not a host.
    return labels[0][:1].isupper() and labels[0][1:].islower() and len(labels) == 2


_HANDLE = re.compile(r"(?<![\w.])@([A-Za-z0-9_][A-Za-z0-9_.]{1,29})(?![\w@])")


def _handles(seg: _Segment, tokens: list[str]) -> list[_Found]:
    """Social ``@handle`` items.

    With a network label ("Twitter @jane", "IG: @jane") the handle becomes that network's
    profile ("x.com/jane"); a line that is nothing but a handle (its network shown by an
    icon OCR cannot read) is kept as "@jane".
    """
    network = next((lexicon.SOCIAL_LABELS[t] for t in tokens if t in lexicon.SOCIAL_LABELS), None)
    alone = _HANDLE.fullmatch(seg.text.strip())
    if network is None and not alone:
        return []
    out: list[_Found] = []
    for m in _HANDLE.finditer(seg.text):
        handle = m.group(1).rstrip(".")
        if network is None:
            value = "@" + handle
        elif network == "linkedin.com":
            value = f"{network}/in/{handle}"
        else:
            value = f"{network}/{handle}"
        words = _words_in(seg, m.start(), m.end())
        out.append(
            _Found(seg.index, m.start(), m.end(), m.group(0), value.lower(), True, False, words)
        )
    return out


# --------------------------------------------------------------------------- phones


@dataclass(frozen=True)
class _PhoneFound:
    seg: int
    start: int
    end: int
    phone: Phone
    labelled: bool
    repaired: bool
    words: tuple[Word, ...]
    #: Other regions that read this national number as another valid number.
    rivals: tuple[str, ...] = ()
    #: (segment, start, end) of the rest of a number printed over two lines.
    also: tuple[tuple[int, int, int], ...] = ()
    #: True when the type came from no label at all, only from the numbering plan.
    untyped: bool = False


def _label_kind(text: str) -> str | None:
    """The phone kind announced by the first label in ``text`` (None if there is none).

    Two-word labels ("Toll-free", "Numéro vert", "Free phone") come first: one of their
    words alone may announce another kind ("phone" an ordinary line).
    """
    folded = " " + re.sub(r"[\s\-:.]+", " ", _fold(text)).strip() + " "
    for phrase, announced in lexicon.PHONE_LABEL_PHRASES.items():
        if f" {phrase.replace('-', ' ')} " in folded:
            return announced
    for tok in re.split(r"[^A-Za-zÀ-ÿ.]+", text):
        low = _fold(tok).strip(".")
        if not low:
            continue
        if len(low) == 1 and low not in ("t", "m", "f"):
            continue
        kind = lexicon.PHONE_LABELS.get(low) or lexicon.PHONE_LABELS.get(low + ".")
        if kind:
            return kind
    return None


def _label_left_of(words: Sequence[Word], segs: Sequence[_Segment], own: int) -> str | None:
    """A label printed in a column to the left of a number (same height on the card)."""
    if not words:
        return None
    first = words[0]
    best: tuple[int, str] | None = None
    for seg in segs:
        if seg.index == own or seg.right > first.box.left:
            continue
        for w in seg.words:
            overlap = min(w.box.bottom, first.box.bottom) - max(w.box.top, first.box.top)
            if overlap < 0.5 * min(w.box.height, first.box.height):
                continue
            kind = _label_kind(w.text)
            distance = first.box.left - w.box.right
            if kind and distance < 12 * first.box.height and (best is None or distance < best[0]):
                best = (distance, kind)
    return best[1] if best else None


def _find_phones(
    segs: Sequence[_Segment], guess: validate.RegionGuess, country_code: int | None
) -> tuple[list[_PhoneFound], list[str]]:
    """Every phone number, typed by its label, in printed order, without duplicates.

    A number split over two lines is read as one (see :func:`_split_numbers`). A national
    number that another region the card could be from reads as a different valid number is
    kept with those rivals noted.

    Returns:
        The numbers, and an issue line for each one that does not validate or whose country
        the card does not settle.
    """
    region = guess.region
    out: list[_PhoneFound] = []
    issues: list[str] = []
    seen: set[str] = set()
    pairs = _split_numbers(segs, region, country_code)
    offices = _office_regions(segs) if guess.reason != "given" else {}
    continued = {b.index for _, b in pairs}
    for seg in segs:
        if seg.index in continued:
            continue
        below = next((b for a, b in pairs if a is seg), None)
        # The pair is read as one line; offsets past the first line's text are the second's.
        text = seg.text if below is None else f"{seg.text} {below.text}"
        joint = len(seg.text)
        both = seg if below is None else _Segment(seg.words + below.words, seg.index)
        matches = validate.find_phones(text, region, country_code)
        # A card with offices in several countries: a national number belongs to the
        # country of the address printed above it, when it is valid there.
        office = offices.get(seg.index)
        local = False
        if office and office != region:
            there = validate.find_phones(text, office, validate.code_for_region(office))
            if sum(m.valid for m in there) >= max(1, sum(m.valid for m in matches)):
                matches, local = there, True
        prev_end = 0
        for i, m in enumerate(matches):
            digits = sum(c.isalnum() if m.vanity else c.isdigit() for c in m.raw)
            # The label is the word or two right before the number ("Mobile phone:", "T.").
            before = " ".join(re.findall(r"[A-Za-zÀ-ÿ.]+", text[prev_end : m.start])[-2:])
            kind = _label_kind(before)
            after_end = matches[i + 1].start if i + 1 < len(matches) else len(text)
            if kind is None:
                # "+1 555 0100 (mobile)": a label in brackets right after the number.
                after = text[m.end : after_end]
                if re.match(r"\s*[(\[]\s*[A-Za-z]", after):
                    kind = _label_kind(after.split(")")[0])
            labelled = kind is not None
            words = _words_in(both, m.start, m.end)
            if kind is None:
                # Typed by a label column to the left; that alone does not make a bad number
                # worth keeping, since anything can stand level with a label.
                kind = _label_left_of(words, segs, seg.index)
            prev_end = m.end
            # Unlabelled, invalid digit runs are usually postcodes, dates or ID numbers.
            intl = m.raw.lstrip().startswith("+")
            if digits < 6 or (not m.valid and not labelled and not intl):
                continue
            # Unlabelled digits in an address line are its house number and postcode
            # ("Lindenweg 41/78, 50528 Oranienburg" is also a valid German number).
            if (
                not labelled
                and not intl
                and (", " in m.raw or _address_score(text[: m.start] + text[m.end :])[1])
            ):
                continue
            if m.valid and not labelled and digits < 7:
                continue
            untyped = kind is None
            if kind is None:
                kind = "toll-free" if m.toll_free else "mobile" if m.mobile else "work"
            elif kind in ("work", "other") and m.toll_free:
                # "Tel. 0800 …", "Hotline 1-800-…": the numbering plan says more than the label.
                kind = "toll-free"
            key = m.e164 or re.sub(r"\D", "", m.raw)
            if key in seen:
                continue
            seen.add(key)
            raw = m.raw.strip()
            phone = Phone(
                raw=raw,
                e164=m.e164 if m.valid else None,
                type=PhoneType(kind),
                valid=m.valid,
                extension=m.extension,
            )
            rivals: tuple[str, ...] = ()
            if m.valid and not intl and guess.tied and not local:
                rivals = tuple(r for r, _ in validate.other_readings(m.dialled, region, guess.tied))
            if below is not None and m.start > joint:
                # Wholly on the second line.
                found = _PhoneFound(
                    below.index,
                    m.start - joint - 1,
                    m.end - joint - 1,
                    phone,
                    labelled,
                    m.repaired,
                    words or below.words,
                    rivals,
                )
            elif below is not None and m.end > joint:
                found = _PhoneFound(
                    seg.index,
                    m.start,
                    joint,
                    phone,
                    labelled,
                    True,
                    words,
                    rivals,
                    ((below.index, 0, m.end - joint - 1),),
                )
            else:
                found = _PhoneFound(
                    seg.index,
                    m.start,
                    m.end,
                    phone,
                    labelled,
                    m.repaired,
                    words or seg.words,
                    rivals,
                )
            out.append(dataclasses.replace(found, untyped=untyped))
            if not m.valid:
                issues.append(f"phone '{raw}' is not a valid number")
            if rivals:
                issues.append(
                    f"phone '{raw}' could be {_or_list([region, *rivals])}: check the country"
                )
    return _lost_fax_label(out), issues


def _lost_fax_label(found: list[_PhoneFound]) -> list[_PhoneFound]:
    """Type as fax the second of two office numbers whose label OCR lost.

    Cards print an office line and a fax line of one country side by side or one under the
    other, often marked by icons OCR cannot read. When nothing on the card is labelled fax,
    exactly two numbers of one country read as office lines, and the second has no label
    of its own, it is the fax far more often than a second office line.
    """
    if any(p.phone.type is PhoneType.FAX for p in found):
        return found
    office = [i for i, p in enumerate(found) if p.phone.valid and p.phone.type is PhoneType.WORK]
    if len(office) != 2 or not found[office[1]].untyped:
        return found
    first, second = (found[i].phone.e164 or "" for i in office)
    if validate.number_region(first) != validate.number_region(second):
        return found
    out = list(found)
    p = out[office[1]]
    out[office[1]] = dataclasses.replace(p, phone=dataclasses.replace(p.phone, type=PhoneType.FAX))
    return out


def _office_regions(segs: Sequence[_Segment]) -> dict[int, str]:
    """The country of the office each line belongs to, where the card names one above it.

    A card with offices in several countries prints each office's address with its numbers
    under it, in a column or a stack. A line takes the country named on itself, else on the
    nearest line above it in its column (the lines overlap horizontally).
    """
    named = {s.index: validate.region_from_text([s.text]) for s in segs}
    countries = {k: v for k, v in named.items() if v}
    if len(set(countries.values())) < 2:
        return {}  # one country (or none): the card's region already says it
    out: dict[int, str] = {}
    for seg in segs:
        if seg.index in countries:
            out[seg.index] = countries[seg.index]
            continue
        above = [
            s
            for s in segs
            if s.index in countries
            and s.bottom <= seg.top + seg.height / 2
            and min(s.right, seg.right) > max(s.left, seg.left)
        ]
        if above:
            out[seg.index] = countries[max(above, key=lambda s: s.bottom).index]
    return out


def _or_list(regions: Sequence[str]) -> str:
    """Regions in words: "DE or FR", "FR, DE, IT or 10 other countries"."""
    if len(regions) <= 3:
        return ", ".join(regions[:-1]) + " or " + regions[-1]
    more = len(regions) - 3
    return f"{', '.join(regions[:3])} or {more} other {'country' if more == 1 else 'countries'}"


# A number's first part at the end of a line, and its rest at the start of the next.
_NUMBER_HEAD = re.compile(r"(?:\+\s?)?\(?\d[\d\s().\-/]*$")
_NUMBER_TAIL = re.compile(r"^\(?\d[\d\s().\-/]*(?<=[\d)])")


def _split_numbers(
    segs: Sequence[_Segment], region: str, country_code: int | None
) -> list[tuple[_Segment, _Segment]]:
    """Pairs of lines that hold one phone number between them, broken after its first part.

    A narrow column breaks "+1 212 555" / "0147". The lines must sit right above one another,
    neither piece may be a valid number alone, the first must be clearly a number (labelled,
    international, or ending in a separator), neither line may be an address, and the
    joined digits must validate as a number crossing the break.
    """
    pairs: list[tuple[_Segment, _Segment]] = []
    taken: set[int] = set()
    for a in segs:
        head = _NUMBER_HEAD.search(a.text)
        if head is None or a.index in taken or sum(c.isdigit() for c in head.group(0)) < 3:
            continue
        piece = head.group(0)
        marked = (
            piece.lstrip().startswith(("+", "("))
            or piece.rstrip()[-1] in "-./"
            or _label_kind(a.text[: head.start()]) is not None
        )
        if not marked or _address_score(a.text)[1]:
            continue
        for b in segs:
            tail = _NUMBER_TAIL.match(b.text)
            if b is a or b.index in taken or tail is None:
                continue
            close = 0 <= b.top - a.bottom < 0.8 * max(a.height, b.height)
            aligned = min(a.right, b.right) > max(a.left, b.left)
            # Digits alone ("555-0147", "34568") are no postcode line, however shaped.
            address = _address_score(b.text)[1] and any(c.isalpha() for c in b.text)
            if not (close and aligned) or address:
                continue
            if _valid_number_in(a.text, head.start(), len(a.text), region, country_code):
                break
            if _valid_number_in(b.text, 0, tail.end(), region, country_code):
                break
            joint = len(a.text)
            text = f"{a.text} {b.text}"
            if any(
                m.valid and m.start < joint < m.end and sum(c.isdigit() for c in m.raw) >= 8
                for m in validate.find_phones(text, region, country_code)
            ):
                pairs.append((a, b))
                taken.update((a.index, b.index))
            break
    return pairs


def _valid_number_in(
    text: str, start: int, end: int, region: str, country_code: int | None
) -> bool:
    """True when a valid number of ``text`` overlaps characters ``start:end``."""
    return any(
        m.valid and m.start < end and start < m.end
        for m in validate.find_phones(text, region, country_code)
    )


# --------------------------------------------------------------------------- address

_POSTCODES = (
    re.compile(r"〒\s?\d{3}-?\d{4}"),  # Japan
    re.compile(r"\b\d{3}-\d{4}\b"),  # Japan without the mark
    re.compile(r"\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"),  # US state + ZIP
    re.compile(r"\b\d{5}(?:-\d{4})?\b"),  # US ZIP, DE/FR/ES/IT postcode
    re.compile(
        r"\b(?:[A-Z]{1,2}-)?\d{4,5}\s+[A-ZÄÖÜÉ][a-zäöüßéèàç]+"
    ),  # "10115 Berlin", "D-80331 München"
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"),  # UK
    re.compile(r"\b\d{4}\s?[A-Z]{2}\b"),  # NL
    re.compile(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"),  # CA
    re.compile(r"\b(?:NSW|VIC|QLD|TAS|ACT|NT|SA|WA)\s+\d{4}\b"),  # AU
)
# A run shaped like a phone number: optional +CC, optional (area), groups of digits.
_PHONEISH = re.compile(
    r"(?:\+\s?\d{1,3}[\s\-.]?)?(?:\(\d{1,5}\)[\s\-.]?)?\d{2,5}(?:[\s\-./]\d{2,5}){1,5}"
)
# "712 Hilary Creek", "Lindenweg 41/78": a house number before or after the street name.
_STREET_LINE = re.compile(
    r"^\d{1,5}[A-Za-z]?,?\s+[A-ZÄÖÜÉa-zäöüé][\w'.-]+|^[A-ZÄÖÜÉ][\w'.-]+(?:\s+[\w'.-]+)*\s+\d{1,5}[A-Za-z]?(?:[/-]\d{1,4})?,?$"
)
# "Springfield, IL", "West Amber, BC": a city and a state or province code.
_CITY_LINE = re.compile(r"^[A-Z][A-Za-z .'\-]+,\s*[A-Z]{2}\b")
_HOUSE_NUMBER = re.compile(r"\b\d{1,5}[A-Za-z]?(?:-\d{1,5}){0,3}\b")


def _address_score(text: str) -> tuple[float, bool]:
    """How much a segment looks like part of a postal address, and whether it can start one.

    A line "can start" an address when it has a postcode, a street word or a block number;
    a country or city name alone only continues an address begun above it.
    """
    tokens = _tokens(text)
    if not tokens:
        return 0.0, False
    score = 0.0
    postcode = any(p.search(text) for p in _POSTCODES)
    street = sum(
        1 for t in tokens if t in lexicon.ADDRESS_WORDS or t.endswith(lexicon.ADDRESS_ENDINGS)
    )
    block = bool(re.search(r"\b\d+-\d+(?:-\d+)+", text))  # Japanese block-lot "3-12-4"
    house = bool(_HOUSE_NUMBER.search(text))
    if postcode:
        score += 1.5
    score += 1.0 * min(2, street)
    if validate.region_from_text([text]):
        score += 1.5
    if house:
        score += 0.5
    if block:
        score += 1.0
    strong = postcode or block or (street > 0 and (house or street > 1))
    # Digits alone ("555-0144", the rest of a broken phone number) start no address.
    if not any(c.isalpha() for c in text) and "〒" not in text:
        strong = False
    return score, strong


def _find_address(
    segs: Sequence[_Segment], used: dict[int, list[tuple[int, int]]]
) -> tuple[list[_Segment], str | None, float]:
    """The first (main) address block: its segments, its one-line text and its OCR conf.

    Cards with several offices print one block per office; the first block read top to
    bottom is the main one. Blocks are runs of vertically adjacent, left-aligned lines.
    """

    def remaining(seg: _Segment) -> str:
        text = seg.text
        for a, b in sorted(used.get(seg.index, []), reverse=True):
            text = text[:a] + " " + text[b:]
        return re.sub(r"\s+", " ", text).strip(_PUNCT_EDGES)

    scored = {s.index: _address_score(remaining(s)) for s in segs}
    by_pos = sorted(segs, key=lambda s: (s.top, s.left))
    block: list[_Segment] = []
    for seg in by_pos:
        score, strong = scored[seg.index]
        # What is left of a phone or e-mail line ("(Japan)" after a number) is no address.
        remnant = seg.index in used and not strong
        if not block:
            if strong and score >= 1.5 and not remnant:
                block = [seg]
            continue
        last = block[-1]
        aligned = abs(seg.left - last.left) < 3 * last.height or (
            seg.left >= last.left - last.height and seg.right <= last.right + 8 * last.height
        )
        if not aligned:
            continue  # another column
        if seg.top - last.bottom >= 1.6 * max(last.height, seg.height) or remnant:
            break
        # Right under an address line, a weaker line continues it ("Springfield, IL 627O4").
        if score >= 1.5 or score >= 0.5 or _CITY_LINE.search(remaining(seg)):
            block.append(seg)
        else:
            break
    # A building or street line without numbers just above the block belongs to it too.
    if block:
        first = block[0]
        for seg in reversed(by_pos[: by_pos.index(first)]):
            tokens = _tokens(seg.text)
            street = any(
                t in lexicon.ADDRESS_WORDS or t.endswith(lexicon.ADDRESS_ENDINGS) for t in tokens
            )
            if seg.index in used or _legal_suffix(seg.text):
                break
            if not street and not _STREET_LINE.search(seg.text):
                break
            close = first.top - seg.bottom < 1.6 * first.height
            if close and abs(seg.left - first.left) < 3 * first.height:
                block.insert(0, seg)
                first = seg
            else:
                break
    if not block:
        return [], None, 0.0
    parts = []
    for seg in block:
        part = remaining(seg)
        # "HEAD OFFICE : 1-2-3 …" — an office name before a colon heads the block; it is no street.
        part = re.sub(r"^(?:[A-Z][A-Za-z]*\s+){0,2}[A-Z][A-Za-z]+\s*\W?\s*:\s*", "", part)
        if part:
            parts.append(part)
    text = _respell_address(_fix_capital_i(", ".join(p.rstrip(",") for p in parts)))
    return block, text or None, mean_conf(w for s in block for w in s.words)


_ADDRESS_VOCAB = tuple(sorted(w for w in lexicon.ADDRESS_WORDS if len(w) >= 4 and w.isalpha()))


def _respell_address(text: str) -> str:
    """Street words with one typical OCR confusion repaired ("Bidg." → "Bldg.")."""
    out = []
    for word in text.split(" "):
        m = _WORD_PARTS.match(word)
        assert m is not None
        lead, core, trail = m.groups()
        folded = _fold(core)
        if len(folded) >= 4 and folded.isalpha() and folded not in lexicon.ADDRESS_WORDS:
            near = nearest_words(folded, _ADDRESS_VOCAB, max_edits=1)
            if near and _ocr_distance(folded, near[0][0]) <= 0.5:
                core = _case_like(core, near[0][0], False)
        out.append(lead + core + trail)
    return " ".join(out)


# Lower-case words that may start with "l" in Title Case text.
_LOWER_L_WORDS = frozenset({"la", "las", "le", "les", "lo", "los", "lez", "l'"})


def _fix_capital_i(text: str) -> str:
    """A capital I that OCR read as "l" at the start of a word in Title Case text.

    "lsland Plaza" → "Island Plaza": in a line whose words are
    capitalised, a word starting with a lower-case "l" is almost always a misread "I".
    """
    words = text.split(" ")
    alpha = [w for w in words if w[:1].isalpha()]
    if not alpha or sum(w[:1].isupper() for w in alpha) * 2 < len(alpha):
        return text
    return " ".join(
        "I" + w[1:]
        if re.match(r"l[a-z]{2,}", w) and w.lower().strip(_PUNCT_EDGES) not in _LOWER_L_WORDS
        else w
        for w in words
    )


# --------------------------------------------------------------------------- name, title, company


@dataclass(frozen=True)
class _Candidate(_WordSpan):
    """A segment, or a part of one split at a separator, that may be a name/title/company."""

    seg: _Segment
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return _clean_text(" ".join(w.text for w in self.words))

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(id(w) for w in self.words)

    @property
    def height(self) -> float:
        """Font-size proxy: the median height of the words that have letters."""
        return self._median_height(str.isalpha)


def _clean_text(text: str) -> str:
    """Tidy a value: collapse spaces, drop separators and stray marks left at its ends.

    Logos, rules and bullets next to a line come back as "=", "~", "»" or "|"; a value
    starts with a letter, digit or "(" and ends with one or with "." ("Inc.") or ")".
    """
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^[^\w(]+", "", text)
    return re.sub(r"[^\w.)]+$", "", text)


def _candidates(
    segs: Sequence[_Segment], skip: set[int], evidence: Sequence[str] = ()
) -> list[_Candidate]:
    """Segments (and separator-split parts of them) left once the contact block is taken.

    Text Tesseract was unsure of is dropped as logo noise unless it holds a lexicon word or
    spells part of ``evidence`` (e-mail local parts and domain labels): large display type
    often gets a low confidence however clearly it is printed.
    """
    out = []
    for seg in segs:
        if seg.index in skip:
            continue
        letters = sum(c.isalpha() for c in seg.text)
        if letters < 2:
            continue
        if seg.conf < 0.45 and not any(_known_word(w.text) for w in seg.words):
            words = [t for t in re.split(r"[^a-z]+", _fold(seg.text)) if len(t) >= 3]
            if not any(t in e for t in words for e in evidence):
                continue
        out.append(_Candidate(seg, seg.words))
        # "Jane Doe, CEO" / "Sales | Acme GmbH": each side may hold its own role.
        spans = _char_spans(seg)
        text = seg.text
        cuts = [m for m in _SEPARATORS.finditer(text)]
        if cuts and len(seg.words) > 1:
            bounds = [0] + [m.start() for m in cuts] + [len(text)]
            starts = [0] + [m.end() for m in cuts]
            for a, b in zip(starts, bounds[1:], strict=True):
                part = tuple(
                    w for w, (x, y) in zip(seg.words, spans, strict=True) if x >= a and y <= b + 1
                )
                if part and len(part) < len(seg.words):
                    out.append(_Candidate(seg, part))
    return out


def _is_bare_suffix(text: str) -> bool:
    """True when ``text`` is only a legal form ("Co., Ltd.", "GmbH"), printed on its own line."""
    toks = [
        _SUFFIX_SLIPS.get(t, t)
        for t in (_fold(t).replace(".", "").strip(_PUNCT_EDGES) for t in re.split(r"[\s,]+", text))
        if t
    ]
    joined = " ".join(toks)
    return bool(toks) and (
        joined in lexicon.COMPANY_SUFFIXES or joined.replace(" ", "") in lexicon.COMPANY_SUFFIXES
    )


def _with_suffix_lines(
    cands: list[_Candidate], segs: Sequence[_Segment], skip: set[int]
) -> list[_Candidate]:
    """Add "name + legal form" candidates where the legal form stands apart from the name.

    Logos set the legal form on its own line ("BLUE HARBOR" over "co., ltd.") or in a
    smaller size far to the right of a large name ("Mühlbach      GmbH").
    """
    extra = []
    for seg in segs:
        if seg.index in skip or not _is_bare_suffix(seg.text):
            continue
        beside = [
            s
            for s in segs
            if s.index not in skip
            and s is not seg
            and s.right <= seg.left
            and min(s.bottom, seg.bottom) - max(s.top, seg.top) > 0.5 * min(s.height, seg.height)
            and seg.left - s.right < 4 * max(seg.height, s.height)
        ]
        if beside:
            left = max(beside, key=lambda s: s.right)
            extra.append(_Candidate(left, left.words + seg.words))
            continue
        above = [
            s
            for s in segs
            if s.index not in skip
            and s is not seg
            and s.bottom <= seg.top + seg.height / 2
            and seg.top - s.bottom < 1.5 * max(seg.height, s.height)
            and min(s.right, seg.right) > max(s.left, seg.left)
        ]
        if above:
            upper = max(above, key=lambda s: s.bottom)
            extra.append(_Candidate(upper, upper.words + seg.words))
    return cands + extra


def _role_words(tokens: Sequence[str]) -> tuple[int, int, int, int]:
    """Counts of (role, seniority, org-unit, function) words among folded ``tokens``.

    Hyphenated words count by their parts too ("experte-comptable", "co-founder").
    """
    tokens = [*tokens, *(p for t in tokens if "-" in t for p in t.split("-") if p)]
    roles = sum(
        1
        for t in tokens
        if t in lexicon.TITLE_ROLES or (len(t) > 7 and t.endswith(lexicon.TITLE_ROLE_ENDINGS))
    )
    senior = sum(1 for t in tokens if t in lexicon.SENIORITY)
    units = sum(1 for t in tokens if t in lexicon.ORG_UNITS)
    functions = sum(1 for t in tokens if t in lexicon.FUNCTION_WORDS)
    return roles, senior, units, functions


# OCR misreadings of legal forms: "Ltd" as "Itd"/"1td", "Inc" as "lnc"/"tnc"/"1nc".
_SUFFIX_SLIPS = {
    "itd": "ltd",
    "1td": "ltd",
    "lnc": "inc",
    "tnc": "inc",
    "1nc": "inc",
    "inc,": "inc",
    "gmbh,": "gmbh",
    "gmhh": "gmbh",
    "grnbh": "gmbh",
    "corp,": "corp",
    "sri": "srl",
}


def _legal_suffix(text: str) -> str | None:
    """The legal form that ends ``text`` ("Co.,Ltd", "GmbH & Co. KG") as printed, or None."""
    spans = [(m.start(), m.group(0)) for m in re.finditer(r"[^\s,]+", text.rstrip())]
    toks = [_fold(t).replace(".", "").strip(_PUNCT_EDGES) for _, t in spans]
    toks = [_SUFFIX_SLIPS.get(t, t) for t in toks]
    for n in (4, 3, 2, 1):
        if len(toks) <= n:
            continue
        tail = " ".join(t for t in toks[-n:] if t)
        if tail in lexicon.COMPANY_SUFFIXES or tail.replace(" ", "") in lexicon.COMPANY_SUFFIXES:
            return text.rstrip()[spans[-n][0] :]
    return None


def _suffix_key(suffix: str) -> str:
    """A legal form as a lexicon key: "Pty. Ltd." → "pty ltd", "S.L." → "sl"."""
    toks = [_fold(t).replace(".", "").strip(_PUNCT_EDGES) for t in re.split(r"[\s,]+", suffix)]
    key = " ".join(_SUFFIX_SLIPS.get(t, t) for t in toks if t)
    return key if key in lexicon.LEGAL_FORM_REGIONS else key.replace(" ", "")


def _fix_suffix_case(text: str) -> str:
    """Undo OCR's slips in a trailing legal form ("Itd" → "ltd", "tnc." → "Inc.", "S.r.I.")."""
    text = re.sub(r"(?<=\b[Ss]\.[Rr]\.)[I1|](?=\.?$)", "l", text.rstrip())
    suffix = _legal_suffix(text)
    if not suffix:
        return text
    head = text[: len(text) - len(suffix)]
    out, prev = [], (head.split() or [""])[-1]
    for m in re.finditer(r"[A-Za-z0-9]+|[^A-Za-z0-9]+", suffix):
        word = m.group(0)
        canon = _SUFFIX_SLIPS.get(word.lower())
        if canon and word[:1].isalnum():
            # Keep the printed case pattern: "co., Itd" → "ltd", "Acme tnc" → "Inc".
            if word.isupper() and len(word) > 1 and word not in ("Itd", "Inc"):
                word = canon.upper()
            elif prev[:1].isupper():
                word = canon.capitalize()
            else:
                word = canon
        if word[:1].isalnum():
            prev = word
        out.append(word)
    return head + "".join(out)


def _domain_labels(domains: Iterable[str]) -> list[str]:
    """The distinctive label of each non-webmail domain ("mail.acme-labs.co.uk" → "acme-labs")."""
    out = []
    for d in domains:
        d = d.lower().split("/")[0]
        if d.startswith("www."):
            d = d[4:]
        if d in lexicon.WEBMAIL_DOMAINS:
            continue
        labels = d.split(".")
        if len(labels) >= 3 and labels[-2] in lexicon.SECOND_LEVEL:
            labels = labels[:-2]
        else:
            labels = labels[:-1]
        if labels:
            label = labels[-1]
            if label not in out and len(label) >= 2:
                out.append(label)
    return out


def _domain_match(text: str, labels: Sequence[str]) -> float:
    """How well a line spells a domain label: 1 exact, 0.8 acronym/contained, 0 none."""
    suffix = _legal_suffix(text)
    core = text[: len(text) - len(suffix)] if suffix else text
    letters = _letters(core)
    words = [w for w in re.split(r"[^A-Za-z0-9]+", _fold(core)) if w]
    best = 0.0
    for label in labels:
        flat = label.replace("-", "")
        if not letters:
            continue
        if flat == letters or flat == _letters(text):
            best = max(best, 1.0)
        elif len(words) >= 2 and flat == "".join(w[0] for w in words):
            best = max(best, 0.9)
        elif len(flat) >= 4 and (flat in letters or letters in flat) and len(letters) >= 4:
            best = max(best, 0.8)
        elif len(flat) >= 4 and edit_similarity(flat, letters) >= 0.8:
            best = max(best, 0.7)
        else:
            # "bsolar" ⊂ "bluesolar" after dropping letters: a subsequence of the line.
            it = iter(letters)
            if len(flat) >= 5 and all(c in it for c in flat) and flat[0] == letters[0]:
                best = max(best, 0.6)
    return best


def _name_email_match(tokens: Sequence[str], locals_: Sequence[str]) -> float:
    """How well an e-mail local part spells a name: 1 = clearly this person, 0 = no sign."""
    names = [t for t in (_letters(t) for t in tokens) if t]
    if not names or not locals_:
        return 0.0
    # E-mails write umlauts out ("Blücher" as ``bluecher``); match that spelling too.
    spelled = [_letters(_transliterate(t)) for t in tokens]
    names += [t for t in spelled if t and t not in names]
    best = 0.0
    for local in locals_:
        parts = [p for p in re.split(r"[._\-+]", local.lower()) if p]
        parts = [re.sub(r"\d+", "", p) for p in parts]
        flat = "".join(parts)
        for n in names:
            if len(n) >= 3 and (n in parts or (len(n) >= 4 and n in flat)):
                best = max(best, 1.0)
            elif len(n) >= 4 and any(len(p) >= 4 and edit_distance(n, p) == 1 for p in parts):
                best = max(best, 0.85)
        if len(names) >= 2:
            first, last = names[0], names[-1]
            for combo in (first[0] + last, last + first[0], first + last[0], first + last):
                if combo == flat:
                    best = max(best, 1.0)
    return best


def _transliterate(text: str) -> str:
    """German letters written out as e-mails and domains spell them ("Blücher" → "Bluecher")."""
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
        text = text.replace(a, b)
    return text.replace("ß", "ss")


def _name_shape(cand: _Candidate) -> float:
    """1.0 when the text is shaped like a personal name, lower when less so, 0 when not."""
    words = [w.text.strip(",;:") for w in cand.words]
    words = [w for w in words if w]
    core = [
        w
        for w in words
        if _fold(w) not in lexicon.HONORIFICS and _fold(w).strip(".") not in lexicon.POST_NOMINALS
    ]
    if not 2 <= len(core) <= 5:
        return 0.0
    score = 1.0
    for w in core:
        if any(c.isdigit() for c in w) or "@" in w or "/" in w:
            return 0.0
        if _fold(w) in lexicon.NAME_PARTICLES:
            continue
        letters = w.replace("-", "").replace("'", "").replace("’", "").replace(".", "")
        if not letters.isalpha():
            return 0.0
        if not w[0].isupper():
            return 0.0
        if len(letters) == 1 and not w.endswith("."):
            score -= 0.3
        # "McDonald", "DeVries" are fine; "ACME" is fine; "iPhone" is not a name.
        if not (
            letters[1:].islower()
            or letters.isupper()
            or re.fullmatch(r"(Mc|Mac|O|D|De|Di|Le|La)[A-Z][a-z]+", letters)
        ):
            score -= 0.4
    if len(core) > 3:
        score -= 0.2
    tokens = [_fold(w).strip(_PUNCT_EDGES) for w in core]
    lexical = sum(
        1
        for t in tokens
        if t in lexicon.TITLE_ROLES
        or t in lexicon.ORG_UNITS
        or t in lexicon.COMPANY_WORDS
        or t in lexicon.COMPANY_SUFFIXES
        or t in lexicon.FUNCTION_WORDS
        or t in lexicon.ADDRESS_WORDS
        or t in lexicon.SENIORITY
        or t in lexicon.COUNTRY_NAMES
    )
    score -= 0.6 * lexical
    if _legal_suffix(cand.text):
        score -= 1.0
    return max(score, 0.0)


# Name score lost by a line the domain spells: more often a firm than a person.
_SPELLED_NAME_PENALTY = 1.5


@dataclass(frozen=True)
class _Roles:
    """Each candidate's score for each role, plus the evidence behind it."""

    name: float
    title: float
    company: float
    name_email: float
    company_domain: float
    company_suffix: bool
    title_role: bool
    title_text: str


def _score_roles(
    cand: _Candidate,
    max_height: float,
    email_locals: Sequence[str],
    domain_labels: Sequence[str],
    languages: frozenset[str] = frozenset(),
) -> _Roles:
    tokens = _tokens(cand.text)
    rel = cand.height / max_height if max_height else 0.0
    title_text = _respell_title(cand.text, languages)
    roles, senior, units, functions = _role_words(_tokens(title_text))
    n_tok = len(tokens)

    shape = _name_shape(cand)
    name_email = _name_email_match(cand.text.split(), email_locals) if shape else 0.0
    name = 0.0
    if shape:
        # Size from the name proper: "MBA" or "Dr." is often set smaller.
        core: list[float] = [
            float(w.box.height)
            for w in cand.words
            if _fold(w.text).strip(_PUNCT_EDGES) not in lexicon.POST_NOMINALS
            and _fold(w.text) not in lexicon.HONORIFICS
        ] or [cand.height]
        name_rel = sorted(core)[len(core) // 2] / max_height if max_height else 0.0
        name = 1.0 * shape + 1.5 * name_rel + 2.5 * name_email + 0.5 * cand.conf
        # The whole line beats a piece of it ("Jane Doe, MBA" over "Jane Doe").
        name += 0.2 * len(cand.words) / max(1, len(cand.seg.words))
        if domain_labels and _domain_match(cand.text, domain_labels) >= 0.8:
            name -= _SPELLED_NAME_PENALTY  # the domain spells it: a firm named like a person?

    title_role = roles > 0
    title = 0.0
    if roles:
        title = 3.0 + 0.3 * min(senior, 2) - 0.5 * max(0, n_tok - 6)
    elif senior and functions:
        title = 1.2
    if units and not roles:
        title = 0.0  # an org unit ("Systems Division") is not a job title
    if any(c.isdigit() for c in cand.text) or n_tok > 10:
        title = 0.0
    # "Smith & Partner KG", "Doe & Associates": a firm's name, whatever role words it holds.
    suffix = _legal_suffix(cand.text) is not None
    firm = bool(
        re.search(
            r"(?i)(?:&|\band\b|\bund\b|\bet\b|\by\b)\s*(?:partners?|associates|"
            r"asociados|associés|associes|söhne|sons|co\b)",
            cand.text,
        )
    )
    if suffix or firm:
        title = 0.0

    domain = _domain_match(cand.text, domain_labels) if domain_labels else 0.0
    company_words = sum(1 for t in tokens if t in lexicon.COMPANY_WORDS)
    company = 0.0
    if suffix:
        company += 3.0
    if domain:
        company += 3.0 * domain
    if (company_words and not roles) or firm:
        company += 1.2
    if company:
        company += 0.6 * rel + 0.3 * cand.conf
        # The whole printed line beats a piece of it ("Acme, Inc." over "Acme").
        company += 0.2 * len(cand.words) / max(1, len(cand.seg.words))
        if roles and not suffix:
            company -= 2.0
        if n_tok > 8:
            company -= 1.0
    return _Roles(name, title, company, name_email, domain, suffix, title_role, title_text)


def _assign(
    cands: Sequence[_Candidate], scores: Sequence[_Roles]
) -> tuple[int | None, int | None, int | None]:
    """Pick (name, title, company) candidate indexes maximising the total score.

    Roles may stay empty; two roles never share a word. The title also gains when it sits
    right next to the chosen name, which is how cards print it.
    """
    ids = [c.ids for c in cands]

    def options(score: Callable[[_Roles], float], floor: float) -> list[int | None]:
        # The eight best lines per role are plenty and keep noisy cards fast.
        ranked = sorted(
            (i for i in range(len(cands)) if score(scores[i]) >= floor),
            key=lambda i: -score(scores[i]),
        )
        return [None, *ranked[:8]]

    best: tuple[float, tuple[int | None, int | None, int | None]] = (0.0, (None, None, None))
    for ni, ti, ci in itertools.product(
        options(lambda r: r.name, 2.0),
        options(lambda r: r.title, 1.0),
        options(lambda r: r.company, 1.5),
    ):
        chosen = [i for i in (ni, ti, ci) if i is not None]
        if len(set(chosen)) < len(chosen):
            continue
        if any(ids[a] & ids[b] for a, b in itertools.combinations(chosen, 2)):
            continue
        total = 0.0
        if ni is not None:
            total += scores[ni].name
        if ti is not None:
            total += scores[ti].title
            if ni is not None:
                total += _adjacency(cands[ni], cands[ti])
        if ci is not None:
            total += scores[ci].company
        if total > best[0]:
            best = (total, (ni, ti, ci))
    return best[1]


def _adjacency(name: _Candidate, other: _Candidate) -> float:
    """Bonus for a title printed right under (or over, or beside) the name."""
    if name.seg is other.seg:
        return 0.8
    gap = min(abs(other.top - name.bottom), abs(name.top - other.bottom))
    overlap = min(name.right, other.right) - max(name.left, other.left)
    if overlap > 0 and gap < 3.0 * name.height:
        return 1.0
    return 0.0


_UMLAUTS = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"))
# Accented letters Tesseract's English model splits into two ("ñ" as "fi", "ü" as "ii").
_GLYPH_SLIPS = (("fi", "ñ"), ("ti", "ñ"), ("ii", "ü"), ("ii", "ñ"))
_WORD_PARTS = re.compile(r"^([^\w]*)(.*?)([^\w]*)$")


def _case_like(model: str, word: str, title_case: bool) -> str:
    """``word`` in the case pattern of ``model`` (UPPER, Title or lower)."""
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper() or title_case:
        return word[:1].upper() + word[1:]
    return word


def _respell(text: str, parts: Sequence[str], *, same_length: bool = False) -> str:
    """Words of ``text`` that the card spells better elsewhere take that spelling.

    ``parts`` are pieces of the e-mail local part or the domain ("jane", "doe",
    "copperleaf"); see :func:`_spelled_as` for what counts as a better spelling. Printed
    accents are kept: an e-mail cannot spell them, so "Bègue" is not "corrected" to "Begue".
    """
    words = text.split()
    title_case = sum(w[:1].isupper() for w in words) > len(words) / 2
    out = []
    for word in words:
        m = _WORD_PARTS.match(word)
        assert m is not None
        lead, core, trail = m.groups()
        fixed = core.replace("ı", "i")
        if len(core) >= 4 and core.isalpha():
            # A quote or stroke before the word may be its first letter misread.
            lenient = bool(lead) and not same_length
            spelled = next((w for p in parts if (w := _spelled_as(core, p, lenient))), None)
            if spelled:
                fixed = _case_like(core, spelled, title_case)
                # The mark in front was part of the repaired word, not a quote.
                lead = lead.strip("“”‘’\"'`")
        out.append(lead + fixed + trail)
    return " ".join(out)


def _spelled_as(core: str, part: str, lenient: bool) -> str | None:
    """How ``part`` (from an e-mail or domain) says the printed word ``core`` is spelled.

    Returns the better spelling, or None when ``part`` is no evidence about ``core``:

    * umlauts OCR lost, when the part writes them out ("Politz" in ``oskarpoelitz``,
      "Sauberlich" in ``saeuberlich``), also with one OCR slip ("Muhtbach"/``muehlbach``);
    * umlauts or a sharp s OCR misread, when every other letter agrees ("Sélzer" for
      ``soelzer``, "Mithlbach" for ``muehlbach``, "PreiB" for ``preiss``) or all but one
      ("Mihtbach");
    * accented letters OCR split in two ("Espafiol" for ``espanol``);
    * one OCR slip of a letter ("Kobayashl" for ``kobayashi``); an added or lost letter
      only when ``lenient``, because local parts and domains glue initials to names
      ("skleibrink", "bsolar").
    """
    low = core.lower()
    folded = _fold(core)
    if len(part) < 4 or folded == part:
        return None
    plain = low == folded  # printed without accents
    umlauted = part
    for ascii_form, accented in _UMLAUTS:
        umlauted = umlauted.replace(ascii_form, accented)
    if plain:
        # Each a/o/u of the printed word may stand for ae/oe/ue in the e-mail.
        pattern = "".join(f"{c}(e?)" if c in "aou" else re.escape(c) for c in folded)
        m = re.search(pattern, part)
        if m and any(m.groups()):
            chars = list(folded)
            group = 0
            for i, c in enumerate(folded):
                if c in "aou":
                    group += 1
                    if m.group(group):
                        chars[i] = {"a": "ä", "o": "ö", "u": "ü"}[c]
            return "".join(chars)
    # The part spells umlauts or a sharp s the print has, and OCR misread those letters
    # ("Mithlbach", "Sélzer", "PreiB"): every other letter must agree exactly.
    # No word starts with "ß": a leading "ss" is an initial glued to a name ("sstevens").
    for target in sorted({umlauted, umlauted[:1] + umlauted[1:].replace("ss", "ß")} - {part}):
        fixed_letters = sum(c.isascii() for c in target)
        # Short words match too much once letters are wildcards ("Jane" is not "jdö").
        if low == target or fixed_letters < 4:
            continue
        pieces = [c if c.isascii() else ".{0,2}" for c in map(re.escape, target)]
        if re.fullmatch("".join(pieces), low):
            return target
        if fixed_letters < 6:
            continue
        # ... and one more letter misread ("Mihtbach", "Muhtbach" for ``muehlbach``).
        for i, piece in enumerate(pieces):
            if len(piece) == 1 and re.fullmatch("".join([*pieces[:i], ".", *pieces[i + 1 :]]), low):
                return target
    for two, one in _GLYPH_SLIPS:
        if two in low and _fold(low.replace(two, one, 1)) == part:
            return low.replace(two, one, 1)
    if plain and (lenient or len(part) == len(folded)) and _ocr_distance(folded, part) <= 1.0:
        return part
    return None


_TITLE_VOCAB: tuple[str, ...] = tuple(
    sorted(
        w
        for w in lexicon.TITLE_ROLES
        | lexicon.SENIORITY
        | lexicon.FUNCTION_WORDS
        | lexicon.ORG_UNITS
        if len(w) >= 5 and w.isalpha()
    )
)


def _respell_title(text: str, languages: frozenset[str] = frozenset()) -> str:
    """A title line with OCR slips in its lexicon words repaired and lost accents restored.

    "USINESS DEVELOPMENT MANAGER" → "BUSINESS …", "Geschaftsfiihrer" → "Geschäftsführer".
    Only words that are no lexicon word already and lie one slip from one change, and only
    towards a word of the line's language (else of the card's ``languages``, else of any):
    "Produits" in a French title is no misread "Products". A word that differs from a
    lexicon word only in its ending is another form of it ("Partners", "Associés"), not a slip.
    """
    words = text.split()
    title_case = sum(w[:1].isupper() for w in words) > len(words) / 2
    allowed = _languages(_tokens(text)) or languages
    out = []
    for word in words:
        m = _WORD_PARTS.match(word)
        assert m is not None
        lead, core, trail = m.groups()
        folded = _fold(core)
        fixed = core
        known = (
            folded in lexicon.TITLE_ROLES
            or folded in lexicon.SENIORITY
            or folded in lexicon.FUNCTION_WORDS
            or folded in lexicon.ORG_UNITS
        )
        if not known and len(folded) >= 5 and folded.isalpha():
            near = nearest_words(folded, _TITLE_VOCAB, max_edits=2, limit=5)
            near = [
                n for n in near if _same_language(n[0], allowed) and not _inflected(folded, n[0])
            ]
            best = min(near, key=lambda n: (_ocr_distance(folded, n[0]), n[1]), default=None)
            # Short words of other languages sit one letter from lexicon words ("projet",
            # "project"): below seven letters only a typical confusion counts.
            limit = 1.0 if len(folded) >= 7 else 0.5
            if best is not None and _ocr_distance(folded, best[0]) <= limit:
                folded = best[0]
                fixed = _case_like(core, best[0], title_case)
        accented = lexicon.ACCENTED.get(folded)
        if accented and core.lower() == _fold(core):
            fixed = _case_like(core, accented, title_case)
        out.append(lead + fixed + trail)
    return " ".join(out)


# Endings that make another form of a word: plurals, feminines, agent nouns.
_ENDINGS = frozenset(("", "s", "e", "es", "en", "in", "n", "a", "as", "o", "os", "i", "r"))


def _inflected(a: str, b: str) -> bool:
    """True when two words differ only in their endings ("partners", "associée", "associés")."""
    stem = 0
    while stem < min(len(a), len(b)) and a[stem] == b[stem]:
        stem += 1
    return stem >= 4 and a[stem:] in _ENDINGS and b[stem:] in _ENDINGS


def _same_language(word: str, languages: frozenset[str]) -> bool:
    """True when ``word`` belongs to one of ``languages`` (any word does when there are none)."""
    own = lexicon.WORD_LANGUAGES.get(word, frozenset())
    return not languages or not own or "*" in own or bool(own & languages)


def _title_case(text: str) -> str:
    """A title printed in capitals, cased as contact lists write it: "Head of IT".

    Glue words of any language stay lower case after the first word ("Jefa de Proyecto",
    "Chargée d'Affaires"), acronyms stay capitals, and a hyphenated word is capitalised
    once ("Expert-comptable").
    """
    out = []
    for i, word in enumerate(text.split(" ")):
        m = _WORD_PARTS.match(word)
        assert m is not None
        lead, core, trail = m.groups()
        low = core.lower()
        folded = _fold(core)
        elided = re.match(r"([a-z]['’])(.+)", low)
        symbols = not low.isalpha() and not elided and "-" not in low
        if folded in lexicon.TITLE_ACRONYMS or symbols:
            pass  # "CEO", "R&D", "B2B"
        elif not re.search(r"[aeiouy]", folded) and folded not in lexicon.SENIORITY:
            pass  # "SVP", "CRM"
        elif elided and elided.group(1).replace("’", "'") in lexicon.TITLE_GLUE:
            rest = elided.group(2)
            core = (elided.group(1) if i else elided.group(1).upper()) + rest[:1].upper() + rest[1:]
        elif i and folded in lexicon.TITLE_GLUE:
            core = low
        else:
            core = low[:1].upper() + low[1:]
        out.append(lead + core + trail)
    return " ".join(out)


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
    text: str, email_locals: Sequence[str], languages: frozenset[str] = frozenset()
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
    (``languages`` are the card's).
    """
    raw = text
    parts = [p for local in email_locals for p in re.split(r"[._\-+\d]+", local.lower()) if p]
    text = _respell(_fix_capital_i(text), parts, same_length=True)
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


# --------------------------------------------------------------------------- main entry


def parse_card(ocr: OcrResult, region: str | None = None) -> Contact:
    """Read a contact from one card's OCR result.

    Pure: no I/O, no network. Invalid values are kept (flagged with low confidence and a
    line in ``issues``) rather than dropped, so a person can fix them.

    Args:
        ocr: the words Tesseract read from one upright card.
        region: ISO 3166 region for phone numbers printed without a country code; None
            infers it from the card (address country, calling codes, domain TLD, and which
            region the printed numbers are valid in), else US.

    Returns:
        The contact, every value a :class:`~cardscan.models.Field` with confidence.
    """
    segs = _segments(ocr)
    used: dict[int, list[tuple[int, int]]] = {}
    emails, sites, social = _find_online(segs)
    for f in [*sites, *social, *emails]:
        used.setdefault(f.seg, []).append((f.start, f.end))
    domains = [e.value.rsplit("@", 1)[1] for e in emails if e.valid]
    domains += [s.value.split("/")[0] for s in sites]

    languages = _languages(t for s in segs for t in _tokens(s.text))
    guess = _card_region(segs, used, domains, region, languages)
    codes = validate.country_codes(s.text for s in segs)
    main_code = codes.most_common(1)[0][0] if codes else validate.code_for_region(guess.region)
    phones, issues = _find_phones(segs, guess, main_code)
    email_segs = {f.seg for f in emails}
    for p in phones:
        used.setdefault(p.seg, []).append((p.start, p.end))
        for seg_index, start, end in p.also:
            used.setdefault(seg_index, []).append((start, end))
        # The label before a number belongs to it, not to the name or company.
        if p.seg not in email_segs and p.start < 12:
            used[p.seg].append((0, p.start))

    block, address, address_conf = _find_address(segs, used)
    skip = set(used) | {s.index for s in block}
    email_locals = [e.value.split("@", 1)[0] for e in emails]
    name, given, family, title, company = _read_people(segs, skip, email_locals, domains, languages)
    if given and family:
        emails = [_initial_from_name(e, given, family) for e in emails]

    if name is None:
        issues.append("no person name found")
    elif name.confidence < 0.6:
        issues.append("name read with low confidence")
    if title is not None and title.confidence < 0.6:
        issues.append("title read with low confidence")
    if company is not None and company.source == "email-domain":
        issues.append(f"company '{company.value}' guessed from the domain")
    elif company is not None and company.confidence < 0.6:
        issues.append("company read with low confidence")
    for f in emails:
        if not f.valid:
            issues.append(f"e-mail '{f.raw}' is not valid: {validate.email_error(f.value)}")

    return Contact(
        name=name,
        given_name=given,
        family_name=family,
        title=title,
        company=company,
        emails=tuple(_email_field(f, sites, name) for f in emails),
        phones=tuple(_phone_field(p) for p in phones),
        websites=tuple(_site_field(f, emails) for f in sites),
        address=_address_field(address, address_conf, len(block)) if address else None,
        social=tuple(_field(f, evidence=0.9) for f in social),
        issues=tuple(issues),
    )


def _find_online(segs: Sequence[_Segment]) -> tuple[list[_Found], list[_Found], list[_Found]]:
    """(e-mails, websites, social profiles), with their domains made to agree.

    Websites come first because their domains corroborate e-mail repairs; then the domain
    readings are reconciled with each other and with the company name (see
    :func:`_domain_consensus`).
    """
    sites, social, partial_sites = _find_web(segs)
    web = [(s.seg, s.value.split("/")[0].removeprefix("www.")) for s in sites if s.valid]
    handle_segs = {f.seg for f in social if f.raw.startswith("@")}
    emails = _find_emails([s for s in segs if s.index not in handle_segs], web)
    # A "website" that turned out to be the domain of a repaired e-mail is no website.
    sites = [
        s for s in sites if not any(e.seg == s.seg and e.start <= s.start < e.end for e in emails)
    ]
    for p in partial_sites:
        for e in emails:
            domain = e.value.rsplit("@", 1)[1]
            if e.valid and _split_domain(domain)[1] == p.value.removeprefix("www."):
                sites.append(
                    _Found(p.seg, p.start, p.end, p.raw, "www." + domain, True, True, p.words)
                )
                break
    sites = [_completed_site(s, emails) for s in sites]
    emails = [_at_misread(e, sites) for e in emails]
    readings = [(e.value.rsplit("@", 1)[1], mean_conf(e.words)) for e in emails]
    readings += [(s.value.split("/")[0], mean_conf(s.words)) for s in sites]
    spelled = _spelled_labels(segs, {f.seg for f in [*emails, *sites]})
    agreed = _domain_consensus(readings, spelled)
    emails = _dedupe([_with_domain(e, agreed, email=True) for e in emails])
    sites = _dedupe([_with_domain(s, agreed, email=False) for s in sites])
    return emails, sites, social


def _completed_site(site: _Found, emails: Sequence[_Found]) -> _Found:
    """A website whose country TLD OCR lost after a second level ("www.x.co" for x.co.jp).

    Completed from the e-mail domain that continues it; "x.co" alone is a real domain,
    so only the card's own e-mail can say it was cut short.
    """
    host, sep, path = site.value.partition("/")
    bare = host.removeprefix("www.")
    if bare.rsplit(".", 1)[-1] not in lexicon.SECOND_LEVEL:
        return site
    for e in emails:
        domain = e.value.rsplit("@", 1)[1]
        if e.valid and domain.startswith(bare + ".") and domain.count(".") == bare.count(".") + 1:
            value = host[: len(host) - len(bare)] + domain + sep + path
            return dataclasses.replace(site, value=value, valid=True, repaired=True)
    return site


def _at_misread(email: _Found, sites: Sequence[_Found]) -> _Found:
    """An e-mail whose "@" OCR read as a letter and a letter as "@" ("ko-h@takeyamagexample.jp").

    When the domain read does not match the website but ends in the website's domain right
    after a letter OCR takes for "@" (g, q, a, &), the "@" is moved there; the misread "@"
    was most likely an "a".
    """
    local, _, domain = email.value.rpartition("@")
    hosts = {s.value.split("/")[0].removeprefix("www.") for s in sites if s.valid}
    if not local or domain in hosts:
        return email
    for host in sorted(hosts):
        # A subdomain ("mail.example.com") is a real address.
        if not domain.endswith(host) or domain.endswith("." + host):
            continue
        head = domain[: len(domain) - len(host)]
        if len(head) < 2 or head[-1] not in "gqa&":
            continue
        value = validate.normalize_email(f"{local}a{head[:-1]}@{host}")
        if value is not None:
            return dataclasses.replace(email, value=value, valid=True, repaired=True)
    return email


def _card_region(
    segs: Sequence[_Segment],
    used: dict[int, list[tuple[int, int]]],
    domains: Sequence[str],
    region: str | None,
    languages: frozenset[str],
) -> validate.RegionGuess:
    """The region for reading national numbers: the caller's, else inferred from the card."""
    if region:
        return validate.RegionGuess(region.upper(), "given")
    # The address names the country, so find it first, with anything shaped like a phone
    # number set aside ("555-0130" is no Japanese postcode).
    phoneish = {k: list(v) for k, v in used.items()}
    for seg in segs:
        for m in _PHONEISH.finditer(seg.text):
            if sum(c.isdigit() for c in m.group(0)) >= 8:
                phoneish.setdefault(seg.index, []).append((m.start(), m.end()))
    block, _, _ = _find_address(segs, phoneish)
    # A legal form ends the company's line, or stands on a line of its own under a logo.
    forms = [
        _legal_suffix(s.text) or (s.text if _is_bare_suffix(s.text) else None)
        for s in segs
        if s.index not in used
    ]
    legal = [lexicon.LEGAL_FORM_REGIONS.get(_suffix_key(f)) for f in forms if f]
    return validate.guess_region(
        [s.text for s in block],
        [s.text for s in segs],
        domains,
        [r for r in legal if r],
        languages,
    )


def _languages(tokens: Iterable[str]) -> frozenset[str]:
    """The languages that most of the language-specific words among ``tokens`` belong to.

    Words come from :data:`~cardscan.lexicon.WORD_LANGUAGES`, German compounds by their role
    ending ("Vertriebsingenieurin"); loanwords every language prints ("Manager") say nothing.
    """
    votes: dict[str, int] = {}
    for token in tokens:
        for word in (token, *(token.split("-") if "-" in token else ())):
            languages = lexicon.WORD_LANGUAGES.get(word)
            if languages is None and len(word) > 7:
                ending = next((e for e in lexicon.TITLE_ROLE_ENDINGS if word.endswith(e)), None)
                languages = lexicon.WORD_LANGUAGES.get(ending) if ending else None
            if languages and "*" not in languages:
                for language in languages:
                    votes[language] = votes.get(language, 0) + 1
    top = max(votes.values(), default=0)
    return frozenset(language for language, n in votes.items() if n == top and top)


def _read_people(
    segs: Sequence[_Segment],
    skip: set[int],
    email_locals: Sequence[str],
    domains: Sequence[str],
    languages: frozenset[str] = frozenset(),
) -> tuple[Field[str] | None, str | None, str | None, Field[str] | None, Field[str] | None]:
    """(name, given name, family name, title, company) from the lines outside the contact block.

    ``languages`` are the card's (see :func:`_languages`), for repairing the title.
    """
    labels = _domain_labels(domains)
    cands = _with_suffix_lines(_candidates(segs, skip, [*email_locals, *labels]), segs, skip)
    max_h = max((c.height for c in cands), default=0.0)
    scores = [_score_roles(c, max_h, email_locals, labels, languages) for c in cands]
    ni, ti, ci = _assign(cands, scores)
    firm_or_person = ni is None and ci is not None and _person_named_site(cands[ci], scores[ci])
    if firm_or_person:
        # A freelancer's own name, spelled by their domain ("Jane Doe", janedoe.design): a
        # card names its person before anything else, so the line is the name, not a firm.
        assert ci is not None
        sc = scores[ci]
        scores[ci] = dataclasses.replace(sc, name=sc.name + _SPELLED_NAME_PENALTY, company=0.0)
        ni, ti, ci = _assign(cands, scores)

    name = given = family = None
    if ni is not None:
        cand, sc = cands[ni], scores[ni]
        parts = _format_name(cand.text, email_locals, languages)
        given, family = parts.given, parts.family
        largest = cand.height >= max_h * 0.95
        if sc.name_email >= 0.85:
            source = "ocr+email"
        elif largest and not (firm_or_person and ti is None):
            source = "ocr+layout"
        else:
            source = "ocr"
        features = {
            "ocr": cand.conf,
            "email": sc.name_email,
            "largest": float(largest),
            "shape": _name_shape(cand),
            "margin": _margin(cands, scores, ni, lambda r: r.name),
            "doubtful_order": float(parts.order_doubtful),
            "one_word": float(len(parts.display.split()) == 1),
            "accent_risk": float(_accent_risk(parts.display, languages)),
            "accented": float(not parts.display.isascii()),
            # Neither the e-mail nor a job title beside it says it is a person's.
            "firm_or_person": float(firm_or_person and ti is None),
        }
        conf = _calibrated("name", parts.display, features)
        name = Field(parts.display, conf, source, parts.raw)
    title = None
    if ti is not None:
        cand, sc = cands[ti], scores[ti]
        value, printed, conf = sc.title_text, cand.text, cand.conf
        taken = {i for i in (ni, ci) if i is not None}
        more = _title_continuation(cand, [c for i, c in enumerate(cands) if i not in taken])
        if more is not None:
            glue = (
                value.rstrip().endswith(("&", ",", "-", "/"))
                or _fold(value.split()[-1]) in _GLUE
                or _fold(more.text.split()[0]) in _GLUE
            )
            value = f"{value}{' ' if glue else ', '}{_respell_title(more.text, languages)}"
            printed = f"{printed}\n{more.text}"
            conf = mean_conf((*cand.words, *more.words))
        # Printed in capitals, cased like the name ("JEFA DE PROYECTO" → "Jefa de Proyecto").
        letters = [c for c in value if c.isalpha()]
        if len(letters) > 3 and all(c.isupper() for c in letters):
            value = _title_case(value)
        features = {
            "ocr": conf,
            "role": float(sc.title_role),
            "margin": _margin(cands, scores, ti, lambda r: r.title),
            "continued": float(more is not None),
            "respelled": float(sc.title_text.casefold() != cand.text.casefold()),
            "long": float(len(value.split()) > 4),
            "accent_risk": float(_accent_risk(value, languages)),
            "accented": float(not value.isascii()),
        }
        title = Field(value, _calibrated("title", value, features), "ocr+lexicon", printed)
    company = None
    if ci is not None:
        cand, sc = cands[ci], scores[ci]
        if sc.company_domain >= 0.8:
            source = "ocr+domain"
        elif sc.company_suffix:
            source = "ocr+legal-form"
        elif sc.company_domain:
            source = "ocr+domain"
        else:
            source = "ocr+lexicon"
        pieces = [p for label in labels for p in (label, *label.split("-"))]
        value = _fix_suffix_case(_respell(_fix_capital_i(cand.text), pieces))
        features = {
            "ocr": cand.conf,
            "domain": sc.company_domain,
            "suffix": float(sc.company_suffix),
            "margin": _margin(cands, scores, ci, lambda r: r.company),
            "lexicon_only": float(not sc.company_domain and not sc.company_suffix),
            "accented": float(not value.isascii()),
        }
        company = Field(value, _calibrated("company", value, features), source, cand.text)
    else:
        # A domain that spells the person's own name says nothing about an employer.
        own = [lb for lb in labels if name is None or _domain_match(name.raw, [lb]) < 0.8]
        company = _company_from_domain(own[0], segs) if own else None
    return name, given, family, title, company


_GLUE = lexicon.TITLE_GLUE | {"and", "und", "et", "y", "e", "en", "&"}


def _title_continuation(title: _Candidate, others: Sequence[_Candidate]) -> _Candidate | None:
    """The second line of a title printed over two lines, if there is one.

    Long titles wrap ("Vice President" over "Global Sales and Marketing"), and a department
    is often set under the title in the same type ("Director" over "Sales Department").
    The line must sit right under the title, in the same size and column, and be made of
    title words only (functions, units, seniority, glue, acronyms), or continue a title
    that ends in a glue word or "&" ("Head of" over "Business Development").
    """
    ends_open = (
        title.text.rstrip().endswith(("&", ",", "-", "/")) or _fold(title.text.split()[-1]) in _GLUE
    )
    best: _Candidate | None = None
    for cand in others:
        if cand.seg is title.seg or len(cand.words) != len(cand.seg.words):
            continue
        gap = cand.top - title.bottom
        if not 0 <= gap < 0.9 * title.height:
            continue
        if not 0.8 <= cand.height / max(title.height, 1) <= 1.25:
            continue
        aligned = (
            abs(cand.left - title.left) < title.height
            or abs((cand.left + cand.right) / 2 - (title.left + title.right) / 2) < title.height
        )
        if not aligned or any(c.isdigit() or c == "@" for c in cand.text):
            continue
        tokens = [t for t in _tokens(cand.text) if t not in ("&", "-", "/", "|")]
        words = [t for t in tokens if t not in lexicon.TITLE_GLUE]
        title_words = all(
            t in lexicon.FUNCTION_WORDS
            or t in lexicon.ORG_UNITS
            or t in lexicon.SENIORITY
            or t in lexicon.TITLE_ACRONYMS
            or t in lexicon.TITLE_ROLES
            for t in words
        )
        # A line that starts with "and", "&" or "of" carries the title on ("… en Partnerschappen").
        starts_open = bool(tokens) and (tokens[0] in _GLUE or cand.text.lstrip()[:1] == "&")
        if not words or _legal_suffix(cand.text) or not (title_words or ends_open or starts_open):
            continue
        if best is None or cand.top < best.top:
            best = cand
    return best


def _person_named_site(cand: _Candidate, sc: _Roles) -> bool:
    """True for a line taken as a company only because the domain spells it, shaped as a name."""
    return sc.company_domain >= 0.8 and not sc.company_suffix and _name_shape(cand) >= 0.6


# First letters OCR confuses in a local part ("1.accardo", "igrimes" for "l…").
_THIN_INITIALS = frozenset("il1j|!")


def _initial_from_name(found: _Found, given: str, family: str) -> _Found:
    """Fix the initial of an e-mail's local part from the name ("1.accardo" → "i.accardo").

    Only when the rest of the local part is the family name, so the first character can
    only be the given name's initial, and both are thin glyphs OCR confuses.
    """
    local, _, domain = found.value.partition("@")
    initial, surname = _fold(given)[:1], _letters(family)
    if not local or not initial or local[0] == initial or len(surname) < 3:
        return found
    if local[0] not in _THIN_INITIALS or initial not in _THIN_INITIALS:
        return found
    if _letters(local[1:]) != surname:
        return found
    value = validate.normalize_email(f"{initial}{local[1:]}@{domain}")
    if value is None:
        return found
    return _Found(found.seg, found.start, found.end, found.raw, value, True, True, found.words)


# While parse_card_readings runs, every value's features are collected here (for fitting).
_READINGS: contextvars.ContextVar[list[calibration.Reading] | None] = contextvars.ContextVar(
    "cardscan_parse_readings", default=None
)


def parse_card_readings(
    ocr: OcrResult, region: str | None = None
) -> tuple[Contact, tuple[calibration.Reading, ...]]:
    """:func:`parse_card`, plus the features behind every value's confidence.

    For fitting and checking :mod:`cardscan.reading.calibration` (``scripts/calibrate.py``): the
    contact is the one :func:`parse_card` returns; each reading names its field, its value
    as the record shows it, its features and the confidence they gave.
    """
    sink: list[calibration.Reading] = []
    token = _READINGS.set(sink)
    try:
        contact = parse_card(ocr, region)
    finally:
        _READINGS.reset(token)
    return contact, tuple(sink)


def _calibrated(kind: str, value: str, features: dict[str, float]) -> float:
    """The calibrated confidence of a value of field ``kind`` (see the module docstring)."""
    clamped = {k: max(0.0, min(1.0, v)) for k, v in features.items()}
    conf = calibration.confidence(kind, clamped)
    sink = _READINGS.get()
    if sink is not None:
        sink.append(calibration.Reading(kind, value, clamped, conf))
    return conf


def _margin(
    cands: Sequence[_Candidate],
    scores: Sequence[_Roles],
    chosen: int,
    role: Callable[[_Roles], float],
) -> float:
    """How far the chosen line leads the best other line for a role: 0..1, a lead of 2+ is 1.

    Pieces of the chosen line ("Jane Doe" beside "Jane Doe, MBA") are no rivals: they
    differ in a credential, not in who the person is.
    """
    own = cands[chosen].ids
    rivals = [role(s) for j, s in enumerate(scores) if j != chosen and not (cands[j].ids & own)]
    runner_up = max(rivals, default=0.0)
    return max(0.0, min(1.0, (role(scores[chosen]) - max(runner_up, 0.0)) / 2.0))


# Languages whose names often carry accents that Tesseract's English model drops.
_ACCENTED_LANGUAGES = frozenset({"fr", "de", "es", "it", "nl"})


def _accent_risk(name: str, languages: frozenset[str]) -> bool:
    """Whether a name has no accent although the card is in French, German, Spanish, etc."""
    return bool(languages & _ACCENTED_LANGUAGES) and name.isascii()


def _field(f: _Found, checked: bool = False, evidence: float | None = None) -> Field[str]:
    """The public field of a social profile found on the card (not calibrated: unscored).

    ``checked`` says a second reading confirmed it.
    """
    source = "ocr+repair" if f.repaired else "ocr"
    weight = _OCR_WEIGHT_CHECKED if checked and f.valid else _OCR_WEIGHT_PLAIN
    return Field(
        f.value, _conf(evidence or _evidence(f), mean_conf(f.words), weight), source, f.raw
    )


def _email_field(f: _Found, sites: Sequence[_Found], name: Field[str] | None) -> Field[str]:
    """An e-mail with its confidence: confirmed by the website's domain or by the name?"""
    local, _, domain = f.value.partition("@")
    features = {
        "ocr": mean_conf(f.words),
        "valid": float(f.valid),
        "site": float(any(s.value.split("/")[0].removeprefix("www.") == domain for s in sites)),
        "name": float(name is not None and _name_email_match(name.value.split(), [local]) >= 0.85),
        "repaired": float(f.repaired),
    }
    source = "ocr+repair" if f.repaired else "ocr"
    return Field(f.value, _calibrated("emails", f.value, features), source, f.raw)


def _site_field(f: _Found, emails: Sequence[_Found]) -> Field[str]:
    """A website with its confidence: is its host also an e-mail domain on the card?"""
    host = f.value.split("/")[0].removeprefix("www.")
    features = {
        "ocr": mean_conf(f.words),
        "valid": float(f.valid),
        "email": float(any(e.valid and e.value.endswith("@" + host) for e in emails)),
        "www": float("www" in f.raw.lower() or "://" in f.raw),
        # "wwwexample.com": the dot after www was lost, and the host with it.
        "www_glued": float(host.startswith("www") and not f.value.startswith("www.")),
        "repaired": float(f.repaired),
    }
    source = "ocr+repair" if f.repaired else "ocr"
    return Field(f.value, _calibrated("websites", f.value, features), source, f.raw)


def _phone_field(p: _PhoneFound) -> Field[Phone]:
    """A phone with its confidence: did it validate, after a repair, in one region only?"""
    features = {
        "ocr": mean_conf(p.words),
        # A valid number passed libphonenumber's length and range checks.
        "valid": float(p.phone.valid),
        "labelled": float(p.labelled),
        "plus": float(p.phone.raw.lstrip().startswith(("+", "00"))),
        "repaired": float(p.repaired),
        # Another region the card could be from reads the number otherwise: a guess.
        "rivals": float(bool(p.rivals)),
        "split": float(bool(p.also)),
    }
    conf = _calibrated("phones", p.phone.number, features)
    return Field(p.phone, conf, "ocr+repair" if p.repaired else "ocr", p.phone.raw)


def _address_field(address: str, ocr: float, lines: int) -> Field[str]:
    """The address with its confidence (read as printed: nothing checks an address)."""
    features = {"ocr": ocr, "lines": (lines - 1) / 4}
    return Field(address, _calibrated("address", address, features), "ocr", address)


def _evidence(f: _Found) -> float:
    if not f.valid:
        return _EVIDENCE_INVALID
    return _EVIDENCE_REPAIRED if f.repaired else _EVIDENCE_VALID


#: How much OCR confidence counts in a social profile's confidence.
_OCR_WEIGHT_CHECKED = 0.4
_OCR_WEIGHT_PLAIN = 1.0


def _conf(evidence: float, ocr: float, ocr_weight: float = _OCR_WEIGHT_PLAIN) -> float:
    """Confidence of a social profile: ``evidence × (1 − w + w × ocr)``, rounded.

    ``ocr_weight`` (w) is lower for values a second reading checked character by
    character: Tesseract's word confidence then says little more.
    """
    ocr_part = 1.0 - ocr_weight + ocr_weight * max(0.0, min(1.0, ocr))
    return round(max(0.0, min(1.0, evidence * ocr_part)), 3)


def _with_domain(found: _Found, agreed: dict[str, str], *, email: bool) -> _Found:
    """``found`` with its domain replaced by the card's agreed reading (see consensus)."""
    if email:
        local, _, domain = found.value.rpartition("@")
        new = agreed.get(domain, domain)
        if new == domain:
            return found
        value = validate.normalize_email(f"{local}@{new}")
        if value is None:
            return found
        return _Found(found.seg, found.start, found.end, found.raw, value, True, True, found.words)
    host, sep, path = found.value.partition("/")
    new = agreed.get(host, host)
    if new == host:
        return found
    return _Found(
        found.seg,
        found.start,
        found.end,
        found.raw,
        new + sep + path,
        validate.tld_exists(new),
        True,
        found.words,
    )


def _company_from_domain(label: str, segs: Sequence[_Segment]) -> Field[str] | None:
    """A company for a logo-only card: a printed word spelling the domain, else the domain.

    The printed word (often the logo's text, read with low confidence) wins because it keeps
    the company's own spelling; the bare domain label is only a guess, so it gets 0.35.
    """
    flat = label.replace("-", "")
    for seg in segs:
        for w in seg.words:
            if _letters(w.text) == flat and len(flat) >= 3:
                value = w.text.strip(_PUNCT_EDGES)
                features = {"ocr": w.conf, "domain": 1.0, "domain_word": 1.0}
                return Field(value, _calibrated("company", value, features), "ocr+domain", w.text)
    if len(flat) < 3 or flat.isdigit():
        return None
    value = label.replace("-", " ").title()
    features = {"domain": 1.0, "domain_guess": 1.0}
    return Field(value, _calibrated("company", value, features), "email-domain", label)


def name_parts(text: str) -> tuple[str | None, str | None]:
    """(given name, family name) of a name a person typed, split as a card's name is."""
    parts = _format_name(text, ())
    return parts.given, parts.family
