"""Reading one card: orientation by comparing passes, weak lines read again, its language.

A card is first read whole, with English, in the orientation that reads best. Then, in
one more Tesseract call over a montage of lines, the lines that pass read badly are read
again in several variants (binarised, from the raw photo, enlarged: see
:data:`cardscan.reading.imaging.REGION_VARIANTS`), and, when the card looks written in a language
whose data is installed (``--lang auto``), its lines of words are read again with that
language's model. Each line keeps the reading with the best confidence, so the English
and the card's own language are compared line by line. (Reading those lines with
``eng+fra`` instead cost 15 % more and fixed fewer cards: 35 of 40 generated cards right
against 38.) Low-confidence marks where the ink has no text-line structure (logos,
icons, vertical print) are dropped rather than passed on as garbage.

Words keep their boxes in the OCR image's coordinates and their line ids, so the parser's
layout logic sees a re-read line exactly where the first pass put it.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cardscan.config import Settings
from cardscan.errors import MissingDependencyError, OcrError
from cardscan.models import Box, Line, OcrResult, Word
from cardscan.reading import imaging, ocr
from cardscan.reading.ocr import (
    AUTO,
    AUTO_LANGUAGES,
    LANGUAGE_HINT,
    TesseractInfo,
    ocr_image,
    rapid,
    resolve_engine,
)

log = logging.getLogger(__name__)

#: A first OCR pass at least this sure (mean word confidence) is taken as the right
#: orientation without trying the others; below it, the next candidate is read too.
#: Measured on 19 photos (generated and real): the right orientation read at 0.66-0.93,
#: the same card turned 180° at 0.11-0.30, so 0.55 sits in the middle of the gap.
ORIENTATION_TRUST = 0.55
#: Reading fewer characters than this means the pass found no real text.
MIN_TEXT_CHARS = 12
#: A line is read again when its mean confidence is below this, or when one of its
#: words is below WEAK_WORD. Lines read right come back at 0.88-0.96 on the samples;
#: 0.85/0.7 cost a third more re-reading than these for no field gained.
WEAK_LINE = 0.8
WEAK_WORD = 0.6
#: Words below this confidence whose ink has no text-line structure are dropped as junk.
JUNK_CONF = 0.5
#: Height (px) a line is scaled to for its re-read. Word boxes run from ascender to
#: descender, about 1.3 glyph heights: this puts glyphs near the 26 px the whole-card
#: image aims at, and keeps a card's big name line from costing ten times its share.
LINE_HEIGHT = 32.0
#: Line height (px, in the OCR image) below which a line is also read enlarged.
SMALL_LINE = 22.0
#: Variants tried on a weak line; ``large`` only on small lines. On generated hard cases
#: these three fixed as many cards as adding ``plain`` and a locally thresholded raw
#: variant did (25 and 24 of 34), at two thirds of the cost.
WEAK_VARIANTS = ("otsu", "raw", "large")
#: Tesseract's page segmentation for the montage of lines: one uniform block of text.
_MONTAGE_PSM = 6
#: The white margin :func:`cardscan.reading.imaging.montage` leaves at the left of every strip.
_MARGIN = 16
#: At most this many lines are read again per card: the worst first.
MAX_REGIONS = 24

#: Country-code top-level domains and the language cards using them are usually in.
_TLD_LANG = {
    "de": "deu",
    "at": "deu",
    "ch": "deu",
    "fr": "fra",
    "be": "fra",
    "lu": "fra",
    "es": "spa",
    "mx": "spa",
    "ar": "spa",
    "cl": "spa",
    "co": "spa",
    "pe": "spa",
    "it": "ita",
    "nl": "nld",
    "pt": "por",
    "br": "por",
}
#: Telephone country codes, likewise.
_PHONE_LANG = {
    "49": "deu",
    "43": "deu",
    "41": "deu",
    "33": "fra",
    "32": "fra",
    "352": "fra",
    "34": "spa",
    "52": "spa",
    "54": "spa",
    "56": "spa",
    "57": "spa",
    "39": "ita",
    "31": "nld",
    "351": "por",
    "55": "por",
}
#: Words printed on cards that give the language away (lower case, without the final dot).
#: Read by an English model, so accents may be missing: both spellings are listed.
_LANG_WORDS = {
    "deu": {
        "straße", "strasse", "str", "gmbh", "mbh", "kg", "ug", "mobil", "handy", "telefon",
        "zentrale", "geschäftsführer", "geschaftsfuhrer", "geschäftsführerin", "leiter",
        "leiterin", "vertrieb", "ingenieur", "ingenieurin", "berater", "beraterin", "und",
        "für", "fur", "allee", "platz", "deutschland", "österreich", "osterreich", "schweiz",
    },
    "fra": {
        "rue", "avenue", "boulevard", "tél", "portable", "sarl", "sas", "directeur", "directrice",
        "gérant", "gerant", "gérante", "responsable", "cedex", "société", "societe", "ingénieur",
        "conseiller", "conseillère", "chargé", "chargée", "commerciale", "associé", "associée",
        "des",
    },
    "spa": {
        "calle", "avda", "avenida", "móvil", "movil", "teléfono", "telefono", "sl", "s.l",
        "directora", "gerente", "españa", "espana", "méxico", "jefe", "jefa", "ingeniero",
        "ingeniera", "asesor", "asesora", "paseo", "asociados", "ventas", "del",
    },
    "ita": {
        "via", "viale", "piazza", "srl", "s.r.l", "s.p.a", "cellulare", "italia", "direttore",
        "direttrice", "responsabile", "ingegnere", "consulente", "commerciale", "ufficio",
    },
    "nld": {
        "straat", "laan", "plein", "gracht", "bv", "b.v", "nv", "n.v", "telefoon", "mobiel",
        "nederland", "adviseur", "het", "bij", "afdeling", "verkoop", "directeur",
    },
    "por": {
        "rua", "lda", "ltda", "telemóvel", "telemovel", "celular", "portugal", "brasil",
        "diretor", "diretora", "gerente", "vendas",
    },
}  # fmt: skip
#: The country-code domain at the end of a host name (``.fr`` in ``x@y.fr``, not ``.co.jp``).
_EMAIL_OR_WEB = re.compile(r"\w[\w-]*\.([a-z]{2})(?![\w.,-]*\w)", re.IGNORECASE)
#: A country code is trusted only after "+": "00" also starts local numbers and postcodes.
_COUNTRY_CODE = re.compile(r"\+\s?\(?(\d{2,3})")
_JOINT = re.compile(r"(?<=\w)[.@](?=\w)")
_WORDY = re.compile(r"[^\W\d_]{3,}")

#: Languages a warning has been given for in this process (say it once, not per card).
_WARNED: set[str] = set()


@dataclass(frozen=True)
class _Region:
    """A line to read again: where it is, what the first pass read there, and how."""

    box: Box
    words: tuple[Word, ...]
    variants: tuple[str, ...]
    scale: float


@dataclass(frozen=True)
class _Strip:
    region: int
    variant: str
    crop: tuple[int, int, int, int]
    scale: float


def text_score(words: Sequence[Word]) -> float:
    """How much real text a reading holds: confident characters of word-like tokens.

    Text read upside down or sideways, or a logo read as letters, comes back as short,
    low-confidence junk, so squaring the confidence and ignoring one-character tokens
    separates good readings from bad ones well.
    """
    return sum(
        w.conf * w.conf * len(w.text)
        for w in words
        if len(w.text) > 1 and any(ch.isalnum() for ch in w.text)
    )


def sideways(word: Word) -> bool:
    """A word of three or more letters or digits whose box is taller than wide.

    Printed upright, three characters are wider than they are tall; a box that stands on
    end holds a line Tesseract read running down the image, its words in a column.
    """
    return sum(ch.isalnum() for ch in word.text) >= 3 and word.box.height > 1.2 * word.box.width


def card_language(text: str, available: Sequence[str] = tuple(AUTO_LANGUAGES)) -> list[str]:
    """Languages besides English a card's text looks written in, most likely first.

    The evidence: e-mail and web domains (``.de``, ``.fr``…), phone country codes
    (``+34``), and words cards print (``GmbH``, ``Tél.``, ``Móvil``, ``rue``, ``calle``).
    A language needs two points (a domain or a country code counts two, a word one) and
    must be in ``available``.

    Returns:
        Language codes such as ``["fra"]``; two when they tie; empty for English cards.
    """
    points = dict.fromkeys(AUTO_LANGUAGES, 0)
    lowered = text.lower()
    for tld in {m.group(1) for m in _EMAIL_OR_WEB.finditer(lowered)}:
        if tld in _TLD_LANG:
            points[_TLD_LANG[tld]] += 2
    for code in {m.group(1) for m in _COUNTRY_CODE.finditer(text)}:
        # "+351…" matches as 35 and 351: take the longest code that names a language.
        for n in (3, 2):
            if code[:n] in _PHONE_LANG:
                points[_PHONE_LANG[code[:n]]] += 2
                break
    tokens = {t.strip(".,:;()[]|/") for t in lowered.split()}
    for lang, words in _LANG_WORDS.items():
        points[lang] += len(tokens & words)
    ranked = sorted(
        (lang for lang in points if points[lang] >= 2 and lang in available),
        key=lambda lang: -points[lang],
    )
    if not ranked:
        return []
    return [lang for lang in ranked if points[lang] == points[ranked[0]]][:2]


def read_card(card_image: imaging.Image8, info: TesseractInfo, settings: Settings) -> OcrResult:
    """OCR one straightened card: orientation, weak lines read again, the card's language.

    Tesseract's own orientation detection needs osd.traineddata, which the wheel lacks,
    so imaging ranks the four rotations and we read as few of them as it takes. A card
    read well in one pass costs exactly that pass; more is spent only on weak lines and
    on cards whose language Tesseract can add.
    """
    engine = resolve_engine(settings.engine)
    prepared = imaging.prepare_card(card_image)
    lang = "eng" if settings.lang == AUTO else settings.lang
    best = _orient(prepared, info, settings, lang)
    image = imaging.rotate(prepared.image, best.rotation)
    raw: list[imaging.Image8] = []

    def raw_image() -> imaging.Image8:
        if not raw:
            raw.append(imaging.rotate(prepared.raw(), best.rotation))
        return raw[0]

    if engine == ocr.RAPIDOCR:
        return _rapid_card(best, raw_image())
    second = _card_model(best, info) if settings.lang == AUTO else None
    regions = _regions(best, bool(second))
    if regions:
        best = _reread(best, regions, image, raw_image, info, settings, second or lang)
    result = _drop_junk(best, image)
    if engine == ocr.BOTH:
        result = second_reading(result, raw_image())
    return result


def _orient(
    prepared: imaging.PreparedCard, info: TesseractInfo, settings: Settings, lang: str
) -> OcrResult:
    """The whole-card pass in the orientation that reads best, trying as few as it takes."""
    best: OcrResult | None = None
    best_score = -1.0
    for i, rotation in enumerate(prepared.candidates):
        result = ocr_image(
            imaging.rotate(prepared.image, rotation),
            info,
            lang=lang,
            timeout=settings.ocr_timeout,
            rotation=rotation,
        )
        # Tesseract also reads lines that run down the image (the card a quarter turn off)
        # with good confidence; their words (see :func:`sideways`) count nothing, so the
        # other axis is tried.
        upright = [w for w in result.words if not sideways(w)]
        score = text_score(upright)
        if best is None or score > best_score:
            best, best_score = result, score
        chars = sum(len(w.text) for w in best.words if not sideways(w))
        if best.mean_conf >= ORIENTATION_TRUST and chars >= MIN_TEXT_CHARS:
            break
        # The two candidates of the more likely axis are enough unless both read nothing.
        if i == 1 and chars >= MIN_TEXT_CHARS and best.mean_conf >= 0.5:
            break
    assert best is not None
    return best


def _card_model(result: OcrResult, info: TesseractInfo) -> str | None:
    """The card's own language (``fra``) when it looks written in one that is installed.

    A missing language is said once per process, with how to add it.
    """
    langs = card_language(result.text)
    have = [code for code in langs if code in info.languages]
    for code in langs:
        if code not in have and code not in _WARNED:
            _WARNED.add(code)
            log.warning(
                "a card looks %s, but Tesseract has no %s.traineddata: reading it with "
                "English only, so accents may be lost. To add it: %s (see `cardscan doctor`)",
                AUTO_LANGUAGES[code],
                code,
                LANGUAGE_HINT.format(code=code),
            )
    return "+".join(have) if have else None


def _is_weak(line: Line) -> bool:
    if line.conf < WEAK_LINE:
        return True
    return any(w.conf < WEAK_WORD for w in line.words if len(w.text) > 1)


def _regions(result: OcrResult, language: bool) -> list[_Region]:
    """The lines to read again, the worst first.

    Weak lines get every variant; with ``language``, every other line of words is read
    once more as it is (with the card's language model).
    """
    picked: list[tuple[float, _Region]] = []
    for line in result.lines:
        weak = _is_weak(line)
        wordy = language and any(_WORDY.search(w.text) for w in line.words)
        if not weak and not wordy:
            continue
        small = line.height < SMALL_LINE
        variants = tuple(v for v in WEAK_VARIANTS if v != "large" or small) if weak else ("plain",)
        scale = min(2.5, max(0.25, LINE_HEIGHT / max(line.height, 1.0)))
        region = _Region(_band(line), line.words, variants, scale)
        picked.append((line.conf if weak else 2.0, region))
    picked.sort(key=lambda p: p[0])
    return [region for _, region in picked[:MAX_REGIONS]]


def _band(line: Line) -> Box:
    """The line's extent: full width, but only the typical word's top to bottom.

    A logo or a stray mark read as part of the line can reach far above or below it;
    its union box would take in the neighbouring lines too.
    """
    tops = sorted(w.box.top for w in line.words)
    bottoms = sorted(w.box.bottom for w in line.words)
    top, bottom = tops[len(tops) // 2], bottoms[len(bottoms) // 2]
    box = line.box
    return Box(box.left, top, box.width, max(1, bottom - top))


def _reread(
    result: OcrResult,
    regions: Sequence[_Region],
    image: imaging.Image8,
    raw_image: Callable[[], imaging.Image8],
    info: TesseractInfo,
    settings: Settings,
    lang: str,
) -> OcrResult:
    """Read every region in every variant in one Tesseract call; keep each line's best."""
    strips: list[_Strip] = []
    pictures: list[imaging.Image8] = []
    height, width = image.shape[:2]
    for index, region in enumerate(regions):
        b = region.box
        pad_y = max(2, round(0.1 * b.height))
        pad_x = max(4, round(0.4 * b.height))
        left, top = max(0, b.left - pad_x), max(0, b.top - pad_y)
        crop = (left, top, min(width, b.right + pad_x) - left, min(height, b.bottom + pad_y) - top)
        for variant in region.variants:
            raw = raw_image() if variant == "raw" else None
            picture = imaging.region_variant(image, raw, crop, variant, region.scale)
            scale = region.scale * (2.0 if variant == "large" else 1.0)
            strips.append(_Strip(index, variant, crop, scale))
            pictures.append(picture)
    tallest = max(p.shape[0] for p in pictures)
    sheet, tops = imaging.montage(pictures, gap=max(16, round(0.8 * tallest)), margin=_MARGIN)
    try:
        read = ocr_image(sheet, info, lang=lang, psm=_MONTAGE_PSM, timeout=settings.ocr_timeout)
    except MissingDependencyError:
        raise
    except OcrError as e:  # the first pass stands; a failed second look loses nothing
        log.debug("re-reading %d lines failed: %s", len(regions), e)
        return result
    # Per region, the first pass's words of the other lines.
    others = [
        [w.box for w in result.words if all(w is not own for own in region.words)]
        for region in regions
    ]
    readings: dict[tuple[int, str], list[Word]] = {}
    for word in read.words:
        i = _strip_of(word, tops, pictures)
        if i is None:
            continue
        strip = strips[i]
        x0, y0 = strip.crop[0], strip.crop[1]
        box = Box(
            x0 + round((word.box.left - _MARGIN) / strip.scale),
            y0 + round((word.box.top - tops[i]) / strip.scale),
            max(1, round(word.box.width / strip.scale)),
            max(1, round(word.box.height / strip.scale)),
        )
        region = regions[strip.region]
        # Bits of the neighbouring lines inside the padding are not this line's words;
        # nor is a word lying on a word of another line: a tall band (a logo beside a
        # line) takes in its neighbour, which would then be on the card twice.
        if not region.box.top <= box.cy <= region.box.bottom or _on_any(box, others[strip.region]):
            continue
        first = region.words[0]
        readings.setdefault((strip.region, strip.variant), []).append(
            Word(word.text, word.conf, box, first.block, first.par, first.line)
        )
    chosen: dict[int, tuple[Word, ...]] = {}
    for index, region in enumerate(regions):
        best, best_score = region.words, text_score(region.words)
        for variant in region.variants:
            words = readings.get((index, variant), [])
            score = text_score(words)
            if words and score > best_score and _keeps_shape(region.words, words):
                best, best_score = tuple(sorted(words, key=lambda w: w.box.left)), score
        if best is not region.words:
            log.debug(
                "line %r read again as %r",
                " ".join(w.text for w in region.words),
                " ".join(w.text for w in best),
            )
            chosen[index] = best
    return _replace_lines(result, regions, chosen)


def _on_any(box: Box, boxes: Sequence[Box]) -> bool:
    """Whether ``box``'s centre lies inside one of ``boxes``."""
    return any(b.left <= box.cx <= b.right and b.top <= box.cy <= b.bottom for b in boxes)


def _keeps_shape(old: Sequence[Word], new: Sequence[Word]) -> bool:
    """Whether a new reading keeps the old one's joints and digits.

    Binarising or enlarging can erase the dots of ``www.x.uk`` or a digit and still come
    back more confident; e-mails, hosts and numbers are what a card is for, so a reading
    with fewer ``x.y``/``x@y`` joints or fewer digits in its numbers is not taken.
    """
    before, after = " ".join(w.text for w in old), " ".join(w.text for w in new)
    if len(_JOINT.findall(after)) < len(_JOINT.findall(before)):
        return False
    return _number_digits(new) >= _number_digits(old)


def _number_digits(words: Sequence[Word]) -> int:
    """Digits in number-like words; a 6 misread inside a word ("Administraci6n") is no digit."""
    total = 0
    for w in words:
        digits = sum(ch.isdigit() for ch in w.text)
        if digits and 2 * digits >= sum(ch.isalnum() for ch in w.text):
            total += digits
    return total


def _strip_of(word: Word, tops: Sequence[int], pictures: Sequence[imaging.Image8]) -> int | None:
    """Which montage strip a word read from the montage lies in (None: in a gap)."""
    cy = word.box.cy
    for i, (top, picture) in enumerate(zip(tops, pictures, strict=True)):
        if top <= cy < top + picture.shape[0]:
            return i
    return None


def _replace_lines(
    result: OcrResult, regions: Sequence[_Region], chosen: dict[int, tuple[Word, ...]]
) -> OcrResult:
    """The result with each chosen region's words put where its old words were."""
    if not chosen:
        return result
    owner = {id(w): i for i, region in enumerate(regions) if i in chosen for w in region.words}
    words: list[Word] = []
    emitted: set[int] = set()
    for w in result.words:
        i = owner.get(id(w))
        if i is None:
            words.append(w)
        elif i not in emitted:
            emitted.add(i)
            words.extend(chosen[i])
    return OcrResult(tuple(words), result.width, result.height, result.rotation)


def _drop_junk(result: OcrResult, image: imaging.Image8) -> OcrResult:
    """Drop low-confidence words whose ink is no line of glyphs: logos, icons, vertical print."""
    keep: list[Word] = []
    dropped: list[str] = []
    for w in result.words:
        if w.conf < JUNK_CONF and not _looks_printed(w, image):
            dropped.append(w.text)
            continue
        keep.append(w)
    if not dropped:
        return result
    log.debug("dropped as logo or rule: %s", " ".join(dropped))
    return OcrResult(tuple(keep), result.width, result.height, result.rotation)


def _looks_printed(word: Word, image: imaging.Image8) -> bool:
    """Whether a word's box holds glyphs in a row (a word), not one shape (a logo)."""
    b = word.box
    pad = max(2, round(0.15 * b.height))
    box = (b.left - pad, b.top - pad, b.width + 2 * pad, b.height + 2 * pad)
    return imaging.has_text_structure(image, box)


#: A segment's second reading replaces Tesseract's when the recognizer is at least this sure.
SECOND_MIN_SCORE = 0.8
#: Padding around a segment for its second reading, in line heights (above/below, sides).
_SECOND_PAD = (0.25, 0.3)
#: A gap between two words wider than this many line heights splits a line into segments
#: read apart: across a column gap the recognizer runs the two columns' words together.
_SEGMENT_GAP = 1.2
#: A second reading shorter than this share of Tesseract's characters is a misreading (an
#: icon beside the line read as one letter), not a correction.
_MIN_LENGTH_SHARE = 0.7
_DOUBLED_DOT = re.compile(r"(?<!\.)\.\.(?!\.)")
#: Segments with fewer letters and digits than this are left alone: on a mark or two the
#: recognizer invents text with full confidence.
_MIN_SEGMENT_CHARS = 3


def second_reading(result: OcrResult, image: imaging.Image8) -> OcrResult:
    """Every line Tesseract read, read again by RapidOCR's recognizer; the better kept.

    The recognizer alone costs about 40 ms a line on one core (detection over the whole
    card would cost seconds), so each Tesseract line is cut from ``image`` (split into
    segments at column gaps) and all segments are recognised in one batch. A segment
    takes the second reading when :func:`merge_reading` says so; its words are laid over
    the segment's band, so the parser finds them where Tesseract put them.
    """
    segments = [
        seg
        for line in result.lines
        for seg in _segments(line)
        if _alnum(" ".join(w.text for w in seg)) >= _MIN_SEGMENT_CHARS
    ]
    if not segments:
        return result
    height, width = image.shape[:2]
    crops: list[imaging.Image8] = []
    bands: list[Box] = []
    for seg in segments:
        b = _band(Line(tuple(seg)))
        pad_y = max(2, round(_SECOND_PAD[0] * b.height))
        pad_x = max(4, round(_SECOND_PAD[1] * b.height))
        left, top = max(0, b.left - pad_x), max(0, b.top - pad_y)
        right, bottom = min(width, b.right + pad_x), min(height, b.bottom + pad_y)
        crops.append(image[top:bottom, left:right])
        bands.append(b)
    try:
        readings = rapid.recognize(crops)
    except OcrError as e:  # the first reading stands
        log.debug("second reading of %d segments failed: %s", len(segments), e)
        return result
    # What the recognizer read, kept beside the words for the confidence's second stage.
    second = "\n".join(text for text, _score in readings)
    replaced: dict[int, tuple[Word, ...]] = {}
    for seg, band, (text, score) in zip(segments, bands, readings, strict=False):
        tokens = [w.text for w in seg]
        merged = merge_reading(tokens, text, score)
        if merged is None:
            continue
        first = seg[0]
        words = tuple(
            Word(w.text, w.conf, w.box, first.block, first.par, first.line)
            for w in rapid.spread_words(merged, score, band)
        )
        log.debug("%r read again by RapidOCR as %r (%.2f)", " ".join(tokens), merged, score)
        replaced[id(first)] = words
        for w in seg[1:]:
            replaced[id(w)] = ()
    if not replaced:
        return dataclasses.replace(result, second=second)
    words_out: list[Word] = []
    for w in result.words:
        words_out.extend(replaced.get(id(w), (w,)))
    return OcrResult(tuple(words_out), result.width, result.height, result.rotation, second)


def _segments(line: Line) -> list[list[Word]]:
    """A line's words split at gaps wider than :data:`_SEGMENT_GAP` line heights."""
    words = sorted(line.words, key=lambda w: w.box.left)
    if not words:
        return []
    height = sorted(w.box.height for w in words)[len(words) // 2]
    out: list[list[Word]] = [[words[0]]]
    for prev, word in itertools.pairwise(words):
        if word.box.left - prev.box.right > _SEGMENT_GAP * height:
            out.append([word])
        else:
            out[-1].append(word)
    return out


def _alnum(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


#: The recognizer's score above which its accents win over Tesseract's where both read as
#: many accented letters but different ones.
ACCENT_TRUST = 0.9


def merge_reading(tokens: Sequence[str], text: str, score: float) -> str | None:
    """RapidOCR's reading of a segment, spaced like Tesseract's, if it should replace it.

    Returns None to keep Tesseract's. The second reading is refused when the recognizer
    is unsure, when it is much shorter (an icon read as a letter), when it loses an
    ``@``, digits of a number or a separator such as ``|``. When both spell the same
    letters but for accents, the one with more accents wins (Tesseract's card-language
    model has them where the recognizer dropped one); with as many, but others ("Riviére"
    against "Rivière"), the recognizer's when it is sure (:data:`ACCENT_TRUST`): its
    models know accented letters, Tesseract's English model, read where the card's
    language is not installed, hardly does. Spaces the recognizer ran together
    where Tesseract saw two words are put back (``10115-Berline-mail:`` →
    ``10115 - Berlin e-mail:``).
    """
    old = " ".join(tokens)
    if score < SECOND_MIN_SCORE or not text.strip():
        return None
    if ".." not in old:
        # The recognizer doubles a final dot ("M.Sc.."); cards print none.
        text = _DOUBLED_DOT.sub(".", text)
    new = respace(tokens, text)
    if "".join(new.split()) == "".join(old.split()):
        return None
    if _alnum(new) < _MIN_LENGTH_SHARE * _alnum(old):
        return None
    if new.count("@") < old.count("@") or _number_digits_text(new) < _number_digits_text(old):
        return None
    if _plain(new) == _plain(old) and (
        _accents(old) > _accents(new) or (_accents(old) == _accents(new) and score < ACCENT_TRUST)
    ):
        return None
    if _letters(new) == _letters(old) and len(_plain(new)) < len(_plain(old)):
        # Only punctuation differs and the recognizer has less of it: it dropped a
        # separator ("Name | @handle") that tells the parser where one value ends.
        return None
    return new


def _letters(text: str) -> str:
    """Letters and digits only, without accents, lower case."""
    return "".join(ch for ch in _plain(text).casefold() if ch.isalnum())


def _number_digits_text(text: str) -> int:
    return _number_digits([Word(t, 1.0, Box(0, 0, 1, 1)) for t in text.split()])


def _plain(text: str) -> str:
    """The text without accents and spaces: 'Martín Ruiz' → 'MartinRuiz'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not ch.isspace() and not unicodedata.combining(ch))


def _accents(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha() and not ch.isascii())


def respace(tokens: Sequence[str], text: str) -> str:
    """``text`` with a space wherever Tesseract's tokens had a word boundary it lacks.

    The two readings' characters are aligned (:class:`difflib.SequenceMatcher`) and each
    of Tesseract's boundaries is carried over to the same place in ``text``.
    """
    ours = text.split()
    if len(ours) >= len(tokens):
        return " ".join(ours)
    old, new = "".join(tokens), "".join(ours)
    cuts = set(itertools.accumulate(len(t) for t in ours[:-1]))
    theirs = list(itertools.accumulate(len(t) for t in tokens[:-1]))
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for cut in theirs:
            if not i1 <= cut < i2 or tag == "insert":
                continue
            if tag == "equal":
                cuts.add(j1 + cut - i1)
            elif tag == "replace" and i2 > i1:
                cuts.add(j1 + round((cut - i1) * (j2 - j1) / (i2 - i1)))
    cuts = {c for c in cuts if 0 < c < len(new)}
    bounds = [0, *sorted(cuts), len(new)]
    return " ".join(new[a:b] for a, b in itertools.pairwise(bounds) if new[a:b])


def _rapid_card(first: OcrResult, image: imaging.Image8) -> OcrResult:
    """The whole card read by RapidOCR, in the orientation Tesseract's pass found."""
    try:
        return rapid.read_image(image, first.rotation)
    except OcrError as e:
        log.warning("RapidOCR failed on a card, kept Tesseract's reading: %s", e)
        return first
