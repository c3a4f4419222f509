// name: co-mentioned
// answers: Which entities are mentioned in the same papers as an entity?
// param: entity (entity) - an entity name; kg resolves spellings to the canonical name (example: H800)
MATCH (e:Entity {name: $entity})<-[:MENTIONS]-(p:Paper)-[:MENTIONS]->(o:Entity)
WHERE o.id <> e.id
RETURN o.name AS entity, o.type AS type, COUNT(p) AS papers
ORDER BY papers DESC, entity
LIMIT 20
