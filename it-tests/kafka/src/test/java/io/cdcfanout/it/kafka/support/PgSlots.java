package io.cdcfanout.it.kafka.support;

import io.cdcfanout.it.harness.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** What Postgres says about the replication slots of a test database. */
public final class PgSlots {

    private PgSlots() {}

    /** The names of the replication slots on {@code db}'s database. */
    public static List<String> slotsOf(TestDatabase db) {
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT slot_name FROM pg_replication_slots WHERE database = ? ORDER BY slot_name")) {
            ps.setString(1, db.name());
            List<String> slots = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    slots.add(rs.getString(1));
                }
            }
            return slots;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
