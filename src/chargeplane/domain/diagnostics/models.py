from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import AccountScoped, Base, TenantScoped, new_id, utcnow


class DiagnosticsRequest(AccountScoped, Base):
    """One GetDiagnostics: the upload address given (its secret only as a hash), the charger's answer
    and progress (DiagnosticsStatusNotification), and the file once it arrived.

    `status`: requested → accepted (the charger named a file) | failed (no answer) → uploading →
    uploaded (the file is here) | upload_failed."""

    __tablename__ = "diagnostics_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                       index=True)
    upload_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    failure: Mapped[str | None] = mapped_column(String(300))
    start_time: Mapped[datetime | None]
    stop_time: Mapped[datetime | None]
    charger_file_name: Mapped[str | None] = mapped_column(String(255))
    file_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    uploaded_at: Mapped[datetime | None]


class DiagnosticsFile(TenantScoped, Base):
    """The uploaded bytes, apart from the request so that lists never load them. In the database:
    every process of a cluster reaches it, and backups hold it."""

    __tablename__ = "diagnostics_files"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("diagnostics_requests.id", ondelete="CASCADE"),
                                                  unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
