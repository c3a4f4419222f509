// name: papers-mentioning
// answers: Which papers mention an entity, and how do they write it?
// param: entity - the entity's canonical name, any case (example: DeepSpeed)
MATCH (p:Paper)-[m:MENTIONS]->(e:Entity)
WHERE toLower(e.name) = toLower($entity)
RETURN p.id AS paper, p.title AS title, m.surfaces AS surfaces
ORDER BY title, paper
