// name: most-cited-papers
// answers: Which papers do the most other papers build on?
MATCH (b:Paper)-[:CITES]->(a:Paper)
RETURN a.id AS paper, a.title AS title, COUNT(b) AS cited_by
ORDER BY cited_by DESC, title
LIMIT 20
