"""Customer kiosk: redeems voucher QR codes offline and syncs redemptions later."""
