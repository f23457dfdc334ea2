"""Alembic environment: the app's own models and database URL, on SQLite and PostgreSQL."""

from logging.config import fileConfig

from sqlmodel import SQLModel

import todo_app.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from alembic import context
from todo_app.db import make_engine
from todo_app.models import UTCDateTime
from todo_app.settings import get_settings

config = context.config

# Called from the app (todo_app.db.migrate) the app's logging must stay as it is.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

url = config.get_main_option("sqlalchemy.url", "")
if not url or url.startswith("driver://"):
    url = get_settings().db_url

target_metadata = SQLModel.metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write the app's timestamp type as the plain SQLAlchemy type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        render_item=render_item,
        compare_server_default=False,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _configure(connection=conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
