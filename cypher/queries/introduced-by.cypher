// name: introduced-by
// answers: What does a paper introduce?
// param: paper (paper) - a paper id, title or part of a title; kg resolves it to the paper's id (example: GPipe)
MATCH (p:Paper {id: $paper})-[:INTRODUCES]->(e:Entity)
RETURN p.title AS paper, e.name AS entity, e.type AS type
ORDER BY entity
