"""terminals: the front-ends people touch (counter POS, kiosk, gate)."""
