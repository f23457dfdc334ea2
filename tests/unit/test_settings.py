"""Settings: defaults, overrides, the generated secret, and production's refusal of weak keys."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from todo_app.settings import MIN_SECRET_BYTES, SettingsError, load_settings, usable_cores


def test_defaults(tmp_path: Path) -> None:
    s = load_settings({"TODO_DATA_DIR": str(tmp_path)})
    assert s.db_url == f"sqlite:///{tmp_path / 'todo.db'}"
    assert s.is_sqlite
    assert s.production is False
    assert s.redis_url == ""
    assert s.token_ttl_seconds == 7 * 86_400
    assert s.token_renew_after_seconds == 86_400
    assert s.token_max_age_seconds == 30 * 86_400
    assert s.bcrypt_rounds == 12
    assert s.sign_ups_per_hour == 20
    assert s.cors_origins == ()


def test_data_dir_is_created(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "data"
    load_settings({"TODO_DATA_DIR": str(target)})
    assert target.is_dir()


def test_environment_overrides(tmp_path: Path) -> None:
    s = load_settings(
        {
            "TODO_DATA_DIR": str(tmp_path),
            "REFLEX_DB_URL": "postgresql+psycopg://u@h/db",
            "REFLEX_REDIS_URL": "redis://127.0.0.1:6379",
            "TODO_SECRET_KEY": "k" * 40,
            "TODO_TOKEN_TTL_SECONDS": "3600",
            "TODO_TOKEN_MAX_AGE_SECONDS": "7200",
            "TODO_TOKEN_RENEW_AFTER_SECONDS": "60",
            "TODO_BCRYPT_ROUNDS": "5",
            "TODO_CORS_ORIGINS": "http://a.example, http://b.example",
        }
    )
    assert s.db_url == "postgresql+psycopg://u@h/db"
    assert not s.is_sqlite
    assert s.redis_url == "redis://127.0.0.1:6379"
    assert s.secret_key == "k" * 40
    assert (s.token_ttl_seconds, s.token_max_age_seconds, s.token_renew_after_seconds) == (
        3600,
        7200,
        60,
    )
    assert s.bcrypt_rounds == 5
    assert s.cors_origins == ("http://a.example", "http://b.example")


def test_generated_secret_is_private_and_reused(tmp_path: Path) -> None:
    first = load_settings({"TODO_DATA_DIR": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key.encode()) >= MIN_SECRET_BYTES
    second = load_settings({"TODO_DATA_DIR": str(tmp_path)})
    assert second.secret_key == first.secret_key
    other = load_settings({"TODO_DATA_DIR": str(tmp_path / "other")})
    assert other.secret_key != first.secret_key


def test_secret_is_not_in_repr(tmp_path: Path) -> None:
    s = load_settings({"TODO_DATA_DIR": str(tmp_path), "TODO_SECRET_KEY": "s" * 40})
    assert "s" * 40 not in repr(s)


@pytest.mark.parametrize(
    "production_env", [{"TODO_ENV": "production"}, {"REFLEX_ENV_MODE": "prod"}]
)
def test_production_refuses_a_weak_secret(tmp_path: Path, production_env: dict[str, str]) -> None:
    env = {"TODO_DATA_DIR": str(tmp_path), "TODO_SECRET_KEY": "short", **production_env}
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings(env)


def test_production_accepts_a_strong_secret_and_the_generated_one(tmp_path: Path) -> None:
    strong = load_settings(
        {"TODO_DATA_DIR": str(tmp_path), "TODO_ENV": "production", "TODO_SECRET_KEY": "x" * 32}
    )
    assert strong.production
    generated = load_settings({"TODO_DATA_DIR": str(tmp_path), "TODO_ENV": "production"})
    assert len(generated.secret_key) >= MIN_SECRET_BYTES


def test_development_tolerates_a_short_secret(tmp_path: Path) -> None:
    s = load_settings({"TODO_DATA_DIR": str(tmp_path), "TODO_SECRET_KEY": "dev"})
    assert s.secret_key == "dev"


def test_a_truncated_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("tiny")
    with pytest.raises(SettingsError, match="delete the file"):
        load_settings({"TODO_DATA_DIR": str(tmp_path)})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TODO_BCRYPT_ROUNDS", "twelve", "whole number"),
        ("TODO_BCRYPT_ROUNDS", "3", "between 4 and 16"),
        ("TODO_TOKEN_TTL_SECONDS", "10", "between"),
        ("TODO_ENV", "staging", "TODO_ENV"),
        ("TODO_CORS_ORIGINS", "*", "origins"),
    ],
)
def test_bad_values_are_clear_errors(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"TODO_DATA_DIR": str(tmp_path), name: value})


def test_max_age_shorter_than_ttl_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="MAX_AGE"):
        load_settings(
            {
                "TODO_DATA_DIR": str(tmp_path),
                "TODO_TOKEN_TTL_SECONDS": "7200",
                "TODO_TOKEN_MAX_AGE_SECONDS": "3600",
            }
        )


# --- mail in production -----------------------------------------------------------------------

DEPLOYED = {"TODO_ENV": "production", "TODO_PUBLIC_URL": "https://todo.example.com"}


def test_a_deployment_without_smtp_refuses_to_start(tmp_path: Path) -> None:
    """Reset links in the log are keys to accounts for whoever reads it (issue 15, 12)."""
    with pytest.raises(SettingsError, match=r"TODO_SMTP_URL is not set.*TODO_MAIL_TO_LOG=1"):
        load_settings({"TODO_DATA_DIR": str(tmp_path), **DEPLOYED})
    with pytest.raises(SettingsError, match="TODO_SMTP_URL is not set"):
        load_settings({"TODO_DATA_DIR": str(tmp_path), **DEPLOYED, "TODO_MAIL_TO_LOG": "0"})


@pytest.mark.parametrize(
    "env",
    [
        {**DEPLOYED, "TODO_SMTP_URL": "smtp://mail.example.com:25"},
        {**DEPLOYED, "TODO_MAIL_TO_LOG": "1"},  # said on purpose
        {"TODO_ENV": "production"},  # ./run.sh on a laptop: the two-command start
        {"REFLEX_ENV_MODE": "prod", "TODO_PUBLIC_URL": "http://127.0.0.1:3000"},  # the e2e server
        {"TODO_ENV": "production", "TODO_PUBLIC_URL": "http://todo.localhost:8080"},
        {"TODO_PUBLIC_URL": "https://todo.example.com"},  # development logs mail
    ],
)
def test_mail_may_go_to_the_log_where_it_is_safe_or_said(
    tmp_path: Path, env: dict[str, str]
) -> None:
    settings = load_settings({"TODO_DATA_DIR": str(tmp_path), **env})
    assert settings.mail_to_log == (env.get("TODO_MAIL_TO_LOG") == "1")


def test_mail_to_log_is_1_or_0(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="TODO_MAIL_TO_LOG must be 1 or 0"):
        load_settings({"TODO_DATA_DIR": str(tmp_path), "TODO_MAIL_TO_LOG": "maybe"})


def test_hot_reload_leaves_out_a_data_folder_at_the_top_of_the_project(tmp_path: Path) -> None:
    """The default ./data sits in the tree `reflex run` watches; SQLite's -wal/-shm files change
    on every scheduler tick, so it is left out (issue 15). A folder elsewhere needs nothing."""
    project = tmp_path / "project"
    inside = load_settings({"TODO_DATA_DIR": str(project / "data")})
    assert inside.hot_reload_excludes(project) == (project / "data",)
    outside = load_settings({"TODO_DATA_DIR": str(tmp_path / "elsewhere")})
    assert outside.hot_reload_excludes(project) == ()


def test_workers_default_to_the_usable_cores_with_redis_and_one_without(tmp_path: Path) -> None:
    base = {"TODO_DATA_DIR": str(tmp_path)}
    assert load_settings(base).workers == 1
    redis = {**base, "REFLEX_REDIS_URL": "redis://127.0.0.1:6379"}
    assert load_settings(redis).workers == usable_cores()
    assert load_settings({**redis, "TODO_WORKERS": "3"}).workers == 3
    with pytest.raises(SettingsError, match="TODO_WORKERS above 1 needs REFLEX_REDIS_URL"):
        load_settings({**base, "TODO_WORKERS": "2"})
    with pytest.raises(SettingsError, match="TODO_WORKERS"):
        load_settings({**redis, "TODO_WORKERS": "0"})


def test_the_chat_is_off_without_a_model_and_on_with_url_and_model(tmp_path: Path) -> None:
    off = load_settings({"TODO_DATA_DIR": str(tmp_path)})
    assert not off.chat_enabled
    assert not load_settings(
        {"TODO_DATA_DIR": str(tmp_path), "TODO_LLM_BASE_URL": "http://localhost:11434/v1"}
    ).chat_enabled
    on = load_settings(
        {
            "TODO_DATA_DIR": str(tmp_path),
            "TODO_LLM_BASE_URL": " http://localhost:11434/v1 ",
            "TODO_LLM_MODEL": "qwen2.5:7b",
            "TODO_LLM_API_KEY": "sk-secret",
            "TODO_LLM_TIMEOUT_SECONDS": "30",
        }
    )
    assert on.chat_enabled
    assert (on.llm_base_url, on.llm_model, on.llm_timeout_seconds) == (
        "http://localhost:11434/v1",
        "qwen2.5:7b",
        30,
    )
    assert "sk-secret" not in repr(on)
    with pytest.raises(SettingsError, match="TODO_LLM_BASE_URL"):
        load_settings({"TODO_DATA_DIR": str(tmp_path), "TODO_LLM_BASE_URL": "localhost:11434"})
