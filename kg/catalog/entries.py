"""The curated entity catalog: YAML data files validated into `CatalogEntity` models.

The built-in catalog is every `*.yaml` file in this package. A user's file
(`--catalog FILE`, same schema) extends it; an entry whose name (or explicit
id) equals a built-in one replaces that entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from kg.model.errors import CatalogError
from kg.model.text import match_key, slug
from kg.model.types import Alias, CatalogEntity

CATALOG_DIR = Path(__file__).parent  # the *.yaml files beside this module


def entity_id(entity: CatalogEntity) -> str:
    return entity.id or slug(entity.name)


def parse_catalog(data: object, source: str) -> list[CatalogEntity]:
    """Validate parsed YAML (a list of mappings, or {"entities": [...]}) into entities."""
    if isinstance(data, dict) and "entities" in data:
        data = data["entities"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise CatalogError(f"{source}: expected a list of entities at top level (see kg/catalog/*.yaml for the schema)")
    entities = []
    for i, raw in enumerate(data, 1):
        name = raw.get("name") if isinstance(raw, dict) else None
        label = name[:80] if isinstance(name, str) else f"#{i}"
        if not isinstance(raw, dict):
            raise CatalogError(f"{source}: entry {label}: expected a mapping with name and type")
        try:
            entities.append(CatalogEntity.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "entry"
            raise CatalogError(f"{source}: entry {label!r}: {loc}: {err['msg']} (fix the entry or remove it)") from None
    return entities


def read_catalog_file(path: str | Path) -> list[CatalogEntity]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog file not found (check the --catalog path)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read catalog file: {exc}") from None
    import yaml  # here, not at the top: a linker loaded from the compiled catalog reads no YAML

    # libyaml's safe loader when PyYAML was built with it (about 8x faster on the catalog), else Python's.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise CatalogError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)} (fix the YAML syntax)") from None
    return parse_catalog(data, str(path))


@lru_cache(maxsize=1)
def builtin_catalog() -> tuple[CatalogEntity, ...]:
    """The entities of the built-in `*.yaml` files, read once per process.

    Cached at module level (unlike the linker's caches) because it is read-only data: the files ship with
    the package and no caller changes the entities, so every reader of a process may share them. A `Linker`
    rarely needs them: it loads its tables from the compiled catalog (`kg.link.compiled`) when that is current.
    """
    entities: list[CatalogEntity] = []
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        entities.extend(read_catalog_file(path))
    return tuple(entities)


def load_catalog(extra: Iterable[str | Path] = (), builtin: bool = True) -> list[CatalogEntity]:
    """Built-in entities plus those of `extra` files; later entries override earlier ones by id."""
    merged: dict[str, CatalogEntity] = {}
    sources = [list(builtin_catalog())] if builtin else []
    sources += [read_catalog_file(p) for p in extra]
    for entities in sources:
        for e in entities:
            merged[entity_id(e)] = e
    return list(merged.values())


def aliases_of(entity: CatalogEntity) -> list[Alias]:
    """The entity's name and aliases as `Alias` objects, entity-level rules as defaults."""
    out: list[Alias] = []
    seen: set[str] = set()
    explicit = [a for a in entity.aliases if isinstance(a, Alias)]
    plain = [a for a in entity.aliases if isinstance(a, str)]
    given: list[Alias | str] = [*explicit, entity.name, *plain]
    for a in given:
        if isinstance(a, str):
            a = Alias(text=a, case=entity.case, context=entity.context, veto_next=entity.veto_next)
        if a.text in seen:
            continue
        seen.add(a.text)
        out.append(a)
    return out


def build_index(entities: Iterable[CatalogEntity]) -> tuple[dict[str, CatalogEntity], dict[str, list[str]]]:
    """Index the catalog: `by_id` maps id -> entity, `by_alias` maps an alias's match key -> entity ids.

    A key shared by several entities lists them all, so callers can see the ambiguity.
    """
    by_id: dict[str, CatalogEntity] = {}
    by_alias: dict[str, list[str]] = {}
    for e in entities:
        eid = entity_id(e)
        by_id[eid] = e
        for a in aliases_of(e):
            key = match_key(a.text)
            if not key:
                continue
            ids = by_alias.setdefault(key, [])
            if eid not in ids:
                ids.append(eid)
    return by_id, by_alias


def check_catalog(entities: list[CatalogEntity]) -> list[str]:
    """Problems that pydantic cannot see: duplicate ids, unknown parents. Empty when clean."""
    problems = []
    ids: dict[str, str] = {}
    for e in entities:
        eid = entity_id(e)
        if eid in ids:
            problems.append(f"duplicate id {eid!r} ({ids[eid]!r} and {e.name!r})")
        ids[eid] = e.name
    names = {match_key(e.name): entity_id(e) for e in entities}
    for e in entities:
        if e.parent and e.parent not in ids and match_key(e.parent) not in names:
            problems.append(f"{e.name!r}: parent {e.parent!r} is not in the catalog")
    return problems
