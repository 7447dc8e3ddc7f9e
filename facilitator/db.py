"""The database: declarative base, engine set-up and the per-request session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Flask
from flask import current_app
from flask import g
from flask import has_app_context
from flask import has_request_context
from sqlalchemy import Connection
from sqlalchemy import DateTime
from sqlalchemy import Engine
from sqlalchemy import MetaData
from sqlalchemy import TypeDecorator
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from facilitator import clock

#: Constraint names that are the same on SQLite and PostgreSQL, so migrations can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: How long a writer waits for SQLite's write lock before "database is locked". SQLite's
#: waiters are not served in turn, so with dozens at once (a room checking in) one can
#: wait many times the average: 5 s was once too short on a loaded two-core machine.
SQLITE_BUSY_TIMEOUT_MS = 20_000


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant, stored the same way on SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        # SQLite hands back naive values; they were stored as UTC.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


def utcnow() -> datetime:
    """This instant in UTC, for column defaults: read through `clock.now` on every call, so a
    test that fixes the clock fixes the stamps too (binding `clock.now` itself would not)."""
    return clock.now().astimezone(UTC)


def utc_this_hour() -> datetime:
    """The start of this hour in UTC, for column defaults, read on every call as utcnow."""
    return clock.this_hour()


def transaction_memo(session: Session) -> set[Any]:
    """A set that lives as long as the session's current transaction: for work that
    needs doing once per transaction, however many changes it holds."""
    return session.info.setdefault("transaction_memo", set())


@event.listens_for(Session, "after_transaction_end")
def _forget_memo_at_the_end(session: Session, transaction: Any) -> None:
    # Savepoints end inside the transaction and keep what was done in it.
    if transaction.parent is None:
        session.info.pop("transaction_memo", None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_memo_on_rollback(session: Session, _previous_transaction: Any) -> None:
    # A rollback, even of a savepoint, may undo work the memo says was done.
    session.info.pop("transaction_memo", None)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and real SAVEPOINTs.

    Bound values are left out of error messages and logs: they can hold emails and hashes.
    """
    kwargs.setdefault("hide_parameters", True)
    if not url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        _ping_after_idle(engine)
        _note_writes(engine)
        return engine
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
    _note_writes(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (SQLAlchemy's
        # documented recipe); without it SAVEPOINT and transactional DDL misbehave.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if url not in ("sqlite://", "sqlite:///:memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")

    return engine


#: In a connection's info while its transaction has sent anything but a SELECT.
_WROTE = "facilitator.wrote"
_READS = ("SELECT", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "PRAGMA", "SHOW")


def _note_writes(engine: Engine) -> None:
    """Keep in each connection's info whether its transaction has written (anything
    but a read was sent: conservative), until it commits or rolls back."""

    @event.listens_for(engine, "before_cursor_execute")
    def _note(connection: Any, _cursor: Any, statement: str, _parameters: Any,
              _context: Any, _executemany: bool) -> None:
        if not statement.lstrip()[:9].upper().startswith(_READS):
            connection.info[_WROTE] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _forget(connection: Any) -> None:
        connection.info.pop(_WROTE, None)

    @event.listens_for(engine, "reset")
    def _forget_on_return(_dbapi_connection: Any, record: Any, _reset_state: Any) -> None:
        record.info.pop(_WROTE, None)  # returned to the pool, rolled back there


def wrote_uncommitted(session: Session) -> bool:
    """Whether the session's transaction holds writes not committed yet: what it reads
    then may never be committed, and must not be kept for others."""
    return session.in_transaction() and bool(session.connection().info.get(_WROTE))


#: A pooled PostgreSQL connection unused for this long is tested before it is handed
#: out again: the server may have been restarted, or a firewall dropped the connection,
#: meanwhile. One in steady use (a busy worker hands it out many times a second) is not
#: tested each time, which cost a round trip on every request (SQLAlchemy's
#: pool_pre_ping); if it dies in use all the same, SQLAlchemy sees the disconnect and
#: drops every pooled connection.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_after_idle(engine: Engine) -> None:
    """Test a pooled connection before handing it out when it has been unused longer
    than PING_AFTER_IDLE_SECONDS (SQLAlchemy's recipe for custom pessimistic disconnect
    handling: DisconnectionError makes the pool replace it)."""

    @event.listens_for(engine, "checkin")
    def _note_return(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = clock.monotonic()

    @event.listens_for(engine, "checkout")
    def _test_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or clock.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError from error


#: True while a write transaction begins (`write_transaction`), False while a reading
#: one does (`read_transaction`).
_BEGINNING_A_WRITE: ContextVar[bool | None] = ContextVar("beginning_a_write", default=None)


def _may_write() -> bool:
    """Whether a transaction beginning now may write: one `write_transaction` begins,
    or any in a command (an app context with no request), which reads and writes in one
    go, unless it is a `read_transaction`. Requests read in plain transactions, which
    never wait; engines used with no app context (tests' fixtures, scripts) begin plain
    transactions too."""
    beginning = _BEGINNING_A_WRITE.get()
    if beginning is not None:
        return beginning
    return has_app_context() and not has_request_context()


def _begin(session: Session, write: bool) -> None:
    """End the session's transaction and begin the next one, on SQLite taking the write
    lock as it begins (write) or taking no lock at all."""
    session.commit()
    beginning = _BEGINNING_A_WRITE.set(write)
    try:
        session.connection()
    finally:
        _BEGINNING_A_WRITE.reset(beginning)


@contextmanager
def _committed(session: Session) -> Iterator[Session]:
    """Commit the session's transaction at the end of the block; roll it back if the
    block raises."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def read_transaction(session: Session) -> Iterator[Session]:
    """A transaction that changes nothing another connection sees: it reads, and may fill
    the connection's own TEMPORARY tables. On SQLite it begins plain (BEGIN) even in a
    command, so it holds no lock and no writer waits behind it, however long it takes.
    Committed at the end of the block, so what the temporary tables hold stays for the
    next transaction on the same connection; rolled back if the block raises."""
    if session.get_bind().dialect.name == "sqlite":
        _begin(session, write=False)
    with _committed(session):
        yield session


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """A transaction for one change, committed at the end of the block and rolled back
    if the block raises.

    On SQLite the transaction open before (a request's reads) is ended first, and the
    new one takes the write lock as it begins (BEGIN IMMEDIATE), waiting its turn
    behind the busy timeout. A reading transaction cannot become a writing one there:
    it fails at once with "database is locked" when another writer has committed since
    its first read (two people saving at the same moment got an error), and hundreds of
    check-ins at once would queue for the lock with their reads. PostgreSQL needs none
    of this: the change goes on in the transaction that is open. On both, objects read
    before keep what was read, and statements inside see what others committed (what
    PostgreSQL's READ COMMITTED gives): services check what must hold in their SQL."""
    if session.get_bind().dialect.name == "sqlite":
        _begin(session, write=True)
    elif _in_autocommit(session):
        session.commit()  # the connection goes back to the pool, its isolation reset
    with _committed(session):
        yield session


@contextmanager
def one_statement_write(session: Session) -> Iterator[Session]:
    """For a change a service makes in one statement, atomic by itself (a member's
    check-in, an acknowledgement of the statement): when the request reads in autocommit
    (reads_in_autocommit, on PostgreSQL) the statement is its own transaction, without
    the round trips of BEGIN and COMMIT around it; otherwise a write_transaction."""
    if _in_autocommit(session):
        yield session
        return
    with write_transaction(session):
        yield session


def _in_autocommit(session: Session) -> bool:
    """Whether the session's open transaction is one reads_in_autocommit made."""
    return session.in_transaction() and session.connection().get_execution_options().get(
        "isolation_level") == "AUTOCOMMIT"


def reads_in_autocommit(session: Session) -> Session:
    """For a request that from here on only reads (a page a member's phone shows): on
    PostgreSQL each statement runs in autocommit, its own transaction, seeing what it
    would see in one of READ COMMITTED, without the BEGIN and ROLLBACK round trips
    around them. Elsewhere, once the session's transaction has begun, or on a connection
    of the caller's (tests), as it was. A write later in the request (save, a throttle
    count) first ends this transaction and gets a transaction of its own as usual."""
    bind = session.get_bind()
    if not session.in_transaction() and not isinstance(bind, Connection) \
            and bind.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return session


class Database:
    """The app's engine and session factory, kept in ``app.extensions``."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    @contextmanager
    def one_connection_session(self) -> Iterator[Session]:
        """A session that keeps one connection from its first transaction to its last,
        for work that leaves something on the connection between them (TEMPORARY
        tables); closed at the end of the block."""
        with self.connect() as connection:
            session = self.sessionmaker(bind=connection)
            try:
                yield session
            finally:
                session.close()

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A plain connection for hot read paths that need no ORM session. It reads what
        the sessions read: the engine's, or the connection they are bound to (tests)."""
        bind = self.sessionmaker.kw.get("bind")
        if isinstance(bind, Connection):
            yield bind
            return
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def read_one(self) -> Iterator[Connection]:
        """A plain connection for one read on a hot path (a feed's validators), as
        `connect` gives, on PostgreSQL in autocommit: the statement is its own
        transaction and sees what it would see in one of READ COMMITTED, without the
        BEGIN and ROLLBACK round trips around it (two of the four a cached feed cost)."""
        with self.connect() as connection:
            if connection.in_transaction() or connection.dialect.name != "postgresql":
                yield connection
                return
            yield connection.execution_options(isolation_level="AUTOCOMMIT")


def init_app(app: Flask) -> None:
    app.extensions["facilitator.db"] = Database(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def database() -> Database:
    return current_app.extensions["facilitator.db"]


def get_session() -> Session:
    """Return this request's (or CLI command's) session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
