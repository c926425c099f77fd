package io.cdcfanout.it.support;

import io.cdcfanout.it.harness.TestDatabase;
import java.util.List;

/**
 * A second logical slot, decoded with {@code test_decoding}, kept beside the service's during a test: when a
 * sink misses a change, what Postgres itself decoded for that key (LSN, xid, operation) tells whether the
 * change reached the stream at all. Diagnostics only; it asserts nothing.
 */
public final class WalAudit implements AutoCloseable {

    private final TestDatabase db;
    private final String slot;

    private WalAudit(TestDatabase db, String slot) {
        this.db = db;
        this.slot = slot;
    }

    /** Creates the audit slot now: changes committed from here on can be listed. */
    public static WalAudit open(TestDatabase db, String slot) {
        db.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
        return new WalAudit(db, slot);
    }

    /**
     * The decoded lines ({@code lsn xid data}) of {@code table} that match the regular expression {@code keyPattern}
     * (for example {@code "id\\[integer\\]:16( |$)"}), with each of their transactions' COMMIT line, in stream
     * (commit) order.
     */
    public List<String> linesOf(String table, String keyPattern) {
        String changes = "SELECT lsn::text AS lsn, xid::text AS xid, data, row_number() OVER () AS n"
                + " FROM pg_logical_slot_peek_changes('" + slot + "', NULL, NULL, 'include-xids', '1',"
                + " 'include-timestamp', '1')";
        String sql = "WITH c AS (" + changes + "),"
                + " hit AS (SELECT * FROM c WHERE data LIKE 'table public." + table + ":%' AND data ~ '"
                + keyPattern.replace("'", "''") + "')"
                + " SELECT lsn || ' xid ' || xid || ' ' || data FROM c"
                + " WHERE n IN (SELECT n FROM hit)"
                + " OR (data LIKE 'COMMIT%' AND xid IN (SELECT xid FROM hit))"
                + " ORDER BY n";
        return db.rows(sql).stream().map(r -> r.get(0)).toList();
    }

    /** The number of decoded changes per {@code <table> <operation>}, for example {@code products INSERT}. */
    public java.util.Map<String, Long> counts() {
        java.util.Map<String, Long> counts = new java.util.TreeMap<>();
        db.rows(
                        "SELECT substring(data from '^table public\\.(\\w+): ') || ' ' || substring(data from '^table [^:]+: (\\w+):'),"
                                + " count(*) FROM pg_logical_slot_peek_changes('" + slot + "', NULL, NULL)"
                                + " WHERE data LIKE 'table %' GROUP BY 1")
                .forEach(r -> counts.put(r.get(0), Long.parseLong(r.get(1))));
        return counts;
    }

    @Override
    public void close() {
        db.execute("SELECT pg_drop_replication_slot('" + slot + "')");
    }
}
