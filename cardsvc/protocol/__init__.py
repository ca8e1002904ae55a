"""Wire formats shared by the ledger and the reader agent."""
