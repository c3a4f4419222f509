// kg graph model in Neo4j 5: uniqueness constraints and indexes.
// Applied by `kg load` before any data, one statement at a time; each is
// idempotent (IF NOT EXISTS). A statement the server rejects is reported.
// Labels are those of kg.graph.Label; nodes are merged on id.

// Node identity: (:Paper {id}) and (:Entity {id}); MERGE uses these.
CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE;

// Lookups by name and type, and papers by arXiv id and title.
CREATE INDEX entity_name IF NOT EXISTS FOR (n:Entity) ON (n.name);
CREATE INDEX entity_type IF NOT EXISTS FOR (n:Entity) ON (n.type);
CREATE INDEX paper_arxiv_id IF NOT EXISTS FOR (n:Paper) ON (n.arxiv_id);
CREATE INDEX paper_title IF NOT EXISTS FOR (n:Paper) ON (n.title);
