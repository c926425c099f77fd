package io.cdcfanout.sink.cache;

import io.cdcfanout.schema.KeyShape;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.TableReads;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
                KeyShape key = TableReads.primaryKey(c, table);
                into.keyShape(table, key);
                load(c, table, key.columns(), (rowKey, row) -> into.row(table, rowKey, row));
            }
            c.commit();
            return visibility;
        }
    }

    /** Streams every row of the table to {@code sink}; {@code c} must not be in autocommit (cursor fetch). */
    private static void load(Connection c, TableId table, List<String> keyColumns, BiConsumer<RowKey, Row> sink)
            throws SQLException {
        try (Statement s = c.createStatement()) {
            s.setFetchSize(2000);
            try (ResultSet rs = s.executeQuery("SELECT * FROM " + table.quoted())) {
                TableReads.readRows(rs, keyColumns, sink::accept);
            }
        }
    }
}
