"""Spelling helpers shared by the field families.

OCR confusions, legal forms, domain and e-mail cross-checks, respelling from better
evidence, the card's languages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from cardscan import lexicon
from cardscan.reading.parse.lines import _PUNCT_EDGES, _fold, _letters, _tokens
from cardscan.similarity import edit_distance, edit_similarity, nearest_words

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
        if len(labels) >= 3 and (
            labels[-2] in lexicon.SECOND_LEVEL
            # "example.uk.com", "example.us.org": a country label under a generic TLD.
            or (len(labels[-2]) == 2 and labels[-1] in ("com", "net", "org"))
        ):
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


#: Letters only Turkish and Azerbaijani write among Latin-script languages.
_TURKISH_LETTERS = re.compile("[şğŞĞİ]")


def _respell(text: str, parts: Sequence[str], *, same_length: bool = False) -> str:
    """Words of ``text`` that the card spells better elsewhere take that spelling.

    ``parts`` are pieces of the e-mail local part or the domain ("jane", "doe",
    "copperleaf"); see :func:`_spelled_as` for what counts as a better spelling. Printed
    accents are kept: an e-mail cannot spell them, so "Bègue" is not "corrected" to "Begue".
    """
    words = text.split()
    title_case = sum(w[:1].isupper() for w in words) > len(words) / 2
    # Tesseract's English model reads an "i" as a dotless "ı" now and then; a line that also
    # prints a letter only Turkish (or Azerbaijani) writes is in that language, where "ı"
    # is a letter of its own ("Kılıç"), and keeps it.
    turkish = _TURKISH_LETTERS.search(text) is not None
    out = []
    for word in words:
        m = _WORD_PARTS.match(word)
        assert m is not None
        lead, core, trail = m.groups()
        fixed = core if turkish else core.replace("ı", "i")
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
