"""E-ticket gate: validates ticket QR codes offline and syncs check-ins later."""
