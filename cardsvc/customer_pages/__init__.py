"""The customer pages of the back office: follow-up cases and segments (registered in
cardsvc.backoffice.registry, rendered in its layout)."""
