"""Online contact details: e-mail addresses, websites and social profiles."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from cardscan import lexicon
from cardscan.models import mean_conf
from cardscan.reading import validate
from cardscan.reading.parse.lines import _PUNCT_EDGES, _fold, _Found, _Segment, _tokens, _words_in
from cardscan.reading.parse.text import _legal_suffix, _ocr_distance

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
        # A word printed with "@" in front and no dot ("Jane Doe @janedoe") is a handle.
        handle = tok.startswith("@") and "." not in tok and len(tok) > 1
        m = re.search(r"[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]{2,}(?=\.?$)", addr)
        if m and not handle:
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
                tld not in validate.KNOWN_TLDS or not (labelled or len(_split_domain(host)[1]) >= 3)
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
        last.lower() not in validate.KNOWN_TLDS or not last.islower()
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
    emails = [_dot_before_tld(e) for e in emails]
    sites = [_completed_site(s, emails) for s in sites]
    emails = [_at_misread(e, sites) for e in emails]
    readings = [(e.value.rsplit("@", 1)[1], mean_conf(e.words)) for e in emails]
    readings += [(s.value.split("/")[0], mean_conf(s.words)) for s in sites]
    spelled = _spelled_labels(segs, {f.seg for f in [*emails, *sites]})
    agreed = _domain_consensus(readings, spelled)
    emails = _dedupe([_with_domain(e, agreed, email=True) for e in emails])
    sites = _dedupe([_with_domain(s, agreed, email=False) for s in sites])
    return emails, sites, social


def _dot_before_tld(email: _Found) -> _Found:
    """An e-mail whose domain lost its last dot ("jane@exampleai" for ``jane@example.ai``).

    Repaired only when exactly one known top-level domain ends the run of letters and
    leaves a label of three letters or more before it.
    """
    local, _, domain = email.value.rpartition("@")
    if email.valid or not local or "." in domain or not domain.isalnum():
        return email
    splits = [
        f"{domain[:-k]}.{domain[-k:]}"
        for k in (2, 3, 4)
        if len(domain) - k >= 3 and domain[-k:] in validate.KNOWN_TLDS
    ]
    if len(splits) != 1:
        return email
    value = validate.normalize_email(f"{local}@{splits[0]}")
    if value is None:
        return email
    return dataclasses.replace(email, value=value, valid=True, repaired=True)


def _completed_site(site: _Found, emails: Sequence[_Found]) -> _Found:
    """A website whose country TLD OCR lost after a second level ("www.x.co" for x.co.jp).

    Completed from the e-mail domain that continues it; "x.co" alone is a real domain,
    so only the card's own e-mail can say it was cut short.
    """
    host, sep, path = site.value.partition("/")
    domains = [e.value.rsplit("@", 1)[1] for e in emails if e.valid]
    if host.startswith("www") and not host.startswith("www.") and host[3:] in domains:
        # "wwwexample.com": the dot after "www" was lost; the e-mail spells the rest.
        value = "www." + host[3:] + sep + path
        return dataclasses.replace(site, value=value, valid=True, repaired=True)
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
    """An e-mail whose "@" OCR read as a letter and a letter as "@".

    ("ko-h@nadagexample.jp" for ko-hanada@example.jp.)

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
