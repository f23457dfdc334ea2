"""Every setting of the app, read once from the environment with safe defaults.

Nothing else in the app reads ``os.environ``: one place to document, one place to test.
Reflex itself only honours ``REFLEX_``-prefixed overrides, so the database and Redis URLs
use those names and the app's own settings use ``TODO_``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIN_SECRET_BYTES = 32
SECRET_FILE_NAME = "secret_key"  # noqa: S105  (a file name, not a secret)


class SettingsError(RuntimeError):
    """A setting is missing or unsafe; start-up stops with this message."""


def _int(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _is_production(env: dict[str, str]) -> bool:
    explicit = env.get("TODO_ENV", "").strip().lower()
    if explicit:
        if explicit not in {"production", "development", "test"}:
            raise SettingsError(
                f"TODO_ENV must be production, development or test, got {explicit!r}"
            )
        return explicit == "production"
    # `reflex run --env prod` exports REFLEX_ENV_MODE=prod to the backend.
    return env.get("REFLEX_ENV_MODE", "").strip().lower() == "prod"


def _load_or_create_secret(data_dir: Path) -> str:
    """Reuse the key kept in the data folder, or make one that only the owner can read."""
    path = data_dir / SECRET_FILE_NAME
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key.encode()) >= MIN_SECRET_BYTES:
            return key
        raise SettingsError(
            f"The secret key in {path} is shorter than {MIN_SECRET_BYTES} bytes; "
            "delete the file to generate a new one (this signs everybody out)."
        )
    key = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting at once must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load_or_create_secret(data_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    os.chmod(path, 0o600)
    return key


def _origin(name: str, raw: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL; a path, query or '*' is refused, since a
    browser's Origin never carries one and a typo would silently allow nothing."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingsError(f"{name} must be http(s)://host[:port], got {raw!r}")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or "*" in raw:
        raise SettingsError(f"{name} must be an origin without a path, got {raw!r}")
    try:
        port = parts.port
    except ValueError:
        raise SettingsError(f"{name} has an invalid port: {raw!r}") from None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


@dataclass(frozen=True)
class Settings:
    """The app's configuration; see README.md, "Configuration", for each variable."""

    production: bool
    data_dir: Path
    db_url: str
    redis_url: str
    # Backend worker processes: one without Redis (state lives in that process), the cores
    # this process may use with it (more than that only adds switching; measured in bench/).
    workers: int
    secret_key: str = field(repr=False)
    token_ttl_seconds: int
    token_renew_after_seconds: int
    token_max_age_seconds: int
    bcrypt_rounds: int
    sign_ups_per_hour: int
    cors_origins: tuple[str, ...]
    public_url: str = ""
    # Mail (password-reset links): the address links point to, and how mail leaves (no SMTP
    # server: mail is logged).
    site_url: str = "http://localhost:3000"
    smtp_url: str = field(default="", repr=False)
    mail_from: str = "Todo <no-reply@localhost>"
    # Without SMTP, mail (reset links included) goes to the log; a real deployment must
    # say so on purpose (TODO_MAIL_TO_LOG=1).
    mail_to_log: bool = False
    # The chat's model (/chat, ``POST /api/{user_id}/chat``): an OpenAI-compatible server
    # (chat completions). No URL or no model: the chat is off, and nothing else minds.
    llm_base_url: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_model: str = ""
    llm_timeout_seconds: int = 60

    @property
    def chat_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    def hot_reload_excludes(self, root: Path = PROJECT_ROOT) -> tuple[Path, ...]:
        """Folders of the project that the development server's hot reload must not watch.

        ``reflex run`` (development) watches every top-level folder of the project, and SQLite
        changes ``todo.db-wal`` and ``todo.db-shm`` on every reminder-scheduler tick, so a data
        folder inside the project would recompile the app every second or two. Reflex can only
        leave out a top-level folder (``REFLEX_HOT_RELOAD_EXCLUDE_PATHS``), which the default
        ``./data`` is; a data folder deeper inside the project cannot be left out (README,
        "Development").
        """
        if self.data_dir.parent == root.resolve():
            return (self.data_dir,)
        return ()

    def own_origins(self, port: int) -> tuple[str, ...]:
        """Where the app's pages are served from: ``TODO_PUBLIC_URL``, or else this machine on
        the frontend ``port`` by both of its local names (browsers send either)."""
        if self.public_url:
            return (self.public_url,)
        return (f"http://localhost:{port}", f"http://127.0.0.1:{port}")

    def allowed_origins(self, port: int) -> tuple[str, ...]:
        """The one origin policy: the app's own origins plus ``TODO_CORS_ORIGINS``. Reflex's
        routes and websocket (rxconfig.py) and the REST API (api/app.py) all use it."""
        return tuple(dict.fromkeys((*self.own_origins(port), *self.cors_origins)))


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    production = _is_production(env)
    data_dir = Path(env.get("TODO_DATA_DIR", "").strip() or PROJECT_ROOT / "data")
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)

    db_url = env.get("REFLEX_DB_URL", "").strip() or f"sqlite:///{data_dir / 'todo.db'}"

    secret = env.get("TODO_SECRET_KEY", "")
    if secret:
        if production and len(secret.encode()) < MIN_SECRET_BYTES:
            raise SettingsError(
                f"TODO_SECRET_KEY is {len(secret.encode())} bytes; production needs at least "
                f"{MIN_SECRET_BYTES}. Generate one with: python -c "
                "'import secrets; print(secrets.token_urlsafe(48))'"
            )
    else:
        secret = _load_or_create_secret(data_dir)

    day = 86_400
    ttl = _int(env, "TODO_TOKEN_TTL_SECONDS", 7 * day, 60, 365 * day)
    max_age = _int(env, "TODO_TOKEN_MAX_AGE_SECONDS", 30 * day, 60, 3650 * day)
    if max_age < ttl:
        raise SettingsError(
            "TODO_TOKEN_MAX_AGE_SECONDS must not be shorter than TODO_TOKEN_TTL_SECONDS"
        )
    listed = [o.strip() for o in env.get("TODO_CORS_ORIGINS", "").split(",") if o.strip()]
    if "*" in listed:
        raise SettingsError("TODO_CORS_ORIGINS must list origins; '*' would expose every account")
    origins = tuple(_origin("TODO_CORS_ORIGINS", o) for o in listed)
    public_url = env.get("TODO_PUBLIC_URL", "").strip()
    public_url = _origin("TODO_PUBLIC_URL", public_url) if public_url else ""

    redis_url = env.get("REFLEX_REDIS_URL", "").strip()
    return Settings(
        production=production,
        data_dir=data_dir,
        db_url=db_url,
        redis_url=redis_url,
        workers=_workers(env, redis_url),
        secret_key=secret,
        token_ttl_seconds=ttl,
        token_renew_after_seconds=_int(env, "TODO_TOKEN_RENEW_AFTER_SECONDS", day, 0, 365 * day),
        token_max_age_seconds=max_age,
        bcrypt_rounds=_int(env, "TODO_BCRYPT_ROUNDS", 12, 4, 16),
        sign_ups_per_hour=_int(env, "TODO_SIGN_UPS_PER_HOUR", 20, 0, 1_000_000),
        cors_origins=origins,
        public_url=public_url,
        **_mail_settings(env, public_url, production=production),
        **_llm_settings(env),
    )


def _llm_settings(env: dict[str, str]) -> dict[str, Any]:
    """The chat's model server: ``TODO_LLM_BASE_URL`` (e.g. ``http://localhost:11434/v1``),
    ``TODO_LLM_MODEL``, ``TODO_LLM_API_KEY`` (if the server wants one) and
    ``TODO_LLM_TIMEOUT_SECONDS`` (one model call; default 60)."""
    base_url = env.get("TODO_LLM_BASE_URL", "").strip()
    if base_url and urlsplit(base_url).scheme not in {"http", "https"}:
        raise SettingsError(
            f"TODO_LLM_BASE_URL must be an http(s) URL such as http://localhost:11434/v1, "
            f"got {base_url!r}"
        )
    return {
        "llm_base_url": base_url,
        "llm_api_key": env.get("TODO_LLM_API_KEY", "").strip(),
        "llm_model": env.get("TODO_LLM_MODEL", "").strip(),
        "llm_timeout_seconds": _int(env, "TODO_LLM_TIMEOUT_SECONDS", 60, 1, 3600),
    }


def usable_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _workers(env: dict[str, str], redis_url: str) -> int:
    """``TODO_WORKERS``: by default the usable cores with Redis, else one.

    Reflex's own default with Redis is 2 x cores + 1 (5 on 2 cores), which granian warns
    lowers throughput: each worker is one Python process, busy on one core.
    """
    if not redis_url:
        workers = _int(env, "TODO_WORKERS", 1, 1, 64)
        if workers > 1:
            raise SettingsError(
                "TODO_WORKERS above 1 needs REFLEX_REDIS_URL: without Redis each worker "
                "would keep its own pages' state"
            )
        return 1
    return _int(env, "TODO_WORKERS", usable_cores(), 1, 64)


def _flag(env: dict[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in {"", "0", "false", "no"}:
        return False
    if raw in {"1", "true", "yes"}:
        return True
    raise SettingsError(f"{name} must be 1 or 0, got {raw!r}")


def is_local_url(url: str) -> bool:
    """True for this machine's own names (the two-command start on a laptop)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in {"localhost", "127.0.0.1", "::1"} or host.endswith(".localhost")


def _mail_settings(env: dict[str, str], public_url: str, *, production: bool) -> dict[str, Any]:
    """Where mailed links point, and the SMTP server that sends them.

    Links never take their host from a request: a forged ``Host`` header would otherwise
    mail a victim a link to the attacker's site, carrying the victim's token.

    With no SMTP server, mail is written to the log, reset links and all: right on one's own
    machine, and a leak anywhere else (whoever reads the log can take over any account). A
    production server with a public URL that is not this machine is a real deployment, so it
    refuses to start without SMTP unless ``TODO_MAIL_TO_LOG=1`` says the log is meant. A
    plain ``./run.sh`` (production mode, no public URL) still starts on its defaults.
    """
    port = env.get("PORT", "").strip() or "3000"
    smtp_url = env.get("TODO_SMTP_URL", "").strip()
    if smtp_url and urlsplit(smtp_url).scheme not in {"smtp", "smtps", "smtp+starttls"}:
        raise SettingsError(
            "TODO_SMTP_URL must look like smtp://host:25, smtp+starttls://user:pass@host:587 "
            "or smtps://user:pass@host:465"
        )
    mail_to_log = _flag(env, "TODO_MAIL_TO_LOG")
    deployed = production and bool(public_url) and not is_local_url(public_url)
    if deployed and not smtp_url and not mail_to_log:
        raise SettingsError(
            f"TODO_PUBLIC_URL is {public_url} but TODO_SMTP_URL is not set: password-reset "
            "links would be written to the server log, where whoever reads it can take "
            "over any account. Set TODO_SMTP_URL (smtp://host:25, "
            "smtp+starttls://user:pass@host:587 or smtps://user:pass@host:465), or "
            "TODO_MAIL_TO_LOG=1 to log mail on purpose."
        )
    return {
        "site_url": public_url or f"http://localhost:{port}",
        "smtp_url": smtp_url,
        "mail_to_log": mail_to_log,
        "mail_from": env.get("TODO_MAIL_FROM", "").strip() or "Todo <no-reply@localhost>",
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
