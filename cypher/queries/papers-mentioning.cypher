// name: papers-mentioning
// answers: Which papers mention an entity, and how do they write it?
// param: entity (entity) - an entity name; kg resolves spellings to the canonical name (example: DeepSpeed)
MATCH (p:Paper)-[m:MENTIONS]->(e:Entity {name: $entity})
RETURN p.id AS paper, p.title AS title, m.surfaces AS surfaces
ORDER BY title, paper
