"""Storage errors.

    StorageError
    ├── MigrationError        a migration file failed to apply
    └── DatabaseUnavailable   the server cannot be reached

Driver exceptions are turned into these at the storage edge so that callers
never depend on asyncpg. They belong to ``domain.errors``' hierarchy.
"""

from domain.errors import MetergraphError, Unavailable


class StorageError(MetergraphError):
    """Base of every storage error."""


class MigrationError(StorageError):
    """A migration could not be applied."""


class DatabaseUnavailable(StorageError, Unavailable):
    """PostgreSQL could not be reached."""
