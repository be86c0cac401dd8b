"""Settings: parsed once at start into a frozen object, secrets hidden from repr.

Every setting is a ``TIMESIGN_*`` environment variable (or a line in ``.env``). A
missing or malformed value stops the program with one sentence naming the variable,
so an operator never has to read a traceback to fix a deployment.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.errors import ConfigError
from bot.core.seal_keys import SealKey, SealKeyError, load_seal_key, new_seal_key

log = logging.getLogger(__name__)

PREFIX = "TIMESIGN_"
DEV_SECRET_KEY = "timesign-dev-key-not-for-production"  # noqa: S105 - only with --dev
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # Telegram's allowed alphabet


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    # repr=False: a PostgreSQL URL can carry a password.
    database_url: str = Field(default="sqlite+aiosqlite:///timesign.db", repr=False)
    secret_key: SecretStr | None = None
    # The Ed25519 key that seals evidence: a PEM, or the path of a file holding one.
    seal_key: SecretStr | None = None
    public_url: str | None = None
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: SecretStr | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    # Per sender number (TIMESIGN_TWILIO_FROM), shared by every worker; 0.5 = one each 2 s.
    twilio_messages_per_second: float = Field(default=1.0, gt=0)
    admin_telegram_ids: Annotated[tuple[int, ...], NoDecode] = ()
    code_digits: int = Field(default=6, ge=4, le=8)
    code_ttl_hours: int = Field(default=72, ge=1, le=24 * 30)
    code_attempts: int = Field(default=5, ge=1, le=20)
    codes_per_day: int = Field(default=3, ge=1, le=50)
    invite_days: int = Field(default=14, ge=1, le=365)
    metrics_token: SecretStr | None = None
    worker_poll_seconds: float = Field(default=2.0, gt=0, le=300)
    # Inbound limits per sender (a phone number, a Telegram chat) and per project.
    inbound_per_minute: int = Field(default=10, ge=1)
    inbound_per_day: int = Field(default=100, ge=1)
    staff_inbound_per_minute: int = Field(default=60, ge=1)
    staff_inbound_per_day: int = Field(default=2000, ge=1)
    project_inbound_per_minute: int = Field(default=600, ge=1)
    project_inbound_per_day: int = Field(default=50_000, ge=1)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        # Heroku-style URLs name no driver; we always talk through the async ones.
        for prefix, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if value.startswith(prefix):
                return driver + value[len(prefix) :]
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("use a sqlite:// or postgresql:// URL")
        return value

    @field_validator("public_url", "telegram_api_url", "twilio_api_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("admin_telegram_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError("expected comma-separated numeric Telegram user ids")
            return tuple(int(p) for p in parts)
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_alphabet(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("use 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("use at least 16 characters")
        return value

    @model_validator(mode="after")
    def _complete_pairs(self) -> Settings:
        if bool(self.twilio_account_sid) != bool(self.twilio_auth_token):
            missing = "AUTH_TOKEN" if self.twilio_account_sid else "ACCOUNT_SID"
            raise ValueError(
                f"{PREFIX}TWILIO_{missing} is required with the other Twilio credential"
            )
        if self.twilio_account_sid and not self.twilio_from:
            raise ValueError(f"{PREFIX}TWILIO_FROM is required when Twilio credentials are set")
        if self.telegram_token and self.public_url and self.telegram_webhook_secret is None:
            raise ValueError(
                f"{PREFIX}TELEGRAM_WEBHOOK_SECRET is required in webhook mode "
                f"({PREFIX}PUBLIC_URL and {PREFIX}TELEGRAM_TOKEN are set)"
            )
        return self

    @property
    def twilio_enabled(self) -> bool:
        return self.twilio_account_sid is not None

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def secret(self, *, dev: bool = False) -> bytes:
        """The key for code HMACs and evidence seals; ``dev`` allows a fixed local key."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        if dev:
            return DEV_SECRET_KEY.encode()
        raise ConfigError(f"{PREFIX}SECRET_KEY is required (or pass --dev for local use).")

    def sealer(self, *, dev: bool = False) -> SealKey:
        """The key that seals evidence; ``dev`` makes a throwaway one and says so."""
        if self.seal_key is not None:
            try:
                return load_seal_key(self.seal_key.get_secret_value())
            except SealKeyError as error:
                raise ConfigError(str(error)) from None
        if dev:
            log.warning(
                "sealing evidence with a throwaway key (--dev): its seals stop verifying "
                "when this process ends; set %sSEAL_KEY (timesign keys new)",
                PREFIX,
            )
            return new_seal_key()
        raise ConfigError(
            f"{PREFIX}SEAL_KEY is required to seal evidence (make one with: timesign keys "
            "new), or pass --dev for local use."
        )


def _sentence(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    if not field:
        return message + "."
    variable = PREFIX + field.upper()
    if first["type"] == "missing":
        return f"{variable} is required."
    return f"{variable} is malformed: {message}."


def load_settings(values: Mapping[str, Any] | None = None) -> Settings:
    """Settings from ``values`` (field names, for tests) or from the environment and ``.env``."""
    try:
        if values is not None:
            return Settings.model_validate(dict(values))
        return Settings()
    except ValidationError as error:
        raise ConfigError(_sentence(error)) from None
