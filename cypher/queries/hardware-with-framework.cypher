// name: hardware-with-framework
// answers: Which hardware do papers use together with a framework?
// param: framework (entity) - a framework name; kg resolves spellings to the canonical name (example: DeepSpeed)
MATCH (h:Hardware)<-[:MENTIONS]-(p:Paper)-[:MENTIONS]->(f:Framework {name: $framework})
RETURN h.name AS hardware, COUNT(p) AS papers
ORDER BY papers DESC, hardware
