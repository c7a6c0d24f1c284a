"""All settings in one typed object, read from VAXBOOK_* environment variables or CLI flags."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from vaxbook.domain.proof_of_work import MAX_DIFFICULTY
from vaxbook.domain.throttle import Rate
from vaxbook.keys import Keys, load_identity_keys, load_pepper, load_ring

DEFAULT_CAMPAIGN = Path(__file__).parent / "campaigns" / "kr-2021-18-49.toml"
METHODS = ("mobile", "kakao", "naver", "pass")


def _rate(value: Any) -> Any:
    return Rate.parse(value) if isinstance(value, str) else value


def _networks(value: Any) -> Any:
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    return tuple(ip_network(part, strict=False) if isinstance(part, str) else part for part in value)


# A limit is written COUNT/SECONDS (`5/600`: a burst of 5, then one more every 120 s), or
# `off`; in the environment too (VAXBOOK_LIMIT_STARTS_PER_PHONE=5/600). docs/api.md, "Limits".
Limit = Annotated[Rate | None, NoDecode, BeforeValidator(_rate),
                  PlainSerializer(lambda rate: str(rate) if rate else "off")]
Networks = Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode, BeforeValidator(_networks)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VAXBOOK_", extra="ignore")

    database_url: str = Field(default="sqlite:///var/vaxbook.db", description="sqlite:///path, postgresql://")
    redis_url: str | None = Field(
        default=None,
        description="redis://host:port/db, or redis+cluster://host:port[,host:port...] (a Redis Cluster);"
                    " else the gate is in-process",
    )
    redis_prefix: str = "vaxbook:"
    campaign_file: Path = DEFAULT_CAMPAIGN
    # Secrets (src/vaxbook/keys.py): each from its variable, `kid:secret[,kid:secret...]`, else
    # from its file, made on first use. The pepper is kept outside the data directory.
    pepper: str | None = Field(default=None, description="person-key pepper, kid:secret; never rotates")
    pepper_file: Path = Path("~/.config/vaxbook/pepper")
    signing_keys: str | None = Field(default=None, description="credential keys; the first signs")
    signing_keys_file: Path = Path("var/keys/signing")
    csrf_keys: str | None = Field(default=None, description="page-form CSRF keys; the first signs")
    csrf_keys_file: Path = Path("var/keys/csrf")
    # Identity tokens: an Ed25519 key pair from PEM files (`kid:path`), so verification can run
    # on machines of its own; without them, a pair is derived from each signing key.
    identity_private_key_file: str | None = Field(
        default=None, description="kid:path to the PEM private key; only on verification nodes")
    identity_public_key_files: str | None = Field(
        default=None, description="kid:path[,kid:path]: PEM public keys that check identity tokens")
    contact_keys: str | None = Field(default=None, description="keys sealing kept contacts; the first seals")
    contact_keys_file: Path = Path("var/keys/contact")
    identity_provider: str = Field(default="simulated", description="how identities are verified")
    dev_mode: bool = Field(default=False, description="demo only: reveal simulated verification codes")

    # waiting room
    admission_rate: float = Field(default=50.0, gt=0, description="people admitted per second, per line")
    admission_cap: int | None = Field(default=None, ge=1, description="max people holding a live pass")
    admission_pass_seconds: int = 600
    pre_queue_seconds: int = Field(default=600, ge=0, description="how early the line forms")
    counters_cache_seconds: float = Field(default=0.2, ge=0, description="how stale line counters may be")
    # Operators steer lines live (docs/operators.md); every worker follows within this, plus the above.
    steering_cache_seconds: float = Field(default=0.5, ge=0, le=1,
                                          description="how stale a line's steering may be")

    # operators (docs/operators.md): sessions and the sign-in lockout, kept in the gate
    operator_session_seconds: int = Field(default=12 * 3600, ge=60, description="an operator session lives")
    limit_operator_logins_per_name: Limit = Rate(5, 900)
    limit_operator_logins_per_client: Limit = Rate(20, 900)

    # verification
    identity_seconds: int = 600
    verification_hold_seconds: int = 600  # one verification and one device per 10 minutes
    sim_latency_ms: dict[str, float] = {"mobile": 400.0, "kakao": 150.0, "naver": 150.0, "pass": 200.0}
    sim_capacity: dict[str, int] = {"mobile": 200, "kakao": 500, "naver": 500, "pass": 400}
    sim_queue_timeout_seconds: float = 10.0
    proof_of_work_difficulty: int = Field(
        default=0, ge=0, le=MAX_DIFFICULTY,
        description="bot friction: leading zero bits a verification start must solve (0: off)",
    )

    # limits (docs/api.md, "Limits"): every one kept in the gate, every refusal a 429
    limit_starts_per_person: Limit = Rate(5, 600)
    limit_starts_per_phone: Limit = Rate(5, 600)
    limit_starts_per_device: Limit = Rate(10, 600)
    limit_starts_per_client: Limit = Rate(60, 60)
    limit_wrong_codes_per_person: Limit = Rate(10, 3600)
    # Three times the per-client limit: one address alone cannot lock a clinic's list.
    limit_wrong_clinic_keys_per_clinic: Limit = Rate(30, 600)
    limit_wrong_clinic_keys_per_client: Limit = Rate(10, 600)
    method_share_per_client: float = Field(
        default=0.05, gt=0, description="share of a method's capacity one client may have in flight"
    )
    trusted_proxies: Networks = Field(
        default=(), description="addresses or networks whose X-Forwarded-For is believed (comma-separated)"
    )

    # reads
    browse_cache_seconds: float = Field(default=1.0, ge=0, description="how stale clinic free counts may be")
    methods_cache_seconds: float = Field(
        default=0.5, ge=0, description="how stale each verification method's congestion figures may be"
    )
    pool_size: int = Field(default=10, ge=1, description="PostgreSQL connections per worker")
    pool_wait_seconds: float = Field(
        default=10.0, gt=0, description="how long a request waits for a free PostgreSQL connection"
    )
    book_batch: int = Field(
        default=8, ge=1, le=32,  # adapters/postgres/book_batches.SIZE; 1 sends each booking alone
        description="bookings a worker sends to PostgreSQL together, in one round trip and transaction",
    )
    redis_pool_size: int = Field(
        default=50, ge=1, description="redis-py's Redis connections per worker (the hot calls share one)"
    )
    # 2: measured best on one 2-core box (booking p99 in the opening burst 112-165 ms, against
    # 153-238 with 5, 207-269 with 10, 457-690 unbounded; docs/benchmarks.md). Where PostgreSQL
    # and Redis are across a network, raise it to about a verification's time over its CPU time.
    arrival_turns: int = Field(
        default=2, ge=0, description="verifications and joins a worker runs at once, the rest waiting"
        " their turn, so an opening burst cannot starve the bookings of those admitted (0: no bound)"
    )
    arrival_wait_seconds: float = Field(
        default=10.0, gt=0, description="how long a verification or join waits for its turn before a 503"
    )
    migrate_on_start: bool = Field(default=False, description="apply PostgreSQL migrations at start-up")

    # transport (docs/operations.md, "Transport limits and reverse proxy"): enforced by the app
    # and by `vaxbook serve`'s connection protocol, so the embedded default needs no proxy
    max_json_body_bytes: int = Field(default=64 * 1024, ge=1, description="largest /api request body")
    max_form_body_bytes: int = Field(default=1024 * 1024, ge=1, description="largest page form body")
    max_header_bytes: int = Field(default=16 * 1024, ge=1024, description="request line and headers")
    max_header_count: int = Field(default=100, ge=10, description="header lines in one request")
    header_timeout_seconds: float = Field(default=10.0, gt=0, description="to receive a request's headers")
    body_timeout_seconds: float = Field(default=20.0, gt=0, description="to receive a whole request body")
    keep_alive_seconds: int = Field(default=5, ge=1, description="an idle keep-alive connection lives")
    max_connections: int = Field(default=4096, ge=1, description="open connections per worker")
    backlog: int = Field(default=2048, ge=1, description="connections the kernel queues before accept")
    allowed_hosts: list[str] = Field(
        default=["localhost", "127.0.0.1", "[::1]", "vaxbook.test"],
        description='Host header values served (JSON list; "*.example.org" matches subdomains; "*" any)',
    )
    hsts_seconds: int = Field(default=31_536_000, ge=0, description="Strict-Transport-Security over HTTPS")

    # notifications (docs/notifications.md)
    notify_channels: list[str] = Field(
        default=["log"], description='every message goes through each (JSON list: log, webhook, email)',
    )
    notify_dispatcher: bool = Field(default=True, description="an outbox dispatcher in each worker")
    notify_poll_seconds: float = Field(default=2.0, gt=0, description="dispatcher polling interval")
    notify_batch: int = Field(default=50, ge=1, description="messages one dispatcher claims at a time")
    notify_lease_seconds: float = Field(default=120.0, gt=0, description="a claim lapses after this long")
    notify_max_attempts: int = Field(default=8, ge=1, description="tries before a message is dead-lettered")
    notify_backoff_seconds: float = Field(default=30.0, ge=0, description="the first retry's delay; doubles")
    notify_backoff_cap_seconds: float = Field(default=3600.0, ge=0, description="the longest retry delay")
    notify_webhook_url: str | None = Field(default=None, description="where the webhook channel POSTs")
    notify_webhook_secret: str | None = Field(default=None, description="HMAC key of the signature")
    notify_webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    notify_webhook_tries: int = Field(default=3, ge=1, description="tries per delivery")
    notify_smtp_host: str = "127.0.0.1"
    notify_smtp_port: int = 25
    notify_smtp_sender: str = "vaxbook@localhost"
    notify_smtp_username: str | None = None
    notify_smtp_password: str | None = None
    notify_smtp_starttls: bool = False
    notify_smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    standby_hold_minutes: float = Field(default=30.0, gt=0, description="how long an offer holds a place")
    leftover_hold_minutes: float = Field(default=15.0, gt=0, description="how long a leftover offer holds")
    # metrics and logs (docs/operators.md, "Metrics and logs")
    metrics_allowed_networks: Networks = Field(
        default=_networks("127.0.0.0/8,::1/128"),
        description="addresses or networks that may read /metrics (comma-separated)")
    metrics_token: str | None = Field(default=None, description="if set, /metrics needs it too")
    metrics_dir: Path | None = Field(default=None, description="workers' metric files (default: a temp dir)")
    access_log: bool = Field(default=True, description="a JSON line per request (vaxbook.access)")
    log_level: str = Field(default="INFO", description="level of the vaxbook loggers under `vaxbook serve`")
    gc_freeze: bool = Field(
        default=False,
        description="after start-up, keep the garbage collector off what start-up made and collect"
                    " less often (vaxbook/heap.py; `vaxbook serve` turns it on)")

    def keys(self) -> Keys:
        """The pepper and the key rings (files are made on first use, mode 0600)."""
        return Keys(
            pepper=load_pepper(self.pepper, self.pepper_file),
            signing=load_ring(self.signing_keys, self.signing_keys_file, "signing_keys"),
            csrf=load_ring(self.csrf_keys, self.csrf_keys_file, "csrf_keys"),
            identity=load_identity_keys(self.identity_private_key_file, self.identity_public_key_files),
            contact=load_ring(self.contact_keys, self.contact_keys_file, "contact_keys"),
        )
