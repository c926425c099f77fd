package io.cdcfanout.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** W3: transactions of 10,000 rows each on {@code w3_items}, alternating a bulk insert and a bulk update. */
final class LargeTransactionWorkload {

    static final int ROWS_PER_TX = 10_000;

    private static final String INSERT = """
            INSERT INTO w3_items SELECT g, 'SKU-' || lpad(g::text, 10, '0'), 'product name number ' || g,
                   (ARRAY['books','garden','tools','toys','food'])[1 + g % 5], (g % 1000) + 0.99, g % 500,
                   rpad('description of product ' || g || ' ', 190, 'lorem ipsum dolor sit amet '), now()
            FROM generate_series(?::bigint, ?::bigint) g""";
    private static final String UPDATE =
            "UPDATE w3_items SET price = price + 1, stock = stock - 1, updated_at = now() WHERE id BETWEEN ? AND ?";

    private final BenchDatabase db;

    LargeTransactionWorkload(BenchDatabase db) {
        this.db = db;
    }

    /** Commits {@code transactions} transactions (insert, update, insert, ...); returns the changes written. */
    long write(int transactions) throws SQLException {
        try (Connection c = db.connect();
                PreparedStatement insert = c.prepareStatement(INSERT);
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
