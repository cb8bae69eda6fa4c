"""What leaves the address book: CRM exports, the follow-up plan, introductions, the report."""
