"""Gift cards, vouchers and e-tickets: campaigns, codes, QR payloads, printing."""
