// name: entity-family
// answers: What are the variants of an entity (its family members)?
// param: entity - the family's canonical name, any case (example: Hopper)
MATCH (v:Entity)-[:VARIANT_OF]->(e:Entity)
WHERE toLower(e.name) = toLower($entity)
RETURN e.name AS family, v.name AS variant, v.type AS type
ORDER BY variant
