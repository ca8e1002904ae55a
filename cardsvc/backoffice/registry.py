"""Every back-office page, one line each. The navigation (filtered by role) and the routers
the app mounts both come from this list, so a module adds a page by adding one line:

    Page("/admin/loyalty", "Tích điểm", "Loyalty", FINANCE_UP, "cardsvc.loyalty.backoffice"),

The module named last exposes `router` (made with `cardsvc.backoffice.routing.page_router()`);
templates in a `templates` folder beside it are found by `layout.render_page`. `roles` decides
who sees the entry in the navigation; each handler still checks with `viewer.require(...)`,
the same check the API makes (store scopes included).
"""

from __future__ import annotations

from dataclasses import dataclass

from cardsvc.services.people import Role

ADMIN = (Role.ADMIN,)
FINANCE_UP = (Role.ADMIN, Role.FINANCE)
EVERYONE = (Role.ADMIN, Role.FINANCE, Role.STAFF)


@dataclass(frozen=True)
class Page:
    path: str
    title_vi: str
    title_en: str
    roles: tuple[Role, ...]
    module: str  # the module whose `router` serves this path
    section: str = "admin"  # the navigation group: admin, finance, or a module's own

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_vi


_BO = "cardsvc.backoffice.pages"
PAGES: list[Page] = [
    Page("/admin/", "Tổng quan", "Overview", EVERYONE, f"{_BO}.home", "home"),
    Page("/admin/people", "Nhân sự", "People", ADMIN, f"{_BO}.people"),
    Page("/admin/audit", "Nhật ký thay đổi", "Audit log", ADMIN, f"{_BO}.audit"),
    Page("/admin/account", "Tài khoản của tôi", "My account", EVERYONE, f"{_BO}.account", "me"),
    Page("/admin/followups", "Góp ý cần xử lý", "Feedback follow-up", EVERYONE,
         "cardsvc.customer_pages.followups", "customers"),
    Page("/admin/segments", "Nhóm khách hàng", "Customer segments", EVERYONE,
         "cardsvc.customer_pages.segments", "customers"),
]


def modules() -> list[str]:
    """The page modules to mount, each once, in list order."""
    return list(dict.fromkeys(p.module for p in PAGES))


def nav(role: Role) -> list[Page]:
    return [p for p in PAGES if role in p.roles]
