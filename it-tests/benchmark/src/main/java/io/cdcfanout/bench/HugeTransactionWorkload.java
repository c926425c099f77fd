package io.cdcfanout.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * W7: one transaction inserting {@code rows} rows of about 250 bytes into {@code w7_items} (W1's columns), then
 * {@link #UPDATES} single-row update transactions behind it. The updates measure the catch-up: nothing after the
 * huge transaction is applied before all of it is, and nothing in the pipeline may hold it whole.
 */
final class HugeTransactionWorkload {

    static final int UPDATES = 1_000;

    private static final String UPDATE =
            "UPDATE w7_items SET price = price + 1, stock = stock - 1, updated_at = now() WHERE id = ?";

    private final BenchDatabase db;

    HugeTransactionWorkload(BenchDatabase db) {
        this.db = db;
    }

    /** Commits the transaction of {@code rows} rows, then the updates; returns the changes written. */
    long write(long rows) throws SQLException {
        try (Connection c = db.connect();
                PreparedStatement insert = c.prepareStatement(BacklogWorkload.insertItems("w7_items"));
                PreparedStatement update = c.prepareStatement(UPDATE)) {
            c.setAutoCommit(false);
            insert.setLong(1, 1);
            insert.setLong(2, rows);
            insert.executeUpdate();
            c.commit();
            c.setAutoCommit(true);
            for (int i = 0; i < UPDATES; i++) {
                update.setLong(1, 1 + ThreadLocalRandom.current().nextLong(rows));
                update.executeUpdate();
            }
        }
        return rows + UPDATES;
    }
}
