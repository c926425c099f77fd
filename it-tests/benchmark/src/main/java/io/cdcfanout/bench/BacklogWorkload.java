package io.cdcfanout.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * W1: a backlog of mixed changes on {@code w1_items} (~300-byte rows), written while no consumer runs.
 * Each transaction holds 1,000 changes: 500 inserts, then 400 updates and 100 deletes of rows the previous
 * transaction inserted (the first one works on its own rows), generated server-side. The changes
 * counted are the rows the statements reported.
 */
final class BacklogWorkload {

    static final int CHANGES_PER_TX = 1000;

    private static final String INSERT_ITEMS = """
            INSERT INTO w1_items SELECT g, 'SKU-' || lpad(g::text, 10, '0'), 'product name number ' || g,
                   (ARRAY['books','garden','tools','toys','food'])[1 + g % 5], (g % 1000) + 0.99, g % 500,
                   rpad('description of product ' || g || ' ', 190, 'lorem ipsum dolor sit amet '), now()
            FROM generate_series(?::bigint, ?::bigint) g""";

    /**
     * Inserts the rows {@code ?..?} of W1's shape (about 250 bytes each) into {@code table}, generated server-side;
     * W3 and W7 write the same rows.
     */
    static String insertItems(String table) {
        return INSERT_ITEMS.replace("w1_items", table);
    }

    private static final String UPDATE =
            "UPDATE w1_items SET price = price + 1, stock = stock - 1, updated_at = now() WHERE id BETWEEN ? AND ?";
    private static final String DELETE = "DELETE FROM w1_items WHERE id BETWEEN ? AND ?";

    private final BenchDatabase db;
    private final String table;

    BacklogWorkload(BenchDatabase db) {
        this(db, "w1_items");
    }

    /** The same workload on another table shaped like {@code w1_items}. */
    BacklogWorkload(BenchDatabase db, String table) {
        this.db = db;
        this.table = table;
    }

    /** Writes at least {@code changes} changes (whole transactions); returns how many. */
    long write(long changes) throws SQLException {
        long transactions = Math.max(1, (changes + CHANGES_PER_TX - 1) / CHANGES_PER_TX);
        try (Connection c = db.connect();
                PreparedStatement insert = c.prepareStatement(insertItems(table));
                PreparedStatement update = c.prepareStatement(UPDATE.replace("w1_items", table));
                PreparedStatement delete = c.prepareStatement(DELETE.replace("w1_items", table))) {
            c.setAutoCommit(false);
            long written = 0;
            for (long t = 0; t < transactions; t++) {
                long first = t * 500 + 1;
                written += range(insert, first, first + 499);
                if (t == 0) {
                    written += range(update, first, first + 399);
                    written += range(delete, first + 400, first + 499);
                } else {
                    // the previous transaction's rows 401-500 may be gone (t=1): update 1-400, delete 301-400
                    long previous = first - 500;
                    written += range(update, previous, previous + 399);
                    written += range(delete, previous + 300, previous + 399);
                }
                c.commit();
            }
            return written;
        }
    }

    private static int range(PreparedStatement ps, long from, long to) throws SQLException {
        ps.setLong(1, from);
        ps.setLong(2, to);
        return ps.executeUpdate();
    }
}
