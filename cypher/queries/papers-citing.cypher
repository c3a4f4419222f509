// name: papers-citing
// answers: Which papers build on (CITE) a paper, and through which entities?
// param: paper - the cited paper's id, or part of its title, any case (example: DeepSeekMoE)
MATCH (b:Paper)-[c:CITES]->(a:Paper)
WHERE a.id = $paper OR toLower(a.title) CONTAINS toLower($paper)
RETURN a.title AS cited, b.id AS paper, b.title AS title, c.via AS via
ORDER BY cited, title, paper
