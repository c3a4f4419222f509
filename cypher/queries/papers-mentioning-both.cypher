// name: papers-mentioning-both
// answers: Which papers mention both of two entities (e.g. train on H800s with Megatron-LM)?
// param: first - the first entity's canonical name, any case (example: Mixture-of-Experts)
// param: second - the second entity's canonical name, any case (example: DeepSpeed)
MATCH (a:Entity)<-[:MENTIONS]-(p:Paper)-[:MENTIONS]->(b:Entity)
WHERE toLower(a.name) = toLower($first) AND toLower(b.name) = toLower($second)
RETURN p.id AS paper, p.title AS title
ORDER BY title, paper
