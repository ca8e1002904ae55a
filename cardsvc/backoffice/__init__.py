"""The back office (`/admin` on the ledger): server-rendered pages for administrators and
finance, Vietnamese by default and complete in English.

- `registry.PAGES` lists every page (one line each: path, titles, roles, the module whose
  `router` serves it); the navigation and the mounting both come from it.
- `session` signs people in (cookie sessions in the database), checks CSRF on every form and
  hands each handler a `Viewer` whose `require` is the people model's one permission check.
- `layout.render_page` renders a page inside the common layout (nav, language switch, banner).
"""
