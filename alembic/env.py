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
        _run(connection)
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(conn) -> None:
    """On SQLite, with foreign keys off while tables are rebuilt: ALTER there copies a table
    and drops the old one, which would cascade into every row that points at it (a
    downgrade that rebuilds ``users`` would delete every task). Checked again afterwards."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()  # (SQLAlchemy began a transaction for it; the migrations need their own)
    try:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            conn.commit()
            if broken:
                raise RuntimeError(f"migration left rows with broken references: {broken[:5]}")
    finally:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
