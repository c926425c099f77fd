package io.cdcfanout.connect;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.ReconnectingConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The connector's durable record of every TRUNCATE any of its tasks has seen: table {@code <schema>.sink_truncates}
 * in the source database, one row per (connector, table, LSN). A TRUNCATE has no key, so it lands on one partition
 * while the table's rows are spread over all of them; this log is how the tasks of the other partitions learn of
 * it. {@link CdcFanoutSinkTask} records a TRUNCATE here before applying it, and reads the log before and after
 * applying each batch (see the task's lifecycle for why that order cannot let a row come back).
 *
 * <p>Not thread-safe; one per task.
 */
final class TruncateLog implements AutoCloseable {

    private final String connector;
    private final String table;
    private final String schema;
    private final ReconnectingConnection connection;

    TruncateLog(SourceDatabase database, String schema, String connector) {
        this.connector = connector;
        this.schema = schema;
        this.table = "\"" + schema + "\".sink_truncates";
        this.connection = new ReconnectingConnection(database, "cdc-fanout-connect-" + connector, true);
    }

    /** Creates the schema and the table if absent; safe from several tasks at once. */
    void prepare() throws SQLException {
        Connection c = connection();
        try {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                // concurrent CREATE ... IF NOT EXISTS can still collide in the catalog: one at a time
                s.execute("SELECT pg_advisory_xact_lock(hashtext('cdc_fanout.sink_truncates'))");
                s.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
                s.execute("CREATE TABLE IF NOT EXISTS " + table + " ("
                        + " connector text NOT NULL,"
                        + " source_table text NOT NULL,"
                        + " lsn pg_lsn NOT NULL,"
                        + " tx_id bigint NOT NULL,"
                        + " commit_time timestamptz NOT NULL,"
                        + " sequence bigint NOT NULL,"
                        + " recorded_at timestamptz NOT NULL DEFAULT now(),"
                        + " PRIMARY KEY (connector, source_table, lsn))");
            }
            c.commit();
            c.setAutoCommit(true);
        } catch (SQLException e) {
            connection.drop();
            throw e;
        }
    }

    /** Stores the TRUNCATEs (repeats change nothing); returns once they are committed. */
    void record(List<ChangeEvent> truncates) throws SQLException {
        if (truncates.isEmpty()) {
            return;
        }
        try (PreparedStatement s = connection()
                .prepareStatement("INSERT INTO " + table
                        + " (connector, source_table, lsn, tx_id, commit_time, sequence)"
                        + " VALUES (?, ?, ?::pg_lsn, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (ChangeEvent truncate : truncates) {
                if (truncate.op() != Operation.TRUNCATE) {
                    throw new IllegalArgumentException("not a TRUNCATE: " + truncate);
                }
                SourcePosition position = truncate.position();
                s.setString(1, connector);
                s.setString(2, truncate.table().toString());
                s.setString(3, truncate.lsn().toString());
                s.setLong(4, position.txId());
                s.setObject(5, OffsetDateTime.ofInstant(position.commitTime(), ZoneOffset.UTC));
                s.setLong(6, position.sequence());
                s.addBatch();
            }
            s.executeBatch();
        } catch (SQLException e) {
            connection.drop();
            throw e;
        }
    }

    /**
     * The logged TRUNCATEs that come after a change of their table, in LSN order.
     *
     * @param after per table, an LSN: the TRUNCATEs of that table above it are returned
     */
    List<ChangeEvent> after(Map<TableId, Lsn> after) throws SQLException {
        if (after.isEmpty()) {
            return List.of();
        }
        List<ChangeEvent> found = new ArrayList<>();
        Connection c;
        try {
            c = connection();
            try (PreparedStatement s = c.prepareStatement("SELECT t.source_table, t.lsn::text, t.tx_id, t.commit_time,"
                    + " t.sequence FROM unnest(?::text[], ?::text[]) AS u(source_table, after_lsn)"
                    + " JOIN " + table + " t ON t.source_table = u.source_table AND t.lsn > u.after_lsn::pg_lsn"
                    + " WHERE t.connector = ? ORDER BY t.lsn")) {
                s.setArray(
                        1,
                        c.createArrayOf(
                                "text",
                                after.keySet().stream().map(TableId::toString).toArray(String[]::new)));
                s.setArray(
                        2,
                        c.createArrayOf(
                                "text",
                                after.values().stream().map(Lsn::toString).toArray(String[]::new)));
                s.setString(3, connector);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        found.add(new ChangeEvent(
                                TableId.parse(rs.getString(1)),
                                Operation.TRUNCATE,
                                null,
                                null,
                                null,
                                new SourcePosition(
                                        Lsn.parse(rs.getString(2)),
                                        rs.getLong(3),
                                        rs.getObject(4, OffsetDateTime.class).toInstant(),
                                        rs.getLong(5))));
                    }
                }
            }
        } catch (SQLException e) {
            connection.drop();
            throw e;
        }
        return found;
    }

    private Connection connection() throws SQLException {
        return connection.get();
    }

    @Override
    public void close() {
        connection.close();
    }
}
