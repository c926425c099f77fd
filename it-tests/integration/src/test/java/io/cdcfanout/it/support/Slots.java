package io.cdcfanout.it.support;

import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.schema.Lsn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** What Postgres says about a replication slot, for tests that check how far the service confirmed. */
public final class Slots {

    private Slots() {}

    /** The slot's {@code confirmed_flush_lsn}; fails when the slot does not exist. */
    public static Lsn confirmedFlushLsn(TestDatabase db, String slot) {
        return Lsn.parse(query(db, slot, "confirmed_flush_lsn::text"));
    }

    /** WAL the slot retains beyond what was confirmed: {@code pg_current_wal_insert_lsn() - confirmed_flush_lsn}. */
    public static long retainedBytes(TestDatabase db, String slot) {
        return Long.parseLong(
                query(db, slot, "pg_wal_lsn_diff(pg_current_wal_insert_lsn(), confirmed_flush_lsn)::bigint::text"));
    }

    private static String query(TestDatabase db, String slot, String expression) {
        try (Connection c = db.connect();
                PreparedStatement ps =
                        c.prepareStatement("SELECT " + expression + " FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("replication slot " + slot + " does not exist");
                }
                return rs.getString(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
