// name: top-entities
// answers: Which entities of a type are mentioned by the most papers?
// param: type (type) - one of Method, Model, Dataset, Hardware, Framework (example: Hardware)
MATCH (p:Paper)-[:MENTIONS]->(e:Entity {type: $type})
RETURN e.name AS entity, COUNT(p) AS papers
ORDER BY papers DESC, entity
LIMIT 20
