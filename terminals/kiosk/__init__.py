"""Customer kiosk (`terminals kiosk`): balance, validity, conditions, history, self check-in."""
