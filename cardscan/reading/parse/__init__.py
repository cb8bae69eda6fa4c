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

from cardscan.reading.parse.assemble import parse_card, parse_card_readings
from cardscan.reading.parse.names import name_parts

__all__ = ["name_parts", "parse_card", "parse_card_readings"]
