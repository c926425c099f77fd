package io.cdcfanout.it.kafka.support;

import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.schema.Lsn;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** WAL positions of a test database, as the service's fence and a client's {@code min_lsn} take them. */
public final class Wal {

    private Wal() {}

    /** Writes a committed fence message, as the service does, and returns its position. */
    public static Lsn fence(TestDatabase db) {
        return query(db, "SELECT pg_logical_emit_message(true, 'cdc_fanout_fence', '')::text");
    }

    /** The WAL insert position: past every commit so far. */
    public static Lsn insertLsn(TestDatabase db) {
        return query(db, "SELECT pg_current_wal_insert_lsn()::text");
    }

    private static Lsn query(TestDatabase db, String sql) {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
