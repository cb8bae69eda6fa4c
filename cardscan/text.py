"""Text from outside made safe to store, print and export: one cleaner for every way in and out.

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

__all__ = ["clean_text"]

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
