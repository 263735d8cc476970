"""Persistence: engine and runners, the unit of work, the tenancy gate, migrations."""

from chargeplane.db.base import Base, TenantScoped, utcnow
from chargeplane.db.database import Database
from chargeplane.db.scope import Scope
from chargeplane.db.uow import UnitOfWork

__all__ = ["Base", "Database", "Scope", "TenantScoped", "UnitOfWork", "utcnow"]
