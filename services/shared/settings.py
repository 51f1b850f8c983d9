"""Settings read from the environment, validated, and built on first use only."""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigurationError(RuntimeError):
    """The function's environment is missing or has a bad value."""


class Settings(BaseSettings):
    """Base for every function's settings. Field names are the environment variables."""

    model_config = SettingsConfigDict(case_sensitive=True, frozen=True, extra="ignore")


SettingsT = TypeVar("SettingsT", bound=Settings)


def load_settings(settings_type: type[SettingsT]) -> SettingsT:
    """Read `settings_type` from the environment, naming every missing or bad variable."""
    try:
        return settings_type()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            if error["type"] == "missing":
                problems.append(f"missing environment variable {name}")
            else:
                problems.append(f"environment variable {name}: {error['msg']}")
        raise ConfigurationError(f"{settings_type.__name__}: " + "; ".join(problems)) from None


class PublishingSettings(Settings):
    """What every function that publishes to the topic needs."""

    EVENTS_TOPIC_ARN: str
