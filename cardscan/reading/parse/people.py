"""Name, title and company: candidate lines scored for each role, the best assignment."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cardscan import lexicon
from cardscan.models import Field, Word, mean_conf
from cardscan.reading import validate
from cardscan.reading.parse import roles
from cardscan.reading.parse.address import _address_score
from cardscan.reading.parse.company import (
    _company_from_domain,
    _company_lines,
    _restored_start,
    _without_monogram,
    _without_noise,
)
from cardscan.reading.parse.confidence import _ROLE_ROWS, _accent_risk, _calibrated
from cardscan.reading.parse.lines import (
    _PUNCT_EDGES,
    _SEPARATORS,
    _Candidate,
    _char_spans,
    _fold,
    _Found,
    _known_word,
    _letters,
    _Segment,
    _tokens,
)
from cardscan.reading.parse.names import _format_name, _has_credential
from cardscan.reading.parse.text import (
    _domain_labels,
    _domain_match,
    _fix_capital_i,
    _fix_suffix_case,
    _is_bare_suffix,
    _legal_suffix,
    _name_email_match,
    _respell,
    _respell_title,
    _role_words,
    _title_case,
)


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
        # "Jane Doe @janedoe": a handle printed after the name is no part of it.
        handle = next(
            (k for k, w in enumerate(seg.words) if w.text.startswith("@") and "." not in w.text),
            None,
        )
        if handle is not None and handle >= 2:
            out.append(_Candidate(seg, seg.words[:handle]))
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


def _plain_words(text: str) -> bool:
    """True for one to four words of letters only, none of them a lexicon word."""
    words = text.split()
    if not 1 <= len(words) <= 4:
        return False
    for w in words:
        core = w.replace("-", "").replace("'", "")
        if not core.isalpha():
            return False
        folded = _fold(core)
        if folded in lexicon.NAME_PARTICLES:
            continue
        if len(folded) < 3 or _known_word(folded) or folded in lexicon.COMPANY_WORDS:
            return False
    return True


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
    #: The fitted model's probability of each role (empty when no model is shipped).
    probs: Mapping[str, float] = dataclasses.field(default_factory=dict)


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
    if not shape and _plain_words(cand.text):
        # One word, or a name printed all in lower case ("jane de wit"), is a name only
        # when the e-mail spells it.
        name_email = _name_email_match(cand.text.split(), email_locals)
        shape = 0.5 if name_email >= 0.85 else 0.0
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


def _fitted_scores(
    cands: Sequence[_Candidate],
    scores: Sequence[_Roles],
    segs: Sequence[_Segment],
    labels: Sequence[str],
) -> list[_Roles]:
    """Each candidate's role scores from the fitted line model (see :mod:`.roles`).

    Without a shipped model the hand scores stay (used once, to record the first training
    rows). While ``scripts/fit_roles.py`` runs, each line's features go to its sink.
    """
    rows = _line_features(cands, scores, segs, labels)
    sink = _ROLE_ROWS.get()
    if sink is not None:
        sink.extend(
            (c.text, len(c.words) == len(c.seg.words), f) for c, f in zip(cands, rows, strict=True)
        )
    try:
        model = roles.default_model()
    except (OSError, ValueError):
        return list(scores)
    out: list[_Roles] = []
    for sc, feats in zip(scores, rows, strict=True):
        logits = model.logits(feats)
        if _office_label(sc.title_text) or feats["legal_form"] or feats["firm"]:
            # "Head Office" says where, "Doe & Partner KG" names a firm: neither is a title,
            # so the line is whichever of the other classes the model finds likelier.
            logits["title"] = -50.0
        probs = roles.softmax(logits)
        odds = roles.role_scores(logits)
        out.append(
            dataclasses.replace(
                sc, name=odds["name"], title=odds["title"], company=odds["company"], probs=probs
            )
        )
    return _credentials_kept(cands, out)


def _credentials_kept(cands: Sequence[_Candidate], out: list[_Roles]) -> list[_Roles]:
    """A name and its credentials are one person: the whole printed line keeps them.

    "Jane Doe, MBA" and its piece "Jane Doe" name the same person; the piece never beats the
    whole line for the name, so the credential the card prints is not lost.
    """
    for k, cand in enumerate(cands):
        whole = next(
            (
                j
                for j, c in enumerate(cands)
                if c.seg is cand.seg and len(c.words) == len(c.seg.words) and j != k
            ),
            None,
        )
        if whole is None or out[whole].name <= 0:
            continue
        rest = [w for w in cand.seg.words if w not in cand.words]
        folded = [_fold(w.text).strip(_PUNCT_EDGES) for w in rest]
        if rest and all(
            f in lexicon.POST_NOMINALS or f.replace(".", "") in lexicon.POST_NOMINALS
            for f in folded
        ):
            out[k] = dataclasses.replace(out[k], name=min(out[k].name, out[whole].name - 0.01))
    return out


_OFFICE_WORDS = frozenset(
    [
        "office",
        "offices",
        "headquarters",
        "hq",
        "branch",
        "bureau",
        "büro",
        "buro",
        "oficina",
        "sede",
        "ufficio",
        "kantoor",
        "filiale",
        "niederlassung",
        "agence",
        "agencia",
    ]
)


def _office_label(text: str) -> bool:
    """True for an office label ("Head Office", "Mersin Office", "Branch Offices: …").

    "Head" before "office" names the place, not a role; a line that still holds a role
    word once the office words are set aside is a title ("Office Manager", "Head of Sales").
    """
    tokens = [t.strip(":") for t in _tokens(text)]
    if not any(t in _OFFICE_WORDS for t in tokens):
        return False
    rest = [
        t
        for i, t in enumerate(tokens)
        if t not in _OFFICE_WORDS
        and not (
            t in ("head", "main", "registered")
            and i + 1 < len(tokens)
            and tokens[i + 1] in _OFFICE_WORDS
        )
    ]
    return _role_words(rest)[0] == 0


#: Below this probability from the line model, a role's value is doubtful whatever its
#: calibrated confidence says: it is held under the review threshold.
DOUBT = 0.6


def _doubted(conf: float, sc: _Roles, role: str) -> float:
    """The calibrated confidence, capped by the line model's probability when that is low."""
    p = sc.probs.get(role)
    if p is None or p >= DOUBT:
        return conf
    return round(min(conf, p), 3)


def _role_hints(sc: _Roles, role: str, margin: float, checked: bool) -> dict[str, float]:
    """The second stage's hints for a name, title or company (see ``calibration.HINTS``).

    ``role_doubt``: 1 − the line model's probability of the role (0 without a model);
    ``thin_margin``: 1 − the lead over the runner-up line, when nothing else confirms it.
    """
    p = sc.probs.get(role)
    return {
        "role_doubt": 0.0 if p is None else 1.0 - p,
        "thin_margin": 0.0 if checked else 1.0 - margin,
    }


def _line_features(
    cands: Sequence[_Candidate],
    scores: Sequence[_Roles],
    segs: Sequence[_Segment],
    labels: Sequence[str],
) -> list[dict[str, float]]:
    """The layout and lexical features of each candidate line (:data:`.roles.FEATURES`)."""
    if not cands:
        return []
    left = min(s.left for s in segs)
    right = max(s.right for s in segs)
    top = min(s.top for s in segs)
    bottom = max(s.bottom for s in segs)
    width, height = max(right - left, 1), max(bottom - top, 1)
    max_h = max(c.height for c in cands) or 1.0
    heights = sorted(s.height for s in segs)
    median_h = heights[len(heights) // 2] or 1.0
    order = {i: k for k, i in enumerate(sorted({c.seg.index for c in cands}))}
    shapes = [_name_shape(c) for c in cands]
    words = [_role_words(_tokens(sc.title_text)) for sc in scores]

    def beside(a: _Candidate, b: _Candidate) -> bool:
        if a.seg is b.seg:
            return False
        gap = max(b.top - a.bottom, a.top - b.bottom)
        overlap = min(a.right, b.right) - max(a.left, b.left)
        return overlap > 0 and gap < 2.5 * max(a.height, b.height)

    rows = []
    for k, (cand, sc) in enumerate(zip(cands, scores, strict=True)):
        text = cand.text
        tokens = _tokens(text)
        letters = [c for c in text if c.isalpha()]
        gaps = [
            max(s.top - cand.bottom, cand.top - s.bottom)
            for s in segs
            if s is not cand.seg and min(s.right, cand.right) > max(s.left, cand.left)
        ]
        gaps = [g for g in gaps if g >= 0]
        role, senior, unit, function = words[k]
        lexical = sum(
            1
            for t in tokens
            if t in lexicon.TITLE_ROLES
            or t in lexicon.ORG_UNITS
            or t in lexicon.COMPANY_WORDS
            or t in lexicon.ADDRESS_WORDS
            or t in lexicon.COUNTRY_NAMES
        )
        firm = bool(_FIRM.search(text))
        rows.append(
            {
                "rel_height": cand.height / max_h,
                "largest": float(cand.height >= 0.95 * max_h),
                "height_vs_median": min(cand.height / median_h, 3.0) / 3.0,
                "top": (cand.top - top) / height,
                "order": order[cand.seg.index] / max(1, len(order) - 1),
                "centred": max(
                    0.0, 1 - abs((cand.left + cand.right) / 2 - (left + right) / 2) / (width / 2)
                ),
                "left": (cand.left - left) / width,
                "isolated": min(min(gaps, default=3 * cand.height) / max(cand.height, 1), 3.0)
                / 3.0,
                "caps": sum(c.isupper() for c in letters) / len(letters) if letters else 0.0,
                "words": min(len(tokens), 10) / 10,
                "piece": len(cand.words) / max(1, len(cand.seg.words)),
                "ocr": cand.conf,
                "digits": sum(c.isdigit() for c in text) / max(1, len(text)),
                "address": min(_address_score(text)[0], 4.0) / 4.0,
                "name_shape": shapes[k],
                "name_email": sc.name_email,
                "domain_spells": sc.company_domain,
                "title_role": min(role, 2) / 2,
                "seniority": float(senior > 0),
                "org_unit": float(unit > 0),
                "function": float(function > 0),
                "legal_form": float(sc.company_suffix),
                "company_word": float(any(t in lexicon.COMPANY_WORDS for t in tokens)),
                "firm": float(firm),
                "lexicon_words": min(lexical, 3) / 3,
                "near_title": float(
                    any(words[j][0] > 0 and beside(cand, o) for j, o in enumerate(cands) if j != k)
                ),
                "near_name": float(
                    any(shapes[j] >= 0.6 and beside(cand, o) for j, o in enumerate(cands) if j != k)
                ),
                "long": float(len(tokens) > 6),
            }
        )
    return rows


_FIRM = re.compile(
    r"(?i)(?:&|\band\b|\bund\b|\bet\b|\by\b)\s*(?:partners?|associates|"
    r"asociados|associés|associes|söhne|sons|co\b)"
)


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

    fitted = any(s.probs for s in scores)
    # Fitted scores are log-odds against "other": a role is only worth filling above 0.
    floors = (0.0, 0.0, 0.0) if fitted else (2.0, 1.0, 1.5)
    best: tuple[float, tuple[int | None, int | None, int | None]] = (0.0, (None, None, None))
    for ni, ti, ci in itertools.product(
        options(lambda r: r.name, floors[0]),
        options(lambda r: r.title, floors[1]),
        options(lambda r: r.company, floors[2]),
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
            if ni is not None and not fitted:
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


def _read_people(
    segs: Sequence[_Segment],
    skip: set[int],
    email_locals: Sequence[str],
    domains: Sequence[str],
    languages: frozenset[str] = frozenset(),
    leftovers: Mapping[int, tuple[Word, ...]] | None = None,
    second: str | None = None,
) -> tuple[Field[str] | None, str | None, str | None, Field[str] | None, Field[str] | None]:
    """(name, given name, family name, title, company) from the lines outside the contact block.

    ``languages`` are the card's (see :func:`_languages`), for repairing the title;
    ``leftovers`` the words of contact lines that may still be a name ("Jane Doe @jane");
    ``second`` a second OCR engine's text of the card, where one ran.
    """
    labels = _domain_labels(domains)
    cands = _with_suffix_lines(_candidates(segs, skip, [*email_locals, *labels]), segs, skip)
    by_index = {s.index: s for s in segs}
    cands += [_Candidate(by_index[i], words) for i, words in (leftovers or {}).items()]
    max_h = max((c.height for c in cands), default=0.0)
    scores = [_score_roles(c, max_h, email_locals, labels, languages) for c in cands]
    scores = _fitted_scores(cands, scores, segs, labels)
    ni, ti, ci = _assign(cands, scores)
    firm_or_person = ni is None and ci is not None and _person_named_site(cands[ci], scores[ci])
    if firm_or_person:
        # A freelancer's own name, spelled by their domain ("Jane Doe", janedoe.design): a
        # card names its person before anything else, so the line is the name, not a firm.
        assert ci is not None
        sc = scores[ci]
        if sc.probs:
            scores[ci] = dataclasses.replace(sc, name=max(sc.name, sc.company, 0.1), company=-9.0)
        else:
            scores[ci] = dataclasses.replace(sc, name=sc.name + _SPELLED_NAME_PENALTY, company=0.0)
        ni, ti, ci = _assign(cands, scores)

    name = given = family = None
    if ni is not None:
        cand, sc = cands[ni], scores[ni]
        parts = _format_name(cand.text, email_locals, languages, second)
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
            "credential": float(_has_credential(parts.display)),
        }
        hints = _role_hints(sc, "name", features["margin"], sc.name_email >= 0.85)
        conf = _doubted(_calibrated("name", parts.display, features, hints), sc, "name")
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
        hints = _role_hints(sc, "title", features["margin"], sc.title_role)
        conf = _doubted(_calibrated("title", value, features, hints), sc, "title")
        title = Field(value, conf, "ocr+lexicon", printed)
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
        taken = {i for i in (ni, ti) if i is not None}
        lines = _company_lines(cand, [c for i, c in enumerate(cands) if i not in taken and i != ci])
        text = " ".join([_without_noise(lines[0], labels), *(c.text for c in lines[1:])])
        # Letters cut off go back before "l" is read as a capital "I" ("lizé" of "Alizé").
        text = _restored_start(_without_monogram(text), labels)
        value = _fix_suffix_case(_respell(_fix_capital_i(text), pieces))
        features = {
            "ocr": cand.conf,
            "domain": sc.company_domain,
            "suffix": float(sc.company_suffix),
            "margin": _margin(cands, scores, ci, lambda r: r.company),
            "lexicon_only": float(not sc.company_domain and not sc.company_suffix),
            "accented": float(not value.isascii()),
        }
        printed = "\n".join(c.text for c in lines)
        checked = sc.company_domain >= 0.8 or sc.company_suffix
        hints = _role_hints(sc, "company", features["margin"], checked)
        conf = _doubted(_calibrated("company", value, features, hints), sc, "company")
        company = Field(value, conf, source, printed)
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
