"""One contact from several readings of the same card: a QR code, and the card's two sides.

A card can be read more than once: the printed text and a QR code on it, or its front and
back in two photos. ``merge_contacts`` folds a second reading into the first without losing
a value, and without keeping both an OCR slip and the value it misread ("jane@exarnple.com"
beside "jane@example.com"). ``pair_photos`` decides which photos are two sides of one card
and ``combine_sides`` turns their results into one record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import TypeVar

from cardscan.errors import ConfigError
from cardscan.models import CardResult, Contact, Field, Phone

T = TypeVar("T")

#: Two values (an e-mail's local part and domain compared separately) this similar are one
#: value read twice, one with an OCR slip: 0.85 joins "jane.dae"/"jane.doe" (0.88) and keeps
#: "ana"/"ian" (0.67) apart. Whole addresses would not do: "ana@…" and "ian@…" share 93%.
NEAR_DUPLICATE = 0.85
#: Glyphs OCR confuses, folded to one form before values are compared.
_CONFUSABLE = (
    ("rn", "m"),
    ("vv", "w"),
    ("cl", "d"),
    ("0", "o"),
    ("1", "l"),
    ("i", "l"),
    ("|", "l"),
)
#: Phone numbers sharing this many trailing digits are the same line written two ways
#: (national vs international form, a misread country code).
PHONE_TAIL = 8

_SIDE = re.compile(r"^(?P<stem>.+?)[ _.\-](?P<side>front|back)$", re.IGNORECASE)


def _key(kind: str, value: object) -> str:
    """The form two values of ``kind`` must share to be the same value."""
    if isinstance(value, Phone):
        return (value.e164 or re.sub(r"\D", "", value.raw)) + f"x{value.extension or ''}"
    text = str(value).strip().lower()
    if kind == "websites":
        text = re.sub(r"^(?:https?://)?(?:www\.)?", "", text).rstrip("/")
    return text


def _near(kind: str, a: object, b: object, fuzzy: bool) -> bool:
    """Whether ``a`` and ``b`` are one value read twice (one of them possibly misread).

    Glyphs OCR confuses (rn/m, 0/o, 1/l) always count as one value. Other small
    differences ("jane.dae" beside "jane.doe") only when ``fuzzy``: against an exact
    reading (a QR code) the near miss is OCR's slip, but between two OCR readings it may
    be a second, real value ("sale@" and "sales@", "acme-us.com" and "acme-uk.com"), and
    a merge must never lose a value.
    """
    if isinstance(a, Phone) and isinstance(b, Phone):
        if a.extension and b.extension and a.extension != b.extension:
            return False  # two desks behind one switchboard number
        da = re.sub(r"\D", "", a.e164 or a.raw)
        db = re.sub(r"\D", "", b.e164 or b.raw)
        return len(da) >= PHONE_TAIL and da[-PHONE_TAIL:] == db[-PHONE_TAIL:]
    ka, kb = _fold(_key(kind, a)), _fold(_key(kind, b))
    if ka == kb:
        return True
    if not fuzzy:
        return False
    if kind == "emails" and "@" in ka and "@" in kb:
        (la, da), (lb, db) = ka.rsplit("@", 1), kb.rsplit("@", 1)
        return _similar(la, lb) and _similar(da, db)
    return _similar(ka, kb)


def _fold(text: str) -> str:
    for seen, meant in _CONFUSABLE:
        text = text.replace(seen, meant)
    return text


def _similar(a: str, b: str) -> bool:
    return SequenceMatcher(None, a, b).ratio() >= NEAR_DUPLICATE


def _tag(f: Field[T], source: str | None) -> Field[T]:
    return f if source is None else replace(f, source=source)


def _merge_many(
    kind: str,
    ours: Sequence[Field[T]],
    theirs: Sequence[Field[T]],
    prefer_theirs: bool,
    source: str | None,
) -> tuple[Field[T], ...]:
    """Union of two value lists; a value read by both keeps the preferred reading."""
    merged: list[Field[T]] = list(ours)
    for f in theirs:
        f = _tag(f, source)
        same = [i for i, g in enumerate(merged) if _key(kind, g.value) == _key(kind, f.value)]
        near = same or [
            i for i, g in enumerate(merged) if _near(kind, g.value, f.value, prefer_theirs)
        ]
        if not near:
            merged.append(f)
            continue
        i = near[0]
        if prefer_theirs or f.confidence > merged[i].confidence:
            merged[i] = _keep_type(merged[i], f)
    return tuple(merged)


def _keep_type(old: Field[T], new: Field[T]) -> Field[T]:
    """``new``, keeping the phone type and extension the printed card gave ``old``.

    A QR vCard often types every number as plain "work" while the card's label said
    "Mobile"; the printed label is the better witness of the type.
    """
    if isinstance(old.value, Phone) and isinstance(new.value, Phone):
        phone = new.value
        if phone.type.value == "work" and old.value.type.value != "work":
            phone = replace(phone, type=old.value.type)
        if not phone.extension and old.value.extension:
            phone = replace(phone, extension=old.value.extension)
        return replace(new, value=phone)
    return new


def _pick(
    ours: Field[str] | None, theirs: Field[str] | None, prefer_theirs: bool, source: str | None
) -> Field[str] | None:
    if theirs is None:
        return ours
    if ours is None:
        return _tag(theirs, source)
    if prefer_theirs:
        if _words(theirs.value) < _words(ours.value):
            # The printed form says more ("Jane Doe, MBA" beside the QR's "Jane Doe") and
            # the exact reading confirms every word of it: keep it, as sure as the QR.
            return replace(ours, confidence=max(ours.confidence, theirs.confidence))
        return _tag(theirs, source)
    return ours


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def merge_contacts(
    primary: Contact, extra: Contact, *, prefer_extra: bool = False, source: str | None = None
) -> Contact:
    """Fold ``extra`` into ``primary`` without losing a value.

    Args:
        primary: the main reading (the printed front).
        extra: another reading of the same card (its QR code, its back).
        prefer_extra: take ``extra``'s value where both have one (a decoded QR code is
            exact; OCR is not). Otherwise ``primary`` wins single fields, and of a value
            read by both the more confident reading is kept.
        source: re-label ``extra``'s values with this provenance (e.g. ``"back"``).
    """
    name = _pick(primary.name, extra.name, prefer_extra, source)
    from_extra = name is not None and name is not primary.name
    donor = extra if from_extra else primary
    return Contact(
        name=name,
        given_name=donor.given_name or (primary.given_name if from_extra else extra.given_name),
        family_name=donor.family_name or (primary.family_name if from_extra else extra.family_name),
        title=_pick(primary.title, extra.title, prefer_extra, source),
        company=_pick(primary.company, extra.company, prefer_extra, source),
        emails=_merge_many("emails", primary.emails, extra.emails, prefer_extra, source),
        phones=_merge_many("phones", primary.phones, extra.phones, prefer_extra, source),
        websites=_merge_many("websites", primary.websites, extra.websites, prefer_extra, source),
        address=_pick(primary.address, extra.address, prefer_extra, source),
        social=_merge_many("social", primary.social, extra.social, prefer_extra, source),
        issues=tuple(dict.fromkeys(primary.issues + extra.issues)),
    )


@dataclass(frozen=True)
class PhotoGroup:
    """The photos of one physical card: its front and, when photographed, its back."""

    front: Path
    back: Path | None = None


def side_of(path: Path) -> tuple[str, str] | None:
    """``(stem, "front"|"back")`` for photos named like ``x_front.jpg``, else None."""
    m = _SIDE.match(path.stem)
    return (m["stem"].lower(), m["side"].lower()) if m else None


def pair_photos(photos: Sequence[Path], pair_all: bool = False) -> list[PhotoGroup]:
    """Group photos into cards, in input order.

    ``x_front.jpg`` and ``x_back.jpg`` in the same folder are always one card (a back
    without its front stays a card of its own). With ``pair_all`` (``--pair``), the photos
    are taken two at a time in order — front, back, front, back — whatever their names.

    Raises:
        ConfigError: ``pair_all`` with an odd number of photos.
    """
    if pair_all:
        if len(photos) % 2:
            raise ConfigError(
                f"--pair needs front and back photos, two per card, but {len(photos)} "
                "photos were given",
                "add the missing side, or leave --pair out and name the sides "
                "x_front.jpg / x_back.jpg",
            )
        return [PhotoGroup(photos[i], photos[i + 1]) for i in range(0, len(photos), 2)]
    sides: dict[tuple[Path, str, str], Path] = {}
    for p in photos:
        side = side_of(p)
        if side:
            sides.setdefault((p.parent, *side), p)
    groups: list[PhotoGroup] = []
    for p in photos:
        side = side_of(p)
        if side is None:
            groups.append(PhotoGroup(p))
            continue
        stem = side[0]
        front = sides.get((p.parent, stem, "front"))
        back = sides.get((p.parent, stem, "back"))
        if front is None or back is None:
            groups.append(PhotoGroup(p))  # a side without its other half is a card alone
        elif p == front:
            groups.append(PhotoGroup(front, back))
        elif p != back:
            groups.append(PhotoGroup(p))  # a second photo with the same side name
        # The back, when its front is here too, is read with the front (sorted walks put
        # "x_back" before "x_front").
    return groups


def combine_sides(front: Sequence[CardResult], back: Sequence[CardResult]) -> list[CardResult]:
    """One record per card from the results of its front and back photos.

    The n-th card of the front photo pairs with the n-th card of the back. A side that
    gave nothing (a back with only a logo fails as "no contact details") does not fail the
    card; only when neither side could be read is the card a failure, the front's.
    """
    back_path = back[0].source if back else None
    out: list[CardResult] = []
    for i in range(max(len(front), len(back))):
        f = front[i] if i < len(front) else None
        b = back[i] if i < len(back) else None
        base = f if f is not None and f.ok else None
        other = b if b is not None and b.ok else None
        if base is None and other is None:
            failed = f or b
            assert failed is not None
            out.append(replace(failed, back=back_path))
            continue
        if base is None:
            assert other is not None
            source = f.source if f is not None else front[0].source if front else other.source
            # Every value came from the back photo: say so, as a merged card would.
            contact = merge_contacts(Contact(), other.contact, source="back")
            out.append(replace(other, source=source, back=back_path, card=i, contact=contact))
            continue
        if other is None:
            out.append(replace(base, back=back_path))
            continue
        out.append(
            replace(
                base,
                back=back_path,
                contact=merge_contacts(base.contact, other.contact, source="back"),
                text=f"{base.text}\n{other.text}",
                seconds=base.seconds + other.seconds,
            )
        )
    return out


def results_for(
    groups: Sequence[PhotoGroup], by_photo: Mapping[str, Sequence[CardResult]]
) -> list[CardResult]:
    """Every record of a run, in photo order, the two sides of each card merged."""
    out: list[CardResult] = []
    for g in groups:
        front = by_photo.get(str(g.front), ())
        if g.back is None:
            out.extend(front)
        else:
            out.extend(combine_sides(front, by_photo.get(str(g.back), ())))
    return out
