"""The per-scan checklist (followup.md beside contacts.csv)."""

from __future__ import annotations

from datetime import date

from cardscan.models import CardResult, CardStatus, Contact, Field
from cardscan.outputs.followup import scan_checklist


def test_plan_lists_checks_first_then_one_thank_you_per_contact() -> None:
    sure = CardResult(
        "a.jpg",
        contact=Contact(
            name=Field("Ana Ruiz", 0.95),
            company=Field("Sol S.L.", 0.9),
            emails=(Field("ana@sol.es", 0.99),),
        ),
    )
    doubtful = CardResult(
        "b.jpg",
        contact=Contact(
            name=Field("Bo_b *Lee*", 0.95),
            title=Field("Head of Sales", 0.3),
            emails=(Field("bob@lee.com", 0.99),),
        ),
    )
    failed = CardResult("c.jpg", status=CardStatus.FAILED, error="empty file")
    text = scan_checklist([sure, doubtful, failed], 0.6, date(2026, 11, 24))
    checks, follow = text.split("## Follow up by 2026-11-25")
    assert "## Check these first" in checks
    assert "job title of Bo\\_b \\*Lee\\*" in checks and '"Head of Sales"' in checks
    assert "`c.jpg`: empty file" in checks
    assert "Ana Ruiz" not in checks
    assert follow.count("- [ ] Send") == 2
    assert "Ana Ruiz, Sol S.L. a personal thank-you — ana@sol.es" in follow


def test_plan_without_any_card() -> None:
    text = scan_checklist([], 0.6, date(2026, 1, 1))
    assert "Nothing to follow up yet." in text
    assert "Check these first" not in text
