"""Emulated cards (DESFire purse, NTAG/UID member card) and the transports that present them."""
