// name: hardware-with-framework
// answers: Which hardware do papers use together with a framework?
// param: framework - the framework's canonical name, any case (example: DeepSpeed)
MATCH (h:Hardware)<-[:MENTIONS]-(p:Paper)-[:MENTIONS]->(f:Framework)
WHERE toLower(f.name) = toLower($framework)
RETURN h.name AS hardware, COUNT(p) AS papers
ORDER BY papers DESC, hardware
