"""Customer pages: the mobile-first balance and validity page (Vietnamese and English)."""
