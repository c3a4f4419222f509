// kg graph model in Neo4j 5: uniqueness constraints and indexes.
// Applied by `kg load` before any data, one statement at a time; each is
// idempotent (IF NOT EXISTS). A statement the server rejects is reported.
// Labels are those of kg.model.types.Label; nodes are merged on id.
//
// The graph model (the same on the local store and in Neo4j; see kg/graph/model.py):
//   (:Paper {id, title, abstract, sources, year, url, arxiv_id, authors})
//   (:Entity:<Type> {id, name, type, aliases, description, vendor, year, source})
//       <Type> is exactly one of Method, Model, Dataset, Hardware, Framework;
//       source is "catalog" (kg/catalog/*.yaml) or "discovered" (found in the papers)
//   (:Paper)-[:MENTIONS {count, confidence, surfaces, rules, citations}]->(:Entity)
//   (:Paper)-[:INTRODUCES]->(:Entity)      the paper presents the entity
//   (:Paper)-[:CITES {via}]->(:Paper)      B mentions entities (via) that A introduces
//   (:Entity)-[:VARIANT_OF]->(:Entity)     catalog family, or the base of a sized variant

// Node identity: (:Paper {id}) and (:Entity {id}); MERGE uses these.
CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE;

// Lookups by name and type, and papers by arXiv id and title.
CREATE INDEX entity_name IF NOT EXISTS FOR (n:Entity) ON (n.name);
CREATE INDEX entity_type IF NOT EXISTS FOR (n:Entity) ON (n.type);
CREATE INDEX paper_arxiv_id IF NOT EXISTS FOR (n:Paper) ON (n.arxiv_id);
CREATE INDEX paper_title IF NOT EXISTS FOR (n:Paper) ON (n.title);
