"""Storage errors.

    StorageError
    ├── MigrationError        a migration file failed to apply
    └── DatabaseUnavailable   the server cannot be reached

Driver exceptions are turned into these at the storage edge so that callers
never depend on asyncpg.
"""


class StorageError(Exception):
    """Base of every storage error."""


class MigrationError(StorageError):
    """A migration could not be applied."""


class DatabaseUnavailable(StorageError):
    """PostgreSQL could not be reached."""
