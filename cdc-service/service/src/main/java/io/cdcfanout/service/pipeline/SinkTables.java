package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SourceDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The record, in {@code <schema>.sink_tables}, of which tables each sink of one instance has been fed. */
public final class SinkTables {

    private final SourceDatabase database;
    private final String schema;
    private final String instance;

    public SinkTables(SourceDatabase database, String schema, String instance) {
        this.database = database;
        this.schema = schema;
        this.instance = instance;
    }

    /** The tables each sink was fed, by sink; empty when this instance recorded none. */
    public Map<String, Set<TableId>> load() throws SQLException {
        Map<String, Set<TableId>> fed = new LinkedHashMap<>();
        try (Connection c = database.connect("cdc-fanout sink tables");
                PreparedStatement ps = c.prepareStatement(
                        "SELECT sink, table_name FROM " + schema + ".sink_tables WHERE instance = ? ORDER BY 1, 2")) {
            ps.setString(1, instance);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fed.computeIfAbsent(rs.getString(1), s -> new HashSet<>()).add(TableId.parse(rs.getString(2)));
                }
            }
        }
        return fed;
    }

    public void register(String sink, Collection<TableId> tables) throws SQLException {
        update(
                "INSERT INTO " + schema + ".sink_tables (instance, sink, table_name) VALUES (?, ?, ?)"
                        + " ON CONFLICT DO NOTHING",
                sink,
                tables);
    }

    public void forget(String sink, Collection<TableId> tables) throws SQLException {
        update(
                "DELETE FROM " + schema + ".sink_tables WHERE instance = ? AND sink = ? AND table_name = ?",
                sink,
                tables);
    }

    private void update(String sql, String sink, Collection<TableId> tables) throws SQLException {
        if (tables.isEmpty()) {
            return;
        }
        try (Connection c = database.connect("cdc-fanout sink tables");
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (TableId table : tables) {
                ps.setString(1, instance);
                ps.setString(2, sink);
                ps.setString(3, table.toString());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
