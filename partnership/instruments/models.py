from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.db import Base, UTCDateTime, utcnow

ITEM_KINDS = ("agreement", "frequency", "likelihood", "comment")
#: Number of answer options A per scored kind (scoring.md section 1); likelihood is 0..10.
SCALE_POINTS = {"agreement": 5, "frequency": 4, "likelihood": 11}


class Instrument(Base):
    """An instrument lineage: the versions of one question set. Editing a version that has
    answers creates a new version in the same lineage; cloning starts a new lineage. Trends
    and TREND/DIVERGENCE signals follow one lineage across cycles.

    Built-in instruments have no partnership (every partnership may use them); a clone belongs
    to the partnership it was cloned for.
    """

    __tablename__ = "instruments"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True, nullable=True
    )
    #: Catalog key of a built-in (e.g. "quarterly-pulse"); None for clones.
    builtin_key: Mapped[str | None] = mapped_column(String(60), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Who is usually invited (shown to the coach when targeting a survey).
    audience: Mapped[str] = mapped_column(String(300), default="")
    minutes: Mapped[int] = mapped_column(Integer, default=5)
    #: The instrument version this lineage was cloned from (informational; no foreign key, so
    #: deleting the source never touches the clone and the two tables stay free of a cycle).
    cloned_from_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[InstrumentVersion]] = relationship(
        back_populates="instrument",
        order_by="InstrumentVersion.number",
        foreign_keys="InstrumentVersion.instrument_id",
    )

    @property
    def is_builtin(self) -> bool:
        return self.builtin_key is not None

    @property
    def latest(self) -> InstrumentVersion:
        return self.versions[-1]


class InstrumentVersion(Base):
    """One immutable-once-used version of an instrument's question set."""

    __tablename__ = "instrument_versions"
    __table_args__ = (UniqueConstraint("instrument_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("instruments.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    #: The dimensions in display order (scoring keeps this order, headline three first).
    dimensions: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Labels of the dimensions a coach added ({key: label}); built-in keys use the catalog's.
    dimension_labels: Mapped[dict[str, str]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    #: Set when a survey using this version opens: from then on edits create a new version.
    is_locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    instrument: Mapped[Instrument] = relationship(
        back_populates="versions", foreign_keys=[instrument_id]
    )
    items: Mapped[list[Item]] = relationship(
        back_populates="version", order_by="Item.position", cascade="all, delete-orphan"
    )


class Item(Base):
    """A question of one instrument version. `key` is stable across the versions of a lineage
    (answers, trends and exports refer to it); `id` identifies this version's copy."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        CheckConstraint("kind IN ('agreement', 'frequency', 'likelihood', 'comment')", name="kind"),
        CheckConstraint("sign IS NULL OR (sign >= 1 AND sign <= 10)", name="sign"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("instrument_versions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    #: Question text; "{partner}" renders as the other organization's name.
    text: Mapped[str] = mapped_column(Text)
    help: Mapped[str] = mapped_column(Text, default="")
    #: The scored dimension; None for the overall item, likelihood items and comments.
    dimension: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: Reverse-keyed: agreement is the unfavourable answer (scoring flips it).
    is_reverse: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_na: Mapped[bool] = mapped_column(Boolean, default=True)
    is_required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 1..10 for the ten plan-and-execution early-warning signs.
    sign: Mapped[int | None] = mapped_column(Integer, nullable=True)

    version: Mapped[InstrumentVersion] = relationship(back_populates="items")

    @property
    def points(self) -> int | None:
        return SCALE_POINTS.get(self.kind)
