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
HOTLIST = (Role.ADMIN, Role.STAFF)  # as the API: any staff may block a lost card


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
_FIN = "cardsvc.backoffice.pages.finance"
# fmt: off
PAGES: list[Page] = [
    Page("/admin/", "Tổng quan", "Overview", EVERYONE, f"{_BO}.home", "home"),
    Page("/admin/finance", "Bảng điều khiển", "Dashboard", EVERYONE, _FIN, "finance"),
    Page("/admin/finance/settlement", "Quyết toán ngày", "Daily settlement", EVERYONE, _FIN,
         "finance"),
    Page("/admin/finance/shifts", "Báo cáo ca (Z)", "Shift (Z) reports", EVERYONE, _FIN,
         "finance"),
    Page("/admin/finance/clearing", "Bù trừ cửa hàng", "Store clearing", EVERYONE, _FIN,
         "finance"),
    Page("/admin/finance/breakage", "Giá trị hết hạn", "Breakage", FINANCE_UP, _FIN, "finance"),
    Page("/admin/finance/liability", "Số dư phải trả", "Liability", FINANCE_UP, _FIN, "finance"),
    Page("/admin/finance/journal", "Sổ nhật ký", "Journal", FINANCE_UP, _FIN, "finance"),
    Page("/admin/reconciliation", "Đối soát thẻ", "Reconciliation", FINANCE_UP,
         f"{_BO}.reconciliation", "finance"),
    Page("/admin/stores", "Cửa hàng", "Stores", ADMIN, f"{_BO}.chain"),
    Page("/admin/programs", "Chương trình", "Programs", ADMIN, f"{_BO}.chain"),
    Page("/admin/terminals", "Thiết bị", "Terminals", ADMIN, f"{_BO}.chain"),
    Page("/admin/keys", "Khoá", "Keys", ADMIN, f"{_BO}.chain"),
    Page("/admin/campaigns", "Phiếu & vé", "Campaigns", ADMIN, f"{_BO}.campaigns"),
    Page("/admin/hotlist", "Danh sách chặn", "Hotlist", HOTLIST, f"{_BO}.hotlist"),
    Page("/admin/people", "Nhân sự", "People", ADMIN, f"{_BO}.people"),
    Page("/admin/audit", "Nhật ký thay đổi", "Audit log", ADMIN, f"{_BO}.audit"),
    Page("/admin/account", "Tài khoản của tôi", "My account", EVERYONE, f"{_BO}.account", "me"),
    Page("/admin/followups", "Góp ý cần xử lý", "Feedback follow-up", EVERYONE,
         "cardsvc.customer_pages.followups", "customers"),
    Page("/admin/segments", "Nhóm khách hàng", "Customer segments", EVERYONE,
         "cardsvc.customer_pages.segments", "customers"),
]
# fmt: on


def modules() -> list[str]:
    """The page modules to mount, each once, in list order."""
    return list(dict.fromkeys(p.module for p in PAGES))


def nav(role: Role) -> list[Page]:
    return [p for p in PAGES if role in p.roles]
