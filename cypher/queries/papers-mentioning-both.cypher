// name: papers-mentioning-both
// answers: Which papers mention both of two entities (e.g. train on H800s with Megatron-LM)?
// param: first (entity) - the first entity's name; kg resolves spellings to the canonical name (example: Mixture-of-Experts)
// param: second (entity) - the second entity's name; kg resolves spellings to the canonical name (example: DeepSpeed)
MATCH (a:Entity {name: $first})<-[:MENTIONS]-(p:Paper)-[:MENTIONS]->(b:Entity {name: $second})
RETURN p.id AS paper, p.title AS title
ORDER BY title, paper
