package io.cdcfanout.bench;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.testbackends.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** The benchmark's database {@code bench} on the benchmark's own Postgres: tables, slots, WAL positions. */
final class BenchDatabase {

    static final String NAME = "bench";
    static final String PUBLICATION = "bench";
    static final List<String> TABLES = List.of(
            "public.warmup_items",
            "public.w1_items",
            "public.w2_items",
            "public.w3_items",
            "public.w4_docs",
            "public.w1k_items",
            "public.w5_items",
            "public.w7_items",
            "public.customers",
            "public.orders",
            "public.order_lines");

    private static final String SCHEMA = """
            CREATE TABLE w1_items (id bigint PRIMARY KEY, sku text NOT NULL, name text NOT NULL, category text NOT NULL,
                                   price numeric(10,2) NOT NULL, stock int NOT NULL, description text NOT NULL,
                                   updated_at timestamptz NOT NULL);
            CREATE TABLE warmup_items (LIKE w1_items INCLUDING ALL);
            CREATE TABLE w2_items (LIKE w1_items INCLUDING ALL);
            CREATE TABLE w3_items (LIKE w1_items INCLUDING ALL);
            CREATE TABLE w1k_items (LIKE w1_items INCLUDING ALL);
            CREATE TABLE w1k_warmup (LIKE w1_items INCLUDING ALL);
            CREATE TABLE w5_items (LIKE w1_items INCLUDING ALL);
            CREATE TABLE w7_items (LIKE w1_items INCLUDING ALL);
            CREATE TABLE w4_docs  (id bigint PRIMARY KEY, title text NOT NULL, version int NOT NULL, body text NOT NULL);
            ALTER TABLE w4_docs ALTER COLUMN body SET STORAGE EXTERNAL;
            CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, tier text NOT NULL);
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers, status text NOT NULL,
                                 placed_at timestamptz NOT NULL, note text NOT NULL);
            CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders, sku text NOT NULL,
                                      quantity int NOT NULL, unit_price numeric(10,2) NOT NULL);
            CREATE INDEX order_lines_order_id ON order_lines (order_id);
            ALTER TABLE order_lines REPLICA IDENTITY FULL;
            CREATE PUBLICATION bench FOR TABLE warmup_items, w1_items, w2_items, w3_items, w4_docs, w1k_items, w5_items,
                                               w7_items,
                                               customers, orders, order_lines;
            """;

    private final LocalPostgres pg;

    BenchDatabase(LocalPostgres pg) {
        this.pg = pg;
    }

    void create() throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.superuser(), pg.password());
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + NAME);
            // The tests' server drops a silent walsender after 5 s so that restarts are quick; a pause of the
            // service that long (a full collection under a small heap, say) then restarts the stream, and a huge
            // transaction is decoded again from its start, over and over (W7 did). Measure with Postgres' default.
            s.execute("ALTER SYSTEM SET wal_sender_timeout = '60s'");
            s.execute("SELECT pg_reload_conf()");
        }
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute(SCHEMA);
        }
    }

    /** A connection whose commits are flushed at once (the server default is off to speed tests up). */
    Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(pg.jdbcUrl(NAME), pg.superuser(), pg.password());
        try (Statement s = c.createStatement()) {
            s.execute("SET synchronous_commit = on");
        }
        return c;
    }

    String jdbcUrl() {
        return pg.jdbcUrl(NAME);
    }

    LocalPostgres postgres() {
        return pg;
    }

    void createSlot(String slot) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slot);
            ps.execute();
        }
    }

    /** Rows in {@code table} (e.g. a history table's versions). */
    long count(String table) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    void dropSlot(String slot) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
            ps.setString(1, slot);
            ps.execute();
        }
    }

    boolean slotActive(String slot) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps =
                        c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    Lsn currentLsn() throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    /** Bytes of WAL the slot retains beyond its confirmed position; -1 if it does not exist. */
    long slotLagBytes(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }
}
