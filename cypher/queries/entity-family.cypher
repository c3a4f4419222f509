// name: entity-family
// answers: What are the variants of an entity (its family members)?
// param: entity (entity) - the family's name; kg resolves spellings to the canonical name (example: Hopper)
MATCH (v:Entity)-[:VARIANT_OF]->(e:Entity {name: $entity})
RETURN e.name AS family, v.name AS variant, v.type AS type
ORDER BY variant
