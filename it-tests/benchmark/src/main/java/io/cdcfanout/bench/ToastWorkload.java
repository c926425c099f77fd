package io.cdcfanout.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * W4: rows of {@code w4_docs} with a 10 kB text body stored out of line (TOAST, {@code STORAGE EXTERNAL}),
 * inserted, then each updated once without touching the body, so the update arrives with the body as an
 * unchanged-TOAST placeholder that every sink must complete. 100 rows per transaction.
 */
final class ToastWorkload {

    static final int ROWS_PER_TX = 100;

    private static final String INSERT = """
            INSERT INTO w4_docs SELECT g, 'document ' || g, 1,
                   (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 320) i)
            FROM generate_series(?::bigint, ?::bigint) g""";
    private static final String UPDATE =
            "UPDATE w4_docs SET version = version + 1, title = title || '*' WHERE id BETWEEN ? AND ?";

    private final BenchDatabase db;

    ToastWorkload(BenchDatabase db) {
        this.db = db;
    }

    /** Inserts {@code rows} rows, then updates each once; returns the changes written (2 per row). */
    long write(int rows) throws SQLException {
        try (Connection c = db.connect();
                PreparedStatement insert = c.prepareStatement(INSERT);
                PreparedStatement update = c.prepareStatement(UPDATE)) {
            c.setAutoCommit(false);
            for (PreparedStatement ps : new PreparedStatement[] {insert, update}) {
                for (long first = 1; first <= rows; first += ROWS_PER_TX) {
                    ps.setLong(1, first);
                    ps.setLong(2, Math.min(rows, first + ROWS_PER_TX - 1));
                    ps.executeUpdate();
                    c.commit();
                }
            }
        }
        return 2L * rows;
    }
}
