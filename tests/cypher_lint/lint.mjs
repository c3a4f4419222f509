// Lint Cypher statements with Neo4j's own language support (@neo4j-cypher/language-support),
// once per Cypher version the package knows (CYPHER 5, CYPHER 25).
//
// stdin:  {"schema": {"labels": [...], "relationshipTypes": [...], "propertyKeys": [...]},
//          "statements": [{"id": "...", "query": "...", "parameters": {"name": value}}]}
// stdout: [{"id": "...", "diagnostics": [{"version", "severity", "message", "line", "character"}]}]
//
// Severity is "error" or "warning" (deprecations, unknown labels or properties, ...);
// the tests require none of either.
import { allCypherVersions, lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const { schema = {}, statements = [] } = JSON.parse(input);

// Neo4j's built-in functions and procedures as the package ships them, so that an
// unknown or deprecated function is reported as well.
const builtins = testData.mockSchema;

const out = statements.map(({ id, query, parameters = {} }) => {
  const diagnostics = [];
  for (const version of allCypherVersions) {
    const dbSchema = {
      labels: schema.labels ?? [],
      relationshipTypes: schema.relationshipTypes ?? [],
      propertyKeys: schema.propertyKeys ?? [],
      functions: builtins.functions,
      procedures: builtins.procedures,
      parameters,
      defaultLanguage: version,
    };
    const result = lintCypherQuery(query, dbSchema, { consoleCommandsEnabled: false });
    for (const d of result.diagnostics) {
      diagnostics.push({
        version,
        severity: SEVERITY[d.severity] ?? String(d.severity),
        message: d.message,
        line: d.range?.start?.line,
        character: d.range?.start?.character,
      });
    }
  }
  return { id, diagnostics };
});
process.stdout.write(JSON.stringify(out));
