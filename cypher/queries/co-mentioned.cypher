// name: co-mentioned
// answers: Which entities are mentioned in the same papers as an entity?
// param: entity - the entity's canonical name, any case (example: H800)
MATCH (e:Entity)<-[:MENTIONS]-(p:Paper)-[:MENTIONS]->(o:Entity)
WHERE toLower(e.name) = toLower($entity) AND o.id <> e.id
RETURN o.name AS entity, o.type AS type, COUNT(p) AS papers
ORDER BY papers DESC, entity
LIMIT 20
