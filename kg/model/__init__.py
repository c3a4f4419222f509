"""The bottom layer, imported by every other: entity and record types (`types`), the errors users see
(`errors`), text normalisation (`text`), atomic file writes (`files`) and the version (`version`).

Nothing is imported here, so `from kg.model.errors import KGError` does not load pydantic.
"""
