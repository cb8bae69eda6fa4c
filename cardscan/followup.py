"""The follow-up checklist: what to check, then whom to thank, as a Markdown task list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from cardscan.models import CardResult, Phone

#: How to name each field in a "check this" item.
FIELD_LABELS = {
    "name": "name",
    "title": "job title",
    "company": "company",
    "emails": "e-mail",
    "phones": "phone",
    "websites": "website",
    "address": "address",
    "social": "social profile",
}


def _who(result: CardResult) -> str:
    c = result.contact
    who = c.name.value if c.name else "(no name read)"
    if c.company:
        who += f", {c.company.value}"
    return who


def _field_text(result: CardResult, field: str) -> str:
    """The value(s) of a field as shown in a check item."""
    c = result.contact
    single = getattr(c, field, None) if field in ("name", "title", "company", "address") else None
    if single is not None:
        return f'"{single.value}"'
    values = getattr(c, field, ())
    shown = [f.value.number if isinstance(f.value, Phone) else str(f.value) for f in values]
    return ", ".join(f'"{s}"' for s in shown)


def _escape(text: str) -> str:
    """Keep OCR text from being read as Markdown (links, emphasis, headings)."""
    out = text
    for ch in "\\`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


def plan_markdown(results: Sequence[CardResult], review_threshold: float, today: date) -> str:
    """The checklist for a batch, as Markdown.

    Unreadable photos and doubtful values come first, then one thank-you per contact,
    due the next day: prompt follow-up is what gets remembered.
    """
    ok = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    lines = [f"# Follow-up plan — {today.isoformat()}", ""]
    lines.append(f"{len(ok)} contact(s) read, {len(failed)} photo(s) could not be read.")
    lines.append("")

    checks: list[str] = []
    for r in failed:
        checks.append(f"- [ ] Re-take or type in `{r.source}`: {_escape(r.error or 'unreadable')}")
    for r in ok:
        for field, value in r.contact.needs_check(review_threshold).items():
            checks.append(
                f"- [ ] Check the {FIELD_LABELS.get(field, field)} of {_escape(_who(r))}: "
                f"{_escape(_field_text(r, field))} (confidence {value:.2f}, `{r.source}`)"
            )
        if not r.contact.emails and not r.contact.phones:
            checks.append(
                f"- [ ] No e-mail or phone read for {_escape(_who(r))}: look at `{r.source}`"
            )
    if checks:
        lines += ["## Check these first", "", *checks, ""]

    due = today + timedelta(days=1)
    lines += [f"## Follow up by {due.isoformat()}", ""]
    if not ok:
        lines.append("Nothing to follow up yet.")
    for r in ok:
        c = r.contact
        how = c.emails[0].value if c.emails else None
        if how is None and c.phones:
            how = c.phones[0].value.number
        reach = f" — {_escape(how)}" if how else ""
        lines.append(f"- [ ] Send {_escape(_who(r))} a personal thank-you{reach}")
    lines.append("")
    return "\n".join(lines)
