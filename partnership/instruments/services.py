"""The instrument library: built-in instruments, clones owned by a partnership, and their
versions.

A version that a survey has opened (``is_locked``) is never changed again: answers, trends and
snapshots refer to it. Every edit therefore goes to the latest version while it is unlocked;
once it is locked, the edit first copies it to version N+1 (same item keys, so answers of both
versions can be read side by side) and applies the change there.

Public use cases commit once; helpers only flush. Every refused change raises
``InstrumentError`` before anything is written, so a refused edit leaves the database as it was.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from partnership.errors import NotFound, Refused
from partnership.extensions import db
from partnership.instruments import catalog
from partnership.instruments.models import Instrument, InstrumentVersion, Item
from partnership.partnerships.models import Partnership

log = logging.getLogger(__name__)

KIND_LABELS = {
    "agreement": "Agreement (5 points)",
    "frequency": "Frequency (4 points)",
    "likelihood": "Likelihood (0–10)",
    "comment": "Open comment",
}
MAX_TEXT = 300
MAX_HELP = 300
MAX_NAME = 200
MAX_DESCRIPTION = 4000
MAX_AUDIENCE = 300
MAX_DIMENSIONS = 20
#: States of a survey that has (or had) respondents: its version must stay as it is.
_KEY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


class InstrumentError(Refused):
    """A change refused, with a message fit for the coach. `field` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def dimension_label(key: str, version: InstrumentVersion | None = None) -> str:
    """The readable name of a dimension key: the label the coach gave it in this version, the
    catalog's label, else the key title-cased."""
    if version is not None and key in (version.dimension_labels or {}):
        return version.dimension_labels[key]
    return catalog.DIMENSION_LABELS.get(key) or key.replace("_", " ").replace("-", " ").title()


# --- access -------------------------------------------------------------------------------


def get_instrument_or_404(partnership: Partnership, instrument_id: int) -> Instrument:
    """The instrument if this partnership may see it (a built-in, or its own clone); else 404."""
    instrument = db.session.get(Instrument, instrument_id)
    if instrument is None or (
        instrument.partnership_id is not None and instrument.partnership_id != partnership.id
    ):
        raise NotFound("There is no such instrument, version or item here.")
    return instrument


def get_version_or_404(instrument: Instrument, number: int | None) -> InstrumentVersion:
    """Version `number` of the instrument (the latest when None); 404 if there is none."""
    if number is None:
        return latest_version(instrument)
    version = db.session.scalar(
        select(InstrumentVersion).where(
            InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.number == number
        )
    )
    if version is None:
        raise NotFound("There is no such instrument, version or item here.")
    return version


def get_item_or_404(instrument: Instrument, item_id: int) -> Item:
    """The latest version's copy of an item of this instrument; 404 otherwise.

    An id of an older version's copy (a page opened before a change created a new version)
    resolves to the latest copy with the same key.
    """
    item = db.session.get(Item, item_id)
    if item is None or item.version.instrument_id != instrument.id:
        raise NotFound("There is no such instrument, version or item here.")
    latest = latest_version(instrument)
    if item.version_id == latest.id:
        return item
    for candidate in latest.items:
        if candidate.key == item.key:
            return candidate
    raise NotFound("There is no such instrument, version or item here.")


# --- reading ------------------------------------------------------------------------------


def latest_version(instrument: Instrument) -> InstrumentVersion:
    """The instrument's highest-numbered version."""
    version = db.session.scalar(
        select(InstrumentVersion)
        .where(InstrumentVersion.instrument_id == instrument.id)
        .order_by(InstrumentVersion.number.desc())
        .limit(1)
    )
    if version is None:
        raise LookupError(f"instrument {instrument.id} has no version")
    return version


def usable_instruments(partnership: Partnership) -> list[Instrument]:
    """The instruments a partnership may run: the built-ins that are not archived, in catalog
    order, then the partnership's own (not archived), by name."""
    rows = db.session.scalars(
        select(Instrument)
        .where(
            Instrument.is_archived.is_(False),
            Instrument.partnership_id.is_(None) | (Instrument.partnership_id == partnership.id),
        )
        .options(selectinload(Instrument.versions))
    ).all()
    order = {entry.key: n for n, entry in enumerate(catalog.BUILTIN)}
    builtins = sorted(
        (i for i in rows if i.is_builtin), key=lambda i: (order.get(i.builtin_key or "", 99), i.id)
    )
    own = sorted((i for i in rows if not i.is_builtin), key=lambda i: (i.name.lower(), i.id))
    return [*builtins, *own]


def is_version_locked(version: InstrumentVersion) -> bool:
    """True when the version may not change: opening a survey locks its version
    (``lock_version``, in the same transaction), and a survey is never reopened."""
    return version.is_locked


@dataclass(frozen=True)
class DimensionSummary:
    key: str
    label: str
    kind: str | None
    items: int
    reverse: int


@dataclass(frozen=True)
class LibraryEntry:
    instrument: Instrument
    version: InstrumentVersion
    dimensions: list[DimensionSummary]
    unscored: int
    surveys: int
    cloned_from: str | None = None

    @property
    def item_count(self) -> int:
        return len(self.version.items)


def summarize_dimensions(version: InstrumentVersion) -> list[DimensionSummary]:
    """Per dimension of the version, in its order: scored item count, kind and reverse count."""
    out = []
    for key in version.dimensions:
        scored = [i for i in version.items if i.dimension == key and i.kind in catalog.SCORED_KINDS]
        kinds = {i.kind for i in scored}
        out.append(
            DimensionSummary(
                key=key,
                label=dimension_label(key, version),
                kind=kinds.pop() if len(kinds) == 1 else None,
                items=len(scored),
                reverse=sum(1 for i in scored if i.is_reverse),
            )
        )
    return out


def library(partnership: Partnership, counts: Mapping[int, int]) -> list[LibraryEntry]:
    """The library page's rows: every usable instrument with its latest version's shape and
    how many of this partnership's surveys use it (``counts`` by instrument id, from
    ``partnership.surveys.services.surveys_per_instrument``)."""
    instruments = usable_instruments(partnership)
    sources = _clone_sources([i.cloned_from_version_id for i in instruments])
    entries = []
    for instrument in instruments:
        if not instrument.versions:
            continue
        version = instrument.versions[-1]
        entries.append(
            LibraryEntry(
                instrument=instrument,
                version=version,
                dimensions=summarize_dimensions(version),
                unscored=sum(
                    1
                    for i in version.items
                    if i.kind not in catalog.SCORED_KINDS or i.dimension is None
                ),
                surveys=counts.get(instrument.id, 0),
                cloned_from=sources.get(instrument.cloned_from_version_id or 0),
            )
        )
    return entries


def clone_source(instrument: Instrument, partnership: Partnership) -> str | None:
    """ "Quarterly partnership pulse, version 2" for a clone whose source this partnership may
    see; None otherwise (a source from elsewhere is not named)."""
    if instrument.cloned_from_version_id is None:
        return None
    version = db.session.get(InstrumentVersion, instrument.cloned_from_version_id)
    if version is None:
        return None
    source = version.instrument
    if source.partnership_id not in (None, partnership.id):
        return None
    return f"{source.name}, version {version.number}"


def _clone_sources(version_ids: list[int | None]) -> dict[int, str]:
    ids = [v for v in version_ids if v]
    if not ids:
        return {}
    rows = db.session.execute(
        select(InstrumentVersion.id, InstrumentVersion.number, Instrument.name)
        .join(Instrument, Instrument.id == InstrumentVersion.instrument_id)
        .where(InstrumentVersion.id.in_(ids))
    ).all()
    return {vid: f"{name}, version {number}" for vid, number, name in rows}


# --- built-ins ----------------------------------------------------------------------------


def _catalog_rows(entry: catalog.CatalogInstrument) -> list[tuple[object, ...]]:
    return [
        (
            position,
            item.key,
            item.kind,
            item.text,
            item.help,
            item.dimension,
            item.reverse,
            item.allow_na,
            item.required,
            item.sign,
        )
        for position, item in enumerate(entry.items, start=1)
    ]


def _version_rows(version: InstrumentVersion) -> list[tuple[object, ...]]:
    return [
        (
            item.position,
            item.key,
            item.kind,
            item.text,
            item.help or "",
            item.dimension,
            bool(item.is_reverse),
            bool(item.allow_na),
            bool(item.is_required),
            item.sign,
        )
        for item in sorted(version.items, key=lambda i: i.position)
    ]


def _catalog_data(item: catalog.CatalogItem) -> ItemData:
    """A catalog item as the editor's item data, so both write an item the same way."""
    return ItemData(
        kind=item.kind,
        text=item.text,
        dimension=item.dimension,
        help=item.help,
        is_reverse=item.reverse,
        allow_na=item.allow_na,
        is_required=item.required,
        sign=item.sign,
    )


def _item_from_catalog(version_id: int, position: int, item: catalog.CatalogItem) -> Item:
    row = Item(version_id=version_id, key=item.key, position=position)
    _apply(row, _catalog_data(item))
    return row


def _write_catalog_items(version: InstrumentVersion, entry: catalog.CatalogInstrument) -> None:
    """Make an unlocked version hold exactly the catalog's items, keeping the rows (and ids)
    of items whose key is unchanged."""
    wanted = {item.key: (position, item) for position, item in enumerate(entry.items, start=1)}
    for row in list(version.items):
        if row.key not in wanted:
            version.items.remove(row)
    db.session.flush()
    existing = {row.key: row for row in version.items}
    for key, (position, item) in wanted.items():
        current = existing.get(key)
        if current is None:
            version.items.append(_item_from_catalog(version.id, position, item))
            continue
        current.position = position
        _apply(current, _catalog_data(item))
    version.dimensions = list(entry.dimensions)
    db.session.flush()


@db.writes
def ensure_builtins() -> None:
    """Create the catalog's built-in instruments, or bring them up to date. Idempotent; commits.

    A built-in whose catalog entry changed gets a new version when its latest version is
    locked (a survey opened it), else its latest version is updated in place. Name,
    description, audience and minutes belong to the lineage and are simply updated.
    """
    for entry in catalog.BUILTIN:
        instrument = db.session.scalar(
            select(Instrument).where(Instrument.builtin_key == entry.key)
        )
        if instrument is None:
            instrument = Instrument(builtin_key=entry.key, partnership_id=None)
            db.session.add(instrument)
        instrument.name = entry.name
        instrument.description = entry.description
        instrument.audience = entry.audience
        instrument.minutes = entry.minutes
        db.session.flush()
        version = db.session.scalar(
            select(InstrumentVersion)
            .where(InstrumentVersion.instrument_id == instrument.id)
            .order_by(InstrumentVersion.number.desc())
            .limit(1)
        )
        if version is not None and (
            _version_rows(version) == _catalog_rows(entry)
            and list(version.dimensions) == list(entry.dimensions)
        ):
            continue
        if version is None or is_version_locked(version):
            number = 1 if version is None else version.number + 1
            version = InstrumentVersion(
                instrument_id=instrument.id, number=number, dimensions=list(entry.dimensions)
            )
            db.session.add(version)
            db.session.flush()
            log.info("built-in %s: version %s created", entry.key, number)
        else:
            log.info("built-in %s: version %s updated in place", entry.key, version.number)
        _write_catalog_items(version, entry)
    db.session.commit()


def lock_version(version: InstrumentVersion) -> None:
    """Mark a version as used by an opened survey: from now on edits create a new version.
    Flushes only; the caller (opening a survey) commits."""
    version.is_locked = True
    db.session.flush()


# --- clone --------------------------------------------------------------------------------


@db.writes
def clone_instrument(
    partnership: Partnership, instrument: Instrument, number: int | None = None
) -> Instrument:
    """Start a new lineage owned by the partnership from version `number` (default: the
    latest) of an instrument it may see: "Copy of …", every item copied with its key.
    Commits."""
    source = get_version_or_404(instrument, number)
    clone = Instrument(
        partnership_id=partnership.id,
        builtin_key=None,
        name=_copy_name(instrument.name),
        description=instrument.description,
        audience=instrument.audience,
        minutes=instrument.minutes,
        cloned_from_version_id=source.id,
    )
    db.session.add(clone)
    db.session.flush()
    _copy_version(source, clone, 1)
    db.session.commit()
    log.info(
        "instrument %s cloned from version %s for partnership %s",
        clone.id,
        source.id,
        partnership.id,
    )
    return clone


def _copy_name(name: str) -> str:
    copy = f"Copy of {name}"
    return copy if len(copy) <= MAX_NAME else copy[: MAX_NAME - 1] + "…"


def _copy_version(
    source: InstrumentVersion, instrument: Instrument, number: int
) -> InstrumentVersion:
    version = InstrumentVersion(
        instrument_id=instrument.id,
        number=number,
        dimensions=list(source.dimensions),
        dimension_labels=dict(source.dimension_labels or {}),
    )
    db.session.add(version)
    db.session.flush()
    for item in sorted(source.items, key=lambda i: i.position):
        version.items.append(
            Item(
                version_id=version.id,
                key=item.key,
                position=item.position,
                kind=item.kind,
                text=item.text,
                help=item.help or "",
                dimension=item.dimension,
                is_reverse=item.is_reverse,
                allow_na=item.allow_na,
                is_required=item.is_required,
                sign=item.sign,
            )
        )
    db.session.flush()
    return version


# --- editing ------------------------------------------------------------------------------


@dataclass
class InstrumentData:
    name: str
    description: str = ""
    audience: str = ""
    minutes: int = 5


@dataclass
class ItemData:
    kind: str
    text: str
    dimension: str | None = None
    help: str = ""
    is_reverse: bool = False
    allow_na: bool = True
    is_required: bool = False
    sign: int | None = None


def _commit() -> None:
    """Commit an edit; a concurrent edit that created the same new version loses cleanly."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InstrumentError(
            "Someone else changed this instrument at the same moment. Reload the page and "
            "try again."
        )


def _require_own(instrument: Instrument) -> None:
    if instrument.is_builtin or instrument.partnership_id is None:
        raise InstrumentError("Built-in instruments are read-only. Clone one to change it.")


def _writable_version(instrument: Instrument) -> InstrumentVersion:
    """The latest version if it may change; else a copy of it as version N+1 (flushed)."""
    latest = latest_version(instrument)
    if not is_version_locked(latest):
        return latest
    copy = _copy_version(latest, instrument, latest.number + 1)
    log.info("instrument %s: version %s created from locked version", instrument.id, copy.number)
    return copy


def _item_in(version: InstrumentVersion, key: str) -> Item:
    for item in version.items:
        if item.key == key:
            return item
    raise LookupError(key)


@db.writes
def update_instrument(instrument: Instrument, data: InstrumentData) -> None:
    """Rename or re-describe one of the partnership's own instruments (lineage-wide: names
    and descriptions are not versioned). Commits."""
    _require_own(instrument)
    name = data.name.strip()
    if not name:
        raise InstrumentError("Give the instrument a name.", "name")
    if len(name) > MAX_NAME:
        raise InstrumentError(f"The name may have at most {MAX_NAME} characters.", "name")
    description = data.description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise InstrumentError(
            f"The description may have at most {MAX_DESCRIPTION} characters.", "description"
        )
    audience = data.audience.strip()
    if len(audience) > MAX_AUDIENCE:
        raise InstrumentError(
            f"The audience may have at most {MAX_AUDIENCE} characters.", "audience"
        )
    if not 1 <= data.minutes <= 120:
        raise InstrumentError("The time to answer must be between 1 and 120 minutes.", "minutes")
    instrument.name = name
    instrument.description = description
    instrument.audience = audience
    instrument.minutes = data.minutes
    _commit()


def _validate_item(
    version: InstrumentVersion, data: ItemData, *, replacing: str | None = None
) -> ItemData:
    """Check an item against the version it would join; returns it normalised."""
    kind = data.kind
    if kind not in catalog.KINDS:
        raise InstrumentError(
            "Choose a response scale: agreement, frequency, likelihood or comment.", "kind"
        )
    text = data.text.strip()
    if not text:
        raise InstrumentError("Write the question.", "text")
    if len(text) > MAX_TEXT:
        raise InstrumentError(
            f"The question may have at most {MAX_TEXT} characters (it has {len(text)}).", "text"
        )
    help_text = data.help.strip()
    if len(help_text) > MAX_HELP:
        raise InstrumentError(f"The hint may have at most {MAX_HELP} characters.", "help")
    dimension = data.dimension or None
    if kind in catalog.SCORED_KINDS:
        if dimension is not None and dimension not in version.dimensions:
            raise InstrumentError(
                f"“{dimension}” is not one of this instrument's dimensions.", "dimension"
            )
        if dimension is None and kind == "frequency":
            raise InstrumentError("A frequency item needs a dimension.", "dimension")
    elif dimension is not None:
        raise InstrumentError(
            f"A {kind} question is never scored, so it belongs to no dimension.", "dimension"
        )
    if dimension is not None:
        others = {
            i.kind
            for i in version.items
            if i.dimension == dimension and i.kind in catalog.SCORED_KINDS and i.key != replacing
        }
        if others and others != {kind}:
            (other,) = others
            raise InstrumentError(
                f"The other items of {dimension_label(dimension)} use the {other} scale; all "
                f"scored items of one dimension must use the same scale, so this one must be "
                f"{other} too.",
                "kind",
            )
    sign = data.sign
    if sign is not None:
        if kind != "frequency":
            raise InstrumentError(
                "Only frequency items can be one of the ten early-warning signs.", "sign"
            )
        if not 1 <= sign <= 10:
            raise InstrumentError("An early-warning sign is numbered 1 to 10.", "sign")
        taken = [i for i in version.items if i.sign == sign and i.key != replacing]
        if taken:
            raise InstrumentError(f"Sign {sign} is already asked by another item.", "sign")
    return ItemData(
        kind=kind,
        text=text,
        dimension=dimension,
        help=help_text,
        # an early-warning sign is always scored "more often is worse" (scoring.md section 1),
        # so it is stored reverse-keyed whatever the box said
        is_reverse=(bool(data.is_reverse) or sign is not None) and kind in catalog.SCORED_KINDS,
        allow_na=bool(data.allow_na) and kind != "comment",
        is_required=bool(data.is_required),
        sign=sign,
    )


def _new_key(instrument: Instrument, prefix: str) -> str:
    """A key never used in the lineage: the slug of the dimension (or kind) and a suffix."""
    used = set(
        db.session.scalars(
            select(Item.key)
            .join(InstrumentVersion, InstrumentVersion.id == Item.version_id)
            .where(InstrumentVersion.instrument_id == instrument.id)
        )
    )
    stem = (_slug(prefix, "-") or "item")[:40]
    while True:
        suffix = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(5))
        key = f"{stem}-{suffix}"
        if key not in used:
            return key


def _apply(item: Item, data: ItemData) -> None:
    item.kind = data.kind
    item.text = data.text
    item.help = data.help
    item.dimension = data.dimension
    item.is_reverse = data.is_reverse
    item.allow_na = data.allow_na
    item.is_required = data.is_required
    item.sign = data.sign


@db.writes
def add_item(instrument: Instrument, data: ItemData) -> Item:
    """Append a question to one of the partnership's own instruments, with a fresh key.
    Commits."""
    _require_own(instrument)
    clean = _validate_item(latest_version(instrument), data)
    version = _writable_version(instrument)
    item = Item(
        version_id=version.id,
        key=_new_key(instrument, clean.dimension or clean.kind),
        position=max((i.position for i in version.items), default=0) + 1,
        kind=clean.kind,
        text=clean.text,
    )
    _apply(item, clean)
    version.items.append(item)
    _commit()
    return item


@db.writes
def update_item(instrument: Instrument, item: Item, data: ItemData) -> Item:
    """Change a question of one of the partnership's own instruments; it keeps its key.
    Returns the latest version's copy. Commits."""
    _require_own(instrument)
    clean = _validate_item(latest_version(instrument), data, replacing=item.key)
    version = _writable_version(instrument)
    target = _item_in(version, item.key)
    _apply(target, clean)
    _commit()
    return target


@db.writes
def remove_item(instrument: Instrument, item: Item) -> None:
    """Remove a question from one of the partnership's own instruments. Commits."""
    _require_own(instrument)
    version = _writable_version(instrument)
    version.items.remove(_item_in(version, item.key))
    db.session.flush()
    _renumber(version)
    _commit()


@db.writes
def move_item(instrument: Instrument, item: Item, direction: str) -> None:
    """Move a question one place up or down in the asking order. Commits."""
    _require_own(instrument)
    if direction not in ("up", "down"):
        raise InstrumentError("Move an item up or down.")
    latest = latest_version(instrument)
    ordered = sorted(latest.items, key=lambda i: i.position)
    index = [i.key for i in ordered].index(item.key)
    neighbour = index - 1 if direction == "up" else index + 1
    if not 0 <= neighbour < len(ordered):
        raise InstrumentError(
            "That item is already " + ("first." if direction == "up" else "last.")
        )
    version = _writable_version(instrument)
    ordered = sorted(version.items, key=lambda i: i.position)
    ordered[index], ordered[neighbour] = ordered[neighbour], ordered[index]
    for position, row in enumerate(ordered, start=1):
        row.position = position
    _commit()


def _renumber(version: InstrumentVersion) -> None:
    for position, row in enumerate(sorted(version.items, key=lambda i: i.position), start=1):
        row.position = position
    db.session.flush()


def _slug(value: str, sep: str) -> str:
    return re.sub(r"[^a-z0-9]+", sep, value.strip().lower()).strip(sep)


@db.writes
def add_dimension(instrument: Instrument, label: str) -> str:
    """Add a dimension to the latest version of one of the partnership's own instruments; its
    key is the slug of the label. Returns the key. Commits."""
    _require_own(instrument)
    label = label.strip()
    key = _slug(label, "_")[:40].strip("_")
    if not key:
        raise InstrumentError("Name the dimension with letters or digits.", "label")
    latest = latest_version(instrument)
    if key in latest.dimensions:
        raise InstrumentError(f"The instrument already has the dimension “{key}”.", "label")
    if len(latest.dimensions) >= MAX_DIMENSIONS:
        raise InstrumentError(f"An instrument has at most {MAX_DIMENSIONS} dimensions.", "label")
    version = _writable_version(instrument)
    version.dimensions = [*version.dimensions, key]
    version.dimension_labels = {**(version.dimension_labels or {}), key: label[:80]}
    _commit()
    return key


@db.writes
def remove_dimension(instrument: Instrument, key: str) -> None:
    """Remove a dimension no item uses from one of the partnership's own instruments.
    Commits."""
    _require_own(instrument)
    latest = latest_version(instrument)
    if key not in latest.dimensions:
        raise InstrumentError(f"The instrument has no dimension “{key}”.")
    used = Counter(i.dimension for i in latest.items)[key]
    if used:
        raise InstrumentError(
            f"{dimension_label(key)} still has {used} item{'s' if used != 1 else ''}; "
            "move or remove them first."
        )
    version = _writable_version(instrument)
    version.dimensions = [d for d in version.dimensions if d != key]
    version.dimension_labels = {
        k: v for k, v in (version.dimension_labels or {}).items() if k != key
    }
    _commit()
