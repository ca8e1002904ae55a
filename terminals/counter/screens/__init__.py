"""The counter's screens: one module per screen, each a FastAPI router."""
