"""Text from outside made safe to store, print and export: one cleaner for every way in and out.

(And :func:`phone_form`, the one way every writer shows a phone number.)

A CSV cell, a vCard property or a QR code can carry any characters. Terminal escape
sequences (``ESC ]52`` writes the clipboard, ``ESC ]8`` makes a link, ``ESC [31m`` colours),
other control characters (NUL, backspace, C1 controls) and bidirectional overrides (which
reorder how a name shows) would be stored and then replayed by ``cardscan contacts``, a CSV
opened in a spreadsheet, or a CRM. :func:`clean_text` takes them out; imports call it on
every value, and the writers and the terminal call it again on the way out, so a value
stored before this existed is still shown safely.
"""

from __future__ import annotations

import re

__all__ = ["clean_text", "phone_form"]

# A whole escape sequence, so no "]52;c;…" residue is left once the ESC is gone:
# CSI (ESC [ … final byte), OSC/DCS/APC/PM/SOS strings (ESC ] … BEL or ESC \),
# and two-byte escapes (ESC x). The 8-bit forms start with \x9b (CSI) or \x9d (OSC).
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]P_^X]|[\x90\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
#: Control characters (C0 but tab and line breaks, DEL, C1), the left-to-right and
#: right-to-left marks, and the bidirectional embeddings, overrides and isolates.
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def clean_text(text: str, *, multiline: bool = False) -> str:
    """``text`` without escape sequences, control characters or bidirectional overrides.

    Tabs become spaces. Line breaks are kept as ``\\n`` when ``multiline`` (a note, an
    address written on several lines), else they become spaces too. Nothing else changes:
    letters in any script, accents and emoji are kept as they are.
    """
    if not text:
        return text
    text = _LINE_BREAKS.sub("\n", text)
    text = _ESCAPES.sub("", text)
    text = _HIDDEN.sub("", text).replace("\t", " ")
    if not multiline:
        text = text.replace("\n", " ")
    return text


def phone_form(e164: str | None, raw: str, ext: str | None = None) -> str:
    """The one way every export, ``contacts.csv`` and vCard 3.0 write a phone number.

    A number that validated: ``+1 4155550100 x204``, the country code standing apart from
    the rest so that the cell is text in a spreadsheet (see
    :func:`cardscan.outputs.export.safe_phone_cell`), the extension after " x". A number
    that did not validate: exactly as printed or typed, never reformatted and never given
    a "+" it did not have (its extension added when it was read apart). vCard 4.0 writes a
    valid number as its ``tel:`` URI, E.164 by definition.
    """
    suffix = f" x{ext}" if ext else ""
    if not e164:
        return raw + (suffix if ext and ext not in raw else "")
    from cardscan.reading import validate  # phonenumbers, loaded only to write a number

    region = validate.number_region(e164)
    code = str(validate.code_for_region(region) or "") if region else ""
    digits = e164[1:]
    if code and digits.startswith(code) and len(digits) > len(code):
        return f"+{code} {digits[len(code) :]}{suffix}"
    return e164 + suffix
