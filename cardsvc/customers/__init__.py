"""Customers: records that own instruments, referral rewards, birthday care, feedback with
follow-up cases, the message outbox, privacy and segments (issue 11).

Rules that need no database are pure modules (phones, birthdays, referral_rules, segments'
scoring) and are tested with hypothesis; the rest are services over a unit of work."""
