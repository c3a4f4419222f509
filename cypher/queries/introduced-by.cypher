// name: introduced-by
// answers: What does a paper introduce?
// param: paper - the paper's id, or part of its title, any case (example: GPipe)
MATCH (p:Paper)-[:INTRODUCES]->(e:Entity)
WHERE p.id = $paper OR toLower(p.title) CONTAINS toLower($paper)
RETURN p.title AS paper, e.name AS entity, e.type AS type
ORDER BY paper, entity
