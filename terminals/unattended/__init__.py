"""What the unattended terminals share (the gate and the kiosk): the agent calls they make,
settings, texts, the page frame, scanner/camera input and the sound of an answer."""
