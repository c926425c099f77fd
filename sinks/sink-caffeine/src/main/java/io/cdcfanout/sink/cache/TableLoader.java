package io.cdcfanout.sink.cache;

import io.cdcfanout.schema.KeyShape;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SourceDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/** Reads whole tables and their primary keys from the source Postgres, in one repeatable-read snapshot. */
final class TableLoader implements InitialLoad {

    private final SourceDatabase source;
    private final String applicationName;

    TableLoader(SourceDatabase source, String applicationName) {
        this.source = source;
        this.applicationName = applicationName;
    }

    @Override
    public SnapshotVisibility load(Set<TableId> tables, Receiver into) throws SQLException {
        try (Connection c = source.connect(applicationName)) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            SnapshotVisibility visibility;
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_current_snapshot()::text")) {
                rs.next();
                visibility = SnapshotVisibility.parse(rs.getString(1));
            }
            for (TableId table : tables) {
                KeyShape key = primaryKey(c, table);
                into.keyShape(table, key);
                load(c, table, key.columns(), (rowKey, row) -> into.row(table, rowKey, row));
            }
            c.commit();
            return visibility;
        }
    }

    /**
     * The table's primary key: its columns in key order and their base types.
     *
     * @throws SQLException when the table has no primary key
     */
    static KeyShape primaryKey(Connection c, TableId table) throws SQLException {
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

    /** Streams every row of the table to {@code sink}; {@code c} must not be in autocommit (cursor fetch). */
    private static void load(Connection c, TableId table, List<String> keyColumns, BiConsumer<RowKey, Row> sink)
            throws SQLException {
        try (Statement s = c.createStatement()) {
            s.setFetchSize(2000);
            try (ResultSet rs = s.executeQuery("SELECT * FROM " + table.quoted())) {
                ResultSetMetaData meta = rs.getMetaData();
                int n = meta.getColumnCount();
                String[] names = new String[n + 1];
                String[] types = new String[n + 1];
                for (int i = 1; i <= n; i++) {
                    names[i] = meta.getColumnName(i);
                    types[i] = meta.getColumnTypeName(i);
                }
                while (rs.next()) {
                    Row.Builder row = Row.builder();
                    for (int i = 1; i <= n; i++) {
                        row.put(names[i], JdbcValues.read(rs, i, types[i]));
                    }
                    Row image = row.build();
                    sink.accept(RowKey.of(keyColumns, image), image);
                }
            }
        }
    }
}
