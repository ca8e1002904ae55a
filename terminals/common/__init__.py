"""What every terminal front-end (counter, kiosk, gate) shares and none owns: how staff and
customers type amounts (amounts.py) and how a receipt is laid out (receipts.py). Pure Python:
importable by any front-end without the agent or the ledger."""
