"""Storage: models, the engine, migrations. No Qt."""

from scrutiny_app.storage.database import Database
from scrutiny_app.storage.engine import StorageError
from scrutiny_app.storage.migrate import DatabaseTooNew, NotAScrutinyDatabase

__all__ = ["Database", "DatabaseTooNew", "NotAScrutinyDatabase", "StorageError"]
