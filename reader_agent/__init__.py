"""reader_agent: the terminal-side agent next to the card reader."""
