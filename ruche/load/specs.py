"""The loader's entity specs, derived from the platform registry (`ruche.platforms`): a new
platform's entities load without an edit here."""

from __future__ import annotations

from dataclasses import dataclass

from ruche import platforms
from ruche.platforms import Entity, Platform


@dataclass(frozen=True)
class EntitySpec:
    """How one landed entity becomes a raw table."""

    platform: str
    entity: str
    key: str  # SQL over the staged columns; made unique per account (and snapshot date)
    snapshot: bool = False  # one row per record per run date (daily snapshots of counters)
    expected: tuple[str, ...] = ()  # top-level fields reported when missing
    parent_entity: str | None = None  # comments/insights: the entity `_parent_id` refers to
    author_field: str | None = None  # comments: the field naming the author, counted when absent

    @property
    def table(self) -> str:
        return f"raw_{self.platform}.{self.entity}"

    @property
    def tracks_sightings(self) -> bool:
        """Records re-read whole under their parent on every run (comments of a post): the
        loader keeps when each was last returned (`seen_table`), since an unchanged record's
        raw row keeps its first extraction, and a record a later read no longer returns
        (deleted) can only be told by that."""
        return self.parent_entity is not None and not self.snapshot

    @property
    def seen_table(self) -> str:
        """`raw_<platform>.<entity>__seen`: per record key, the latest extraction that returned
        it (only for `tracks_sightings` entities)."""
        return f"{self.table}__seen"

    @classmethod
    def of(cls, platform: Platform, entity: Entity) -> EntitySpec:
        """The spec of a registered platform's entity (key SQL, snapshot rule, parent, fields)."""
        return cls(
            platform=platform.name,
            entity=entity.name,
            key=entity.key,
            snapshot=entity.snapshot,
            expected=entity.expected,
            parent_entity=entity.parent,
            author_field=entity.author_field,
        )


SPECS: dict[tuple[str, str], EntitySpec] = {
    (platform.name, entity.name): EntitySpec.of(platform, entity)
    for platform, entity in platforms.entities()
}
"""Every registered (platform, entity), in registry order."""


def author_field(platform: str, entity: str) -> str | None:
    """The field naming a record's author (comments), if the entity has one."""
    spec = SPECS.get((platform, entity))
    return spec.author_field if spec else None
