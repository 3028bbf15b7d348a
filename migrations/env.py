import logging
from logging.config import fileConfig

from flask import current_app

from alembic import context
from sqlalchemy import inspect, text

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
# Keep the app's loggers (the audit log among them) working after a migration.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


# Until 0013 the history had eight heads (areas branched off 0001, and ``depends_on`` tied
# some of them together); it is one line now. A database migrated then keeps one
# alembic_version row per old head, which the line makes ancestors of each other, and
# Alembic refuses to upgrade from overlapping rows. Those rows are rewritten to the one
# revision they amount to: the old graph below tells which revisions they had applied,
# and that set must be the start of the line.
BRANCHED_PARENTS = {
    '0001': (), '0002': ('0001',), '0003': ('0001',), '0004': ('0001',),
    '0006': ('0001',), '0007': ('0001',), '0008': ('0002',), '0009': ('0003',),
    '0010': ('0001',), '0011': ('0002',), '0012': ('0010', '0002'),
    '0013': ('0003', '0009'),
}
LINE = ('0001', '0002', '0003', '0004', '0006', '0007', '0008', '0009', '0010',
        '0011', '0012', '0013')


def collapse_branched_versions(connection, version_table):
    """Replace the rows of the branched history by the one revision of the line."""
    if not inspect(connection).has_table(version_table):
        return
    rows = set(connection.scalars(text(f'SELECT version_num FROM {version_table}')))
    if len(rows) < 2 or not rows <= BRANCHED_PARENTS.keys():
        return
    applied, todo = set(), list(rows)
    while todo:
        revision = todo.pop()
        if revision not in applied:
            applied.add(revision)
            todo.extend(BRANCHED_PARENTS[revision])
    if applied != set(LINE[:len(applied)]):
        raise RuntimeError(
            f'{version_table} holds {sorted(rows)}: revisions {sorted(applied)} are not the '
            f'start of the line {" -> ".join(LINE)}; upgrade this database to all heads '
            f'with the release before the line first')
    last = LINE[len(applied) - 1]
    connection.execute(text(f'DELETE FROM {version_table} WHERE version_num <> :last'),
                       {'last': last})
    logger.info('Version rows %s of the branched history collapsed to %s',
                sorted(rows), last)


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        raw = None
        if connection.dialect.name == "sqlite":
            # A batch migration copies a table and drops the old one; with foreign keys
            # on, SQLite's DROP TABLE first deletes its rows and so cascades (ON DELETE
            # CASCADE) to every row that refers to them. The pragma only takes effect
            # outside a transaction: set it on the raw connection before one begins.
            raw = connection.connection.driver_connection
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            # In a transaction of its own: Alembic takes a transaction it finds open for
            # the caller's and would leave it uncommitted.
            with connection.begin():
                collapse_branched_versions(
                    connection, conf_args.get('version_table', 'alembic_version'))
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                **conf_args
            )

            with context.begin_transaction():
                context.run_migrations()
                if raw is not None:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"foreign keys broken by the migration: {broken}")
        finally:
            if raw is not None:
                # What is still open here would be rolled back on close anyway.
                if connection.in_transaction():
                    connection.rollback()
                raw.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
