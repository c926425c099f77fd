package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.sink.SourceDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * Writes changes a sink rejected to {@code <schema>.dead_letters}: sink, table, key, LSN, reason and the
 * change itself. Replays add nothing (unique per sink, table, key, LSN and sequence).
 */
public final class DeadLetterStore implements AutoCloseable {

    /**
     * One change that could not be applied.
     *
     * @param sink    the sink that refused it, or {@code (converter)} when it could not even be decoded
     * @param payload the change as JSON text, may be null
     */
    public record DeadLetter(String sink, String table, String key, Lsn lsn, long sequence, long txId, String operation,
                             String reason, String payload) {

        /** A change a sink refused for good. */
        public static DeadLetter rejected(String sink, ChangeEvent e, String reason) {
            return new DeadLetter(sink, e.table().toString(), e.key() == null ? "" : e.key().asText(), e.lsn(),
                    e.position().sequence(), e.position().txId(), e.op().name(), reason, DeadLetterStore.payload(e));
        }
    }

    private final SourceDatabase database;
    private final String schema;
    private Connection connection;

    public DeadLetterStore(SourceDatabase database, String schema) {
        this.database = database;
        this.schema = schema;
    }

    /** Stores the letters in one transaction; on failure the caller retries the whole call. */
    public synchronized void write(List<DeadLetter> letters) throws SQLException {
        if (letters.isEmpty()) {
            return;
        }
        try {
            Connection c = connection();
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + schema + ".dead_letters "
                    + "(sink, table_name, row_key, lsn, sequence, tx_id, operation, reason, payload) "
                    + "VALUES (?, ?, ?, ?::pg_lsn, ?, ?, ?, ?, ?::jsonb) "
                    + "ON CONFLICT (sink, table_name, row_key, lsn, sequence) DO NOTHING")) {
                for (DeadLetter letter : letters) {
                    insert.setString(1, letter.sink());
                    insert.setString(2, letter.table());
                    insert.setString(3, letter.key());
                    insert.setString(4, letter.lsn().toString());
                    insert.setLong(5, letter.sequence());
                    insert.setLong(6, letter.txId());
                    insert.setString(7, letter.operation());
                    insert.setString(8, letter.reason());
                    if (letter.payload() == null) {
                        insert.setNull(9, Types.OTHER);
                    } else {
                        insert.setString(9, letter.payload());
                    }
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    static String payload(ChangeEvent e) {
        var image = e.after() != null ? e.after() : e.before();
        if (image == null) {
            return null;
        }
        // Postgres jsonb cannot hold \u0000; a dead letter must still be written.
        return RowJson.toJson(image).toString().replace("\\u0000", "\\\\u0000");
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = database.connect("cdc-fanout dead letters");
            connection.setAutoCommit(false);
        }
        return connection;
    }

    @Override
    public synchronized void close() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // already broken
        } finally {
            connection = null;
        }
    }
}
