// name: papers-citing
// answers: Which papers build on (CITE) a paper, and through which entities?
// param: paper (paper) - a paper id, title or part of a title; kg resolves it to the paper's id (example: DeepSeekMoE)
MATCH (b:Paper)-[c:CITES]->(a:Paper {id: $paper})
RETURN a.title AS cited, b.id AS paper, b.title AS title, c.via AS via
ORDER BY title, paper
