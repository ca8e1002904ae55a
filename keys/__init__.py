"""keys: key management (keystores, diversification, terminal and QR signing keys)."""
