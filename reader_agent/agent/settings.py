"""Settings of the reader agent (environment prefix READER_AGENT_, or CLI flags).

Keystore settings (which keystore, file path, passphrase, PKCS#11 module, PIN) are the key
management's own: `keys.settings.KeysSettings`, environment prefix CARDKEYS_.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cardsvc.protocol.limits import BATCH_MAX
from reader_agent.cards.key_scheme import APP_LABELS, PICC_LABEL, SYSTEM_ID, KeyScheme


class AgentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="READER_AGENT_", extra="ignore")

    # Where the agent keeps its identity (identity.json) and its durable queue (agent.db).
    data_dir: Path = Path("var/reader-agent")
    # The ledger; taken from identity.json after enrollment when left empty.
    ledger_url: str = ""
    ledger_timeout_s: float = Field(2.0, gt=0, le=60)

    # The local API for the terminal front-ends: loopback only by default.
    api_host: str = "127.0.0.1"
    api_port: int = Field(8765, ge=0, le=65535)

    # The reader: "pcsc" (any PC/SC reader) with a name, or the first reader pcscd lists.
    reader: str = ""
    card_wait_s: float = Field(15.0, gt=0, le=300)

    # Card keys (reader_agent.cards.key_scheme): AES-128 masters in the keystore, AN10922-
    # diversified per card: the PICC master key's, then the purse application's keys 0, 1, 2.
    card_key_labels: tuple[str, str, str, str] = (PICC_LABEL, *APP_LABELS)
    card_key_version: int = Field(1, ge=1, le=255)
    card_system_id: str = Field(SYSTEM_ID.decode(), min_length=1, max_length=16)
    purse_aid: int = Field(0x564E44, ge=1, le=0xFFFFFF)
    purse_upper_limit: int = Field(20_000_000, gt=0, le=2**31 - 1)
    terminal_key_label: str = "terminal"
    # Key-set keys trusted to sign the QR key set ({"key id": "public key hex"}), besides the
    # ones the ledger named at enrolment (identity.json). Gates verify tickets offline with it.
    keyset_signers: dict[str, str] = Field(default_factory=dict, max_length=100)

    # The durable queue and the sync loop.
    queue_max: int = Field(100_000, ge=1, le=10_000_000)
    sync_batch: int = Field(BATCH_MAX, ge=1, le=BATCH_MAX)
    sync_interval_s: float = Field(2.0, gt=0, le=3600)
    sync_backoff_max_s: float = Field(60.0, gt=0, le=3600)
    # An online tap first sends the queue ahead of it (cards' counters must reach the ledger in
    # order); with a longer backlog the tap is decided offline until the sync loop catches up.
    online_backlog_max: int = Field(256, ge=0, le=BATCH_MAX - 1)
    hotlist_interval_s: float = Field(60.0, gt=0, le=86400)

    # Offline risk limits (DESFire purse spending while the ledger is unreachable), in đồng.
    offline_tx_max: int = Field(500_000, ge=0)
    offline_card_max: int = Field(1_000_000, ge=0)  # per card, not yet confirmed by the ledger
    offline_terminal_max: int = Field(20_000_000, ge=0)  # this terminal, not yet confirmed
    offline_shift_max: int = Field(10_000_000, ge=0)  # this terminal's current shift
    # Offline spending is refused when the hotlist is older than this (or was never fetched).
    hotlist_max_age_s: int = Field(24 * 3600, ge=0)
    # A purse operation torn when the card left is told to the ledger after this long, soon:
    # the card's next tap at any till then settles it there (a re-tap here settles it first).
    torn_report_after_s: int = Field(10, ge=0, le=7 * 24 * 3600)

    @property
    def key_scheme(self) -> KeyScheme:
        picc, *app = self.card_key_labels
        return KeyScheme(picc, tuple(app), self.card_system_id.encode())

    @property
    def identity_path(self) -> Path:
        return self.data_dir / "identity.json"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "agent.db"
