"""The composition root: builds every adapter and service from one Settings object."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from vaxbook.adapters.contact_sealer import AesGcmContactSealer
from vaxbook.adapters.identity_sim import SimulatedProvider
from vaxbook.adapters.memory.gate import MemoryGate
from vaxbook.adapters.notify.log import LogNotifier
from vaxbook.adapters.signer import JwtSigner
from vaxbook.adapters.sqlite.ledger import SqliteLedger
from vaxbook.adapters.sqlite.outbox import SqliteOutbox
from vaxbook.adapters.sqlite.standby import SqliteStandby
from vaxbook.config import METHODS, Settings
from vaxbook.domain.campaign import Campaign, load_campaign
from vaxbook.domain.rotation import all_windows
from vaxbook.domain.standby import Holds
from vaxbook.keys import Keys, pepper_fingerprint
from vaxbook.ports import (
    Clock,
    ContactSealer,
    Gate,
    IdentityProvider,
    Ledger,
    Notifier,
    Outbox,
    Signer,
    Standby,
)
from vaxbook.services.arrivals import Arrivals
from vaxbook.services.auth import AuthService
from vaxbook.services.booking import BookingService
from vaxbook.services.clinic_keys import ClinicKeyService
from vaxbook.services.clinic_staff import ClinicStaff
from vaxbook.services.clinics import ClinicService
from vaxbook.services.console import ConsoleService
from vaxbook.services.eligibility import EligibilityService
from vaxbook.services.figures import FiguresService
from vaxbook.services.free_counts import FreeCounts
from vaxbook.services.operators import OperatorService
from vaxbook.services.outbox import Dispatcher, DispatchSettings
from vaxbook.services.retention import RetentionService
from vaxbook.services.shared_reads import SharedReads
from vaxbook.services.standby import StandbyService
from vaxbook.services.steering import SteeringService
from vaxbook.services.throttle import Limits, Throttle
from vaxbook.services.waiting_room import LineSettings, WaitingRoom


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def _sqlite_ledger(url: str, settings: Settings) -> Ledger:
    parsed = urlparse(url)
    return SqliteLedger(parsed.netloc + parsed.path if parsed.netloc else parsed.path.removeprefix("/"),
                        holds_of(settings))


def _postgres_ledger(url: str, settings: Settings) -> Ledger:
    # Imported here: the embedded default never loads the cluster drivers.
    from vaxbook.adapters.postgres.ledger import PostgresLedger  # noqa: PLC0415  # see above

    return PostgresLedger(url, pool_size=settings.pool_size, migrate_on_start=settings.migrate_on_start,
                          pool_wait_seconds=settings.pool_wait_seconds, holds=holds_of(settings),
                          book_batch=settings.book_batch)


def _redis_gate(url: str, settings: Settings) -> Gate:
    from vaxbook.adapters.redis.gate import RedisGate  # noqa: PLC0415  # as for PostgreSQL

    checkpoints = None
    if urlparse(settings.database_url).scheme in ("postgresql", "postgres"):
        # The line counters are copied to PostgreSQL, so a Redis restart loses no one's place.
        from vaxbook.adapters.postgres.checkpoints import PostgresCheckpoints  # noqa: PLC0415  # as above

        checkpoints = PostgresCheckpoints(settings.database_url)
    return RedisGate(url, prefix=settings.redis_prefix, pool_size=settings.redis_pool_size,
                     checkpoints=checkpoints)


# One mapping from URL scheme to backend, the way encode/databases does it.
LEDGERS: dict[str, Callable[[str, Settings], Ledger]] = {
    "sqlite": _sqlite_ledger,
    "postgresql": _postgres_ledger,
    "postgres": _postgres_ledger,
}
# One Redis server, or a Redis Cluster through redis-py's cluster client (adapters/redis/clients.py).
GATES: dict[str, Callable[[str, Settings], Gate]] = {
    "redis": _redis_gate,
    "rediss": _redis_gate,
    "redis+cluster": _redis_gate,
    "rediss+cluster": _redis_gate,
}


def _simulated_providers(settings: Settings, keys: Keys) -> dict[str, IdentityProvider]:
    return {
        method: SimulatedProvider(
            method, keys.signing.current.secret,
            latency_seconds=settings.sim_latency_ms.get(method, 200.0) / 1000,
            capacity=settings.sim_capacity.get(method, 100),
            queue_timeout_seconds=settings.sim_queue_timeout_seconds,
            reveal_codes=settings.dev_mode,
        )
        for method in METHODS
    }


# How identities are verified (VAXBOOK_IDENTITY_PROVIDER): a name -> the providers, one per method.
IDENTITY_PROVIDERS: dict[str, Callable[[Settings, Keys], dict[str, IdentityProvider]]] = {
    "simulated": _simulated_providers,
}


def build_ledger(settings: Settings) -> Ledger:
    scheme = urlparse(settings.database_url).scheme
    if scheme not in LEDGERS:
        raise ValueError(f"unsupported database URL scheme {scheme!r}; use sqlite or postgresql")
    return LEDGERS[scheme](settings.database_url, settings)


def build_outbox(ledger: Ledger) -> Outbox:
    """The outbox lives in the ledger's own database, so messages commit with bookings."""
    if isinstance(ledger, SqliteLedger):
        return SqliteOutbox(ledger)
    from vaxbook.adapters.postgres.ledger import PostgresLedger  # noqa: PLC0415  # as for the ledger
    from vaxbook.adapters.postgres.outbox import PostgresOutbox  # noqa: PLC0415  # as above

    if isinstance(ledger, PostgresLedger):
        return PostgresOutbox(ledger)
    raise ValueError(f"no outbox for the ledger {type(ledger).__name__}")


def holds_of(settings: Settings) -> Holds:
    return Holds(timedelta(minutes=settings.standby_hold_minutes),
                 timedelta(minutes=settings.leftover_hold_minutes))


def build_standby(ledger: Ledger) -> Standby:
    """The standby list lives in the ledger's database: an offer commits with the freed place."""
    if isinstance(ledger, SqliteLedger):
        return SqliteStandby(ledger)
    from vaxbook.adapters.postgres.ledger import PostgresLedger  # noqa: PLC0415  # as for the ledger
    from vaxbook.adapters.postgres.standby import PostgresStandby  # noqa: PLC0415  # as above

    if isinstance(ledger, PostgresLedger):
        return PostgresStandby(ledger)
    raise ValueError(f"no standby for the ledger {type(ledger).__name__}")


def _webhook(settings: Settings) -> Notifier:
    from vaxbook.adapters.notify.webhook import WebhookNotifier  # noqa: PLC0415  # only when chosen

    if not settings.notify_webhook_url or not settings.notify_webhook_secret:
        raise ValueError("the webhook channel needs VAXBOOK_NOTIFY_WEBHOOK_URL and"
                         " VAXBOOK_NOTIFY_WEBHOOK_SECRET")
    return WebhookNotifier(settings.notify_webhook_url, settings.notify_webhook_secret,
                           timeout_seconds=settings.notify_webhook_timeout_seconds,
                           tries=settings.notify_webhook_tries)


def _email(settings: Settings) -> Notifier:
    from vaxbook.adapters.notify.email import EmailNotifier  # noqa: PLC0415  # only when chosen

    return EmailNotifier(
        settings.notify_smtp_host, settings.notify_smtp_port, settings.notify_smtp_sender,
        username=settings.notify_smtp_username, password=settings.notify_smtp_password,
        starttls=settings.notify_smtp_starttls, timeout_seconds=settings.notify_smtp_timeout_seconds,
    )


# Notification channels by name (VAXBOOK_NOTIFY_CHANNELS); every message goes through each.
CHANNELS: dict[str, Callable[[Settings], Notifier]] = {
    "log": lambda settings: LogNotifier(),
    "webhook": _webhook,
    "email": _email,
}


def build_channels(settings: Settings) -> list[Notifier]:
    unknown = [name for name in settings.notify_channels if name not in CHANNELS]
    if unknown:
        raise ValueError(f"unknown notification channel(s) {unknown} (VAXBOOK_NOTIFY_CHANNELS);"
                         f" known: {', '.join(CHANNELS)}")
    return [CHANNELS[name](settings) for name in settings.notify_channels]


def dispatch_settings(settings: Settings) -> DispatchSettings:
    return DispatchSettings(
        poll_seconds=settings.notify_poll_seconds, batch=settings.notify_batch,
        lease_seconds=settings.notify_lease_seconds, max_attempts=settings.notify_max_attempts,
        backoff_seconds=settings.notify_backoff_seconds,
        backoff_cap_seconds=settings.notify_backoff_cap_seconds,
    )


def build_identity_providers(settings: Settings, keys: Keys) -> dict[str, IdentityProvider]:
    name = settings.identity_provider
    if name not in IDENTITY_PROVIDERS:
        known = ", ".join(sorted(IDENTITY_PROVIDERS))
        raise ValueError(f"unknown identity provider {name!r} (VAXBOOK_IDENTITY_PROVIDER); known: {known}")
    return IDENTITY_PROVIDERS[name](settings, keys)


def build_gate(settings: Settings) -> Gate:
    if not settings.redis_url:
        return MemoryGate()
    scheme = urlparse(settings.redis_url).scheme
    if scheme not in GATES:
        raise ValueError(f"unsupported gate URL scheme {scheme!r}; use redis or redis+cluster")
    return GATES[scheme](settings.redis_url, settings)


@dataclass
class Container:
    settings: Settings
    keys: Keys
    campaign: Campaign
    clock: Clock
    ledger: Ledger
    gate: Gate
    signer: Signer
    auth: AuthService
    eligibility: EligibilityService
    waiting_room: WaitingRoom
    booking: BookingService
    clinics: ClinicService
    outbox: Outbox
    sealer: ContactSealer | None
    dispatcher: Dispatcher
    retention: RetentionService
    figures: FiguresService
    standby: StandbyService
    clinic_staff: ClinicStaff
    operators: OperatorService
    steering: SteeringService
    clinic_keys: ClinicKeyService
    console: ConsoleService

    async def start(self) -> None:
        await self.ledger.open()
        try:
            # A ledger made with another pepper would see every person as new: refuse to serve it.
            await self.ledger.bind_pepper(pepper_fingerprint(self.keys.pepper))
        except BaseException:
            await self.ledger.close()
            raise
        await self.gate.open()

    async def stop(self) -> None:
        await self.gate.close()
        await self.ledger.close()

    def start_dispatcher(self) -> tuple[asyncio.Task[None], asyncio.Event]:
        """The outbox dispatcher as a task of this process; set the event to stop it."""
        stop = asyncio.Event()

        async def run() -> None:
            try:
                await self.dispatcher.run(stop)
            except Exception:
                logging.getLogger("vaxbook.notify").exception("the outbox dispatcher stopped")
                raise

        return asyncio.create_task(run(), name="vaxbook-outbox-dispatcher"), stop


def build(settings: Settings, clock: Clock | None = None) -> Container:
    """Everything the entry points need, wired once."""
    clock = clock or SystemClock()
    campaign = load_campaign(settings.campaign_file)
    keys = settings.keys()
    ledger, gate = build_ledger(settings), build_gate(settings)
    outbox = build_outbox(ledger)
    standby = build_standby(ledger)
    sealer: ContactSealer | None = AesGcmContactSealer(keys.contact) if keys.contact else None
    signer = JwtSigner(keys.signing, lambda: clock.now().timestamp(), keys.identity)
    providers = build_identity_providers(settings, keys)
    throttle = Throttle(gate, clock, keys.pepper, limits_of(settings))
    clinics = ClinicService(ledger, throttle=throttle, standby=standby, clock=clock)
    eligibility = EligibilityService(campaign, ledger, clock, settings.pre_queue_seconds)
    steering = SteeringService(gate, ledger, clock, {w.id for w in all_windows(campaign)},
                               settings.steering_cache_seconds)
    # Workers that share a gate share the free counts' read too (services/shared_reads.py).
    shared_reads = SharedReads(gate, settings.browse_cache_seconds) if settings.redis_url else None
    free_counts = FreeCounts(ledger, settings.browse_cache_seconds, shared_reads)
    arrivals = Arrivals(settings.arrival_turns, settings.arrival_wait_seconds)  # one set per worker
    waiting_room = WaitingRoom(
        campaign, ledger, gate, signer, clock, eligibility,
        LineSettings(
            admission_rate=settings.admission_rate, admission_cap=settings.admission_cap,
            pass_seconds=settings.admission_pass_seconds,
            counters_cache_seconds=settings.counters_cache_seconds,
        ),
        free_counts,
        steering=steering,
        arrivals=arrivals,
    )
    auth = AuthService(
        providers, gate, signer, clock, keys.pepper.secret, throttle,
        identity_seconds=settings.identity_seconds,
        hold_seconds=settings.verification_hold_seconds,
        proof_of_work_key=hashlib.sha256(b"vaxbook-pow:" + keys.signing.current.secret).digest(),
        proof_of_work_difficulty=settings.proof_of_work_difficulty,
        ledger=ledger,
        contact_sealer=sealer,
        methods_cache_seconds=settings.methods_cache_seconds,
        arrivals=arrivals,
    )
    return Container(
        settings=settings, keys=keys, campaign=campaign, clock=clock, ledger=ledger, gate=gate,
        signer=signer,
        auth=auth,
        eligibility=eligibility,
        waiting_room=waiting_room,
        booking=BookingService(
            campaign, ledger, gate, clock, waiting_room,
            browse_cache_seconds=settings.browse_cache_seconds, free_counts=free_counts,
        ),
        clinics=clinics,
        clinic_staff=ClinicStaff(ledger, clinics, clock, campaign),
        outbox=outbox,
        sealer=sealer,
        dispatcher=Dispatcher(campaign, ledger, outbox, sealer, build_channels(settings), clock,
                              dispatch_settings(settings), offer_of=standby.offer_by_id,
                              sweep=standby.sweep),
        retention=RetentionService(campaign, outbox, clock),
        figures=FiguresService(ledger, clock, campaign.timezone),
        standby=StandbyService(campaign, ledger, standby, gate, clock, clinics),
        operators=OperatorService(ledger, clock, throttle, settings.operator_session_seconds),
        steering=steering,
        clinic_keys=ClinicKeyService(ledger, clock),
        console=ConsoleService(campaign, clock, ledger, gate, waiting_room, auth),
    )


def limits_of(settings: Settings) -> Limits:
    return Limits(
        starts_per_person=settings.limit_starts_per_person,
        starts_per_phone=settings.limit_starts_per_phone,
        starts_per_device=settings.limit_starts_per_device,
        starts_per_client=settings.limit_starts_per_client,
        wrong_codes_per_person=settings.limit_wrong_codes_per_person,
        wrong_clinic_keys_per_clinic=settings.limit_wrong_clinic_keys_per_clinic,
        wrong_clinic_keys_per_client=settings.limit_wrong_clinic_keys_per_client,
        method_share_per_client=settings.method_share_per_client,
        operator_logins_per_name=settings.limit_operator_logins_per_name,
        operator_logins_per_client=settings.limit_operator_logins_per_client,
    )
