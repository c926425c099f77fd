package io.cdcfanout.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** W3: transactions of 10,000 rows each on {@code w3_items}, alternating a bulk insert and a bulk update. */
final class LargeTransactionWorkload {

    static final int ROWS_PER_TX = 10_000;

    private static final String UPDATE =
            "UPDATE w3_items SET price = price + 1, stock = stock - 1, updated_at = now() WHERE id BETWEEN ? AND ?";

    private final BenchDatabase db;

    LargeTransactionWorkload(BenchDatabase db) {
        this.db = db;
    }

    /** Commits {@code transactions} transactions (insert, update, insert, ...); returns the changes written. */
    long write(int transactions) throws SQLException {
        try (Connection c = db.connect();
                PreparedStatement insert = c.prepareStatement(BacklogWorkload.insertItems("w3_items"));
                PreparedStatement update = c.prepareStatement(UPDATE)) {
            c.setAutoCommit(false);
            long inserted = 0;
            for (int t = 0; t < transactions; t++) {
                PreparedStatement ps = t % 2 == 0 ? insert : update;
                long first = t % 2 == 0 ? inserted + 1 : inserted - ROWS_PER_TX + 1;
                ps.setLong(1, first);
                ps.setLong(2, first + ROWS_PER_TX - 1);
                ps.executeUpdate();
                c.commit();
                if (t % 2 == 0) {
                    inserted += ROWS_PER_TX;
                }
            }
        }
        return (long) transactions * ROWS_PER_TX;
    }
}
