"""The back office's own pages, one module each (see `cardsvc.backoffice.registry`)."""
