package io.cdcfanout.sink.view;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.jdbc.TableReads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a view needs of one table from the catalog.
 *
 * @param columnTypes         column to its SQL type ({@code format_type}), in column order
 * @param key                 the primary-key columns in key order
 * @param replicaIdentityFull whether updates and deletes log the whole old row ({@code REPLICA IDENTITY FULL})
 */
public record TableShape(
        TableId table, Map<String, String> columnTypes, List<String> key, boolean replicaIdentityFull) {

    public TableShape {
        columnTypes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(columnTypes));
        key = List.copyOf(key);
    }

    /** Whether an image of a change of this table carries reliable values of {@code columns}, deletes included. */
    public boolean logsOldValuesOf(List<String> columns) {
        return replicaIdentityFull || key.containsAll(columns);
    }

    /** The shapes of the tables that exist; a missing table is absent from the map. */
    public static Map<TableId, TableShape> load(Connection c, Collection<TableId> tables) throws SQLException {
        Map<TableId, TableShape> shapes = new LinkedHashMap<>();
        for (TableId table : tables) {
            if (shapes.containsKey(table)) {
                continue;
            }
            Map<String, String> columns = new LinkedHashMap<>();
            boolean full = false;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT a.attname, format_type(a.atttypid, NULL), c.relreplident = 'f'
                    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
                    WHERE c.oid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
                    ORDER BY a.attnum""")) {
                ps.setString(1, table.quoted());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        columns.put(rs.getString(1), rs.getString(2));
                        full = rs.getBoolean(3);
                    }
                }
            }
            if (columns.isEmpty()) {
                continue;
            }
            List<String> key;
            try {
                key = TableReads.primaryKey(c, table).columns();
            } catch (SQLException e) {
                key = List.of(); // the check reports it
            }
            shapes.put(table, new TableShape(table, columns, key, full));
        }
        return shapes;
    }
}
