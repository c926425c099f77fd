package io.cdcfanout.sink.jdbc;

import io.cdcfanout.schema.KeyShape;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Plain queries of a captured table whose rows must equal the same rows streamed from the WAL. */
public final class TableReads {

    private TableReads() {}

    /** Takes the rows a read returns, with their keys. */
    @FunctionalInterface
    public interface RowReceiver {
        void row(RowKey key, Row row) throws SQLException;
    }

    /**
     * The table's primary key: its columns in key order and their base types.
     *
     * @throws SQLException when the table does not exist or has no primary key
     */
    public static KeyShape primaryKey(Connection c, TableId table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname, coalesce(b.typname, t.typname)
                FROM pg_index i
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                JOIN pg_type t ON t.oid = a.atttypid
                LEFT JOIN pg_type b ON b.oid = t.typbasetype
                WHERE i.indrelid = ?::regclass AND i.indisprimary
                ORDER BY array_position(i.indkey::int2[], a.attnum)""")) {
            ps.setString(1, table.quoted());
            List<String> columns = new ArrayList<>();
            List<String> types = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                    types.add(rs.getString(2));
                }
            }
            if (columns.isEmpty()) {
                throw new SQLException("table " + table + " has no primary key");
            }
            return new KeyShape(columns, types);
        }
    }

    /** The planner's estimate of the table's rows ({@code pg_class.reltuples}); -1 when never analyzed. */
    public static long estimatedRows(Connection c, TableId table) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT reltuples::bigint FROM pg_class WHERE oid = ?::regclass")) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Math.max(-1, rs.getLong(1)) : -1;
            }
        }
    }

    /**
     * Sends every row of a result set to {@code into}, each converted as the WAL converter would.
     *
     * @return the primary-key values of the last row in their Postgres text form, for the next keyset chunk;
     *     null when there was no row
     */
    public static List<String> readRows(ResultSet rs, List<String> keyColumns, RowReceiver into) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int n = meta.getColumnCount();
        String[] names = new String[n + 1];
        String[] types = new String[n + 1];
        int[] keyIndexes = new int[keyColumns.size()];
        for (int i = 1; i <= n; i++) {
            names[i] = meta.getColumnName(i);
            types[i] = meta.getColumnTypeName(i);
            int k = keyColumns.indexOf(names[i]);
            if (k >= 0) {
                keyIndexes[k] = i;
            }
        }
        List<String> lastKey = null;
        while (rs.next()) {
            Row.Builder row = Row.builder();
            for (int i = 1; i <= n; i++) {
                row.put(names[i], JdbcValues.read(rs, i, types[i]));
            }
            Row image = row.build();
            into.row(RowKey.of(keyColumns, image), image);
            List<String> key = new ArrayList<>(keyIndexes.length);
            for (int index : keyIndexes) {
                key.add(rs.getString(index));
            }
            lastKey = key;
        }
        return lastKey;
    }
}
