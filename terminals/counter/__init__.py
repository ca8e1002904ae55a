"""The counter POS: what counter staff touch at the till, a thin web front-end over the reader
agent's local HTTP API (the agent holds the keys, the reader and the queue; it talks to the
ledger). Where things are:

  app.py             the one wiring point: settings -> FastAPI app (routes of every screen)
  screens/home.py    the home screen (status bar + the actions)
  screens/shift.py   open a shift with a staff name
  screens/tap.py     "Chạm thẻ / Tap card": what the card holds
  screens/sales.py   sell a card, top up, redeem (sale), refund: form -> agent -> outcome
  agent_client.py    the agent's local API over httpx; agent errors as AgentError(code)
  outcomes.py        an agent answer or error -> what staff read (in their language)
  card_view.py       a tap's answer -> the card screen's rows
  status.py          the status bar (agent, ledger, reader, queue, shift)
  once.py            a sale id runs at most once at a time; a finished sale answers from memory
  text.py            the counter's messages (vi default, en) and amounts as staff type them
  pages.py           templates, language choice, the response every page gets
"""
