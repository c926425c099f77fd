-- The service's own state. It lives in a schema of its own that is never captured.
-- ${schema} is replaced by the configured schema name (default cdc_fanout).

CREATE SCHEMA IF NOT EXISTS ${schema};

-- Debezium source offsets, one set per instance (instances are told apart by their slot name).
CREATE TABLE IF NOT EXISTS ${schema}.offsets (
    instance    text        NOT NULL,
    key         bytea       NOT NULL,
    value       bytea,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance, key)
);

-- Changes a sink permanently rejected. Unique per (sink, table, key, lsn, sequence) so a replay adds nothing.
-- payload is cut down to a cap (payload_truncated, payload_size = the JSON length of the whole image).
CREATE TABLE IF NOT EXISTS ${schema}.dead_letters (
    id          bigserial   PRIMARY KEY,
    sink        text        NOT NULL,
    table_name  text        NOT NULL,
    row_key     text        NOT NULL,
    lsn         pg_lsn      NOT NULL,
    sequence    bigint      NOT NULL,
    tx_id       bigint      NOT NULL,
    operation   text        NOT NULL,
    reason      text        NOT NULL,
    payload     jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sink, table_name, row_key, lsn, sequence)
);

-- Added after the first release: tables created before get them here (idempotent).
ALTER TABLE ${schema}.dead_letters ADD COLUMN IF NOT EXISTS payload_truncated boolean NOT NULL DEFAULT false;
ALTER TABLE ${schema}.dead_letters ADD COLUMN IF NOT EXISTS payload_size bigint;

-- Which tables each sink of an instance has been fed, so that a table added to a sink later is backfilled for
-- that sink and a removed one is reported once. An instance without rows here registers everything as it is.
CREATE TABLE IF NOT EXISTS ${schema}.sink_tables (
    instance    text        NOT NULL,
    sink        text        NOT NULL,
    table_name  text        NOT NULL,
    since       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance, sink, table_name)
);

-- Rebuilds in progress, saved after each chunk a sink took, so a restart (also after kill -9) resumes a rebuild
-- from its last chunk into the same new view instead of starting over. Deleted when the rebuild ends.
CREATE TABLE IF NOT EXISTS ${schema}.rebuilds (
    instance      text        NOT NULL,
    sink          text        NOT NULL,
    table_name    text        NOT NULL,
    target        text        NOT NULL,
    last_key      text[],
    rows_copied   bigint      NOT NULL,
    chunk_size    int         NOT NULL,
    rows_per_sec  int         NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance, sink, table_name)
);
