"""Registry commands: `lendguard serve`, `lendguard db upgrade|downgrade|current`, `lendguard users add`,
`lendguard registry add-platform|verify-log|sweep|worker|signers`. The database comes from $LENDGUARD_DATABASE_URL."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:  # the database stack loads when a registry command runs, not with the CLI
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from lendguard.registry.auth import Principal

T = TypeVar("T")


class RegistryInputError(click.ClickException):
    exit_code = 2


def _url() -> str:
    from lendguard.registry.config import DATABASE_VARIABLE, DEFAULT_DATABASE, normalise_url

    return normalise_url(os.environ.get(DATABASE_VARIABLE) or DEFAULT_DATABASE)


def _engine() -> Engine:
    from lendguard.registry.db import make_engine

    return make_engine(_url())


def _cli_actor() -> Principal:
    from lendguard.registry.auth import Principal, Role

    return Principal("cli", Role.regulator)  # whoever runs the command line holds the server's database


@contextmanager
def _errors() -> Iterator[None]:
    """Database, key and service problems as one line on stderr, exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from lendguard.protect import KeyFileError
    from lendguard.registry.auth import UserError
    from lendguard.registry.errors import ServiceError
    from lendguard.reports.inspection import SignatureError

    try:
        yield
    except ServiceError as error:
        raise RegistryInputError(error.reason) from error
    except (UserError, KeyFileError, SignatureError) as error:
        raise RegistryInputError(str(error)) from error
    except SQLAlchemyError as error:
        original = getattr(error, "orig", None) or error
        reason = (str(original).strip().splitlines() or [type(error).__name__])[0]
        raise RegistryInputError(f"{_url().split('@')[-1]}: database error: {reason}") from error


def _in_session(engine: Engine, work: Callable[[Session], T]) -> T:
    from lendguard.registry.db import session_factory, transaction

    with transaction(session_factory(engine)) as session:
        return work(session)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--audit-worker/--no-audit-worker",
    default=True,
    show_default=True,
    help="Audit uploaded inspection bundles in a thread of this process (off: run `lendguard registry worker`).",
)
def serve(host: str, port: int, workers: int, audit_worker: bool) -> None:
    """Run the registry web service (an empty database is created and migrated first)."""
    import uvicorn

    from lendguard.registry.app import create_app
    from lendguard.registry.config import settings_from_env

    with _errors():
        settings = settings_from_env()
        app = create_app(settings, worker=audit_worker)
    click.echo(
        f"LendGuard registry on http://{host}:{port} (database {settings.database_url.split('@')[-1]})", err=True
    )
    uvicorn.run(app, host=host, port=port, workers=1 if workers == 1 else None, log_level="info", server_header=False)


@click.group()
def db() -> None:
    """The registry's database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from lendguard.registry.db import current_revision, upgrade

    with _errors():
        engine = _engine()
        upgrade(engine, revision)
        click.echo(f"database at revision {current_revision(engine)}")


@db.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION (default -1: one step)."""
    from lendguard.registry.db import current_revision, downgrade

    with _errors():
        engine = _engine()
        downgrade(engine, revision)
        click.echo(f"database at revision {current_revision(engine)}")


@db.command("current")
def db_current() -> None:
    from lendguard.registry.db import current_revision, head_revision

    with _errors():
        click.echo(f"{current_revision(_engine())} (newest {head_revision()})")


@click.group()
def users() -> None:
    """Registry users and their API tokens."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["regulator", "auditor", "platform"]), required=True)
@click.option("--platform", help="The platform a platform user acts for (its registered name).")
def users_add(name: str, role: str, platform: str | None) -> None:
    """Create a user; the API token is printed once, as the last word (only its hash is kept)."""
    from lendguard.registry.auth import Role, add_user
    from lendguard.registry.db import upgrade

    with _errors():
        engine = _engine()
        upgrade(engine)
        _, token = _in_session(engine, lambda s: add_user(s, name, Role(role), platform))
    click.echo(f"user {name} ({role}) created; token (shown once): {token}")


@click.group()
def registry() -> None:
    """Registry administration: platforms, trusted signers, the audit worker, the audit log, the overdue sweep."""


@registry.command("add-platform")
@click.argument("name")
@click.option("--uscc", required=True, help="Unified social credit code (统一社会信用代码).")
@click.option("--app", "apps", multiple=True, help="Android package name (repeatable).")
@click.option("--domain", "domains", multiple=True, help="Domain (repeatable).")
def add_platform(name: str, uscc: str, apps: tuple[str, ...], domains: tuple[str, ...]) -> None:
    from lendguard.registry.db import upgrade
    from lendguard.registry.platforms import add_platform as add

    with _errors():
        engine = _engine()
        upgrade(engine)
        actor = _cli_actor()
        platform_id = _in_session(engine, lambda s: add(s, actor, name, uscc, list(apps), list(domains)).id)
    click.echo(f"platform {platform_id}: {name}")


@registry.command("verify-log")
def verify_log() -> None:
    """Check the audit log's hash chain; exit 1 naming each entry that was changed or removed."""
    from lendguard.registry.audit import verify_chain

    with _errors():
        count, problems = _in_session(_engine(), verify_chain)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"audit log intact: {count} entries")


@registry.command("sweep")
def sweep_command() -> None:
    """Suspend the certificates of platforms whose periodic inspection is overdue."""
    from lendguard.registry.app import Registry, sweep
    from lendguard.registry.auth import TokenCache
    from lendguard.registry.config import settings_from_env
    from lendguard.registry.db import make_engine, session_factory
    from lendguard.registry.security import Csrf, RateLimiter
    from lendguard.rulebase import load_rulebase

    with _errors():
        settings = settings_from_env()
        engine = make_engine(settings.database_url)
        state = Registry(
            settings, engine, session_factory(engine), load_rulebase(), TokenCache(), RateLimiter(1), Csrf(b"-")
        )
        click.echo(f"{sweep(state)} certificate(s) suspended")


@registry.command("worker")
@click.option("--once", is_flag=True, help="Audit the queued bundles, then exit (else keep polling).")
@click.option("--poll", default=5.0, show_default=True, type=click.FloatRange(0.5, 3600), help="Seconds between polls.")
def worker_command(once: bool, poll: float) -> None:
    """Audit uploaded inspection bundles: unpack, audit, sign with the registry's key, record."""
    from lendguard.registry.app import load_auditor
    from lendguard.registry.config import settings_from_env
    from lendguard.registry.db import make_engine, session_factory, transaction
    from lendguard.registry.jobs import Worker, work_once
    from lendguard.registry.signers import ensure_own
    from lendguard.rulebase import load_rulebase

    with _errors():
        settings = settings_from_env()
        auditing = load_auditor(settings, load_rulebase())
        assert auditing is not None  # settings_from_env always names a signing key
        sessions = session_factory(make_engine(settings.database_url))
        with transaction(sessions) as session:
            ensure_own(session, auditing[1])
        if once:
            done = 0
            while work_once(sessions, auditing[0]) is not None:
                done += 1
            click.echo(f"{done} job(s) audited")
            return
        click.echo("LendGuard audit worker: waiting for inspection bundles", err=True)
        Worker(sessions, auditing[0], poll).loop()


@registry.group("signers")
def signers_group() -> None:
    """The keys whose signed reports the registry accepts."""


@signers_group.command("add")
@click.argument("name")
@click.argument("public_key", type=click.Path(dir_okay=False, path_type=Path))
def signers_add(name: str, public_key: Path) -> None:
    """Trust reports signed with PUBLIC_KEY (the signer's FILE.pub from `lendguard keys generate --signing`)."""
    from lendguard.registry.signers import add_signer

    try:
        text = public_key.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RegistryInputError(f"{public_key}: cannot be read ({error.__class__.__name__})") from error
    with _errors():
        actor = _cli_actor()
        signer = _in_session(_engine(), lambda s: add_signer(s, actor, name, text))
    click.echo(f"signer {signer.id}: {signer.name} {signer.public_key}")


@signers_group.command("remove")
@click.argument("signer")
def signers_remove(signer: str) -> None:
    """Stop trusting SIGNER (name or id); reports accepted earlier stay."""
    from lendguard.registry.config import signing_key_from_env
    from lendguard.registry.signers import remove_signer, signing_public_key

    with _errors():
        own = signing_public_key(signing_key_from_env())
        actor = _cli_actor()
        removed = _in_session(_engine(), lambda s: remove_signer(s, actor, signer, own))
    click.echo(f"signer {removed.name} removed")


@signers_group.command("list")
def signers_list() -> None:
    from lendguard.registry.signers import list_signers

    with _errors():
        actor = _cli_actor()
        rows = _in_session(_engine(), lambda s: [(x.id, x.name, x.public_key) for x in list_signers(s, actor)])
    for row_id, name, key in rows:
        click.echo(f"{row_id}\t{name}\t{key}")


COMMANDS = (serve, db, users, registry)
