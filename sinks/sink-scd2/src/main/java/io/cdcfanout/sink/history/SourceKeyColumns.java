package io.cdcfanout.sink.history;

import io.cdcfanout.schema.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Looks up a source table's primary-key columns and their exact types in the source's catalog. */
final class SourceKeyColumns {

    private static final String SQL = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
            WHERE n.nspname = ? AND c.relname = ? AND i.indisprimary
            ORDER BY k.position
            """;

    private SourceKeyColumns() {}

    /**
     * The key columns in key order.
     *
     * @throws IllegalStateException when the table does not exist, has no primary key or an array key column (configuration
     *                               errors that retrying cannot fix)
     */
    static List<KeyColumn> lookUp(Connection source, TableId table) throws SQLException {
        List<KeyColumn> columns = new ArrayList<>();
        try (PreparedStatement s = source.prepareStatement(SQL)) {
            s.setString(1, table.schema());
            s.setString(2, table.table());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.add(new KeyColumn(rs.getString(1), rs.getString(2)));
                }
            }
        }
        if (columns.isEmpty()) {
            throw new IllegalStateException(
                    exists(source, table)
                            ? "scd2 sink: source table " + table
                                    + " has no primary key; history needs one to tell rows apart "
                                    + "(add a primary key or remove the table from the sink's tables)"
                            : "scd2 sink: source table " + table + " does not exist in the source database "
                                    + "(create it or remove it from the sink's tables)");
        }
        for (KeyColumn column : columns) {
            if (column.sqlType().endsWith("[]")) {
                throw new IllegalStateException("scd2 sink: source table " + table + " has array key column "
                        + column.name()
                        + " (" + column.sqlType() + "); its history could not be looked up by key, so remove the table"
                        + " from the sink's tables");
            }
        }
        return List.copyOf(columns);
    }

    private static boolean exists(Connection source, TableId table) throws SQLException {
        try (PreparedStatement s = source.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            s.setString(1, table.quoted());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
