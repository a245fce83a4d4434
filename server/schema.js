// The store's SQL schema: the same on PostgreSQL and PGlite. Created on first open
// (IF NOT EXISTS, in one transaction); `syncore_meta.schema_version` says which shape a
// database has.
//
// syncore_meta      one row: the head cursor (the last committed change), the epoch (a random
//                   id made with the database: a restore or a new database changes it), the
//                   horizon (changes at or below it may have been compacted away).
//                   Every write transaction locks this row first (UPDATE … RETURNING), so cursor
//                   assignment and commit happen in one order across every server instance: the
//                   committed cursors are always 1..head with no hole (see docs/server.md).
// syncore_entities  the current state: one row per entity, tombstones included.
// syncore_changes   the change log; cursor is its key; (collection, cursor) serves catch-up.
// syncore_answers   idempotency: key -> the answer given, without entity data (status, id,
//                   version, or the refusal); expires after the answer horizon.
// syncore_clients   client id -> the user it is bound to.
// syncore_counters  per collection: the last number used for a server-assigned id.
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS syncore_meta (
  singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  schema_version integer NOT NULL,
  epoch          text    NOT NULL,
  cursor         bigint  NOT NULL DEFAULT 0,
  horizon        bigint  NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS syncore_entities (
  collection  text    NOT NULL,
  id          text    NOT NULL,
  numeric_id  boolean NOT NULL DEFAULT false,
  version     bigint  NOT NULL,
  data        jsonb,
  deleted     boolean NOT NULL DEFAULT false,
  cursor      bigint  NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS syncore_changes (
  cursor      bigint  PRIMARY KEY,
  collection  text    NOT NULL,
  id          text    NOT NULL,
  numeric_id  boolean NOT NULL DEFAULT false,
  op          text    NOT NULL CHECK (op IN ('create', 'update', 'delete')),
  version     bigint  NOT NULL,
  data        jsonb,
  origin      text,
  ts          jsonb,
  committed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS syncore_changes_collection_cursor ON syncore_changes (collection, cursor);
CREATE TABLE IF NOT EXISTS syncore_answers (
  key         text PRIMARY KEY,
  user_id     text,
  collection  text,
  answer      jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS syncore_answers_created_at ON syncore_answers (created_at);
CREATE TABLE IF NOT EXISTS syncore_clients (
  client_id   text PRIMARY KEY,
  user_id     text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS syncore_counters (
  collection  text PRIMARY KEY,
  n           bigint NOT NULL
);
`;
