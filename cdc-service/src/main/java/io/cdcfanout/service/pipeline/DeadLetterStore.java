package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.ChangeEvent;
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

    /** One rejected change. */
    public record DeadLetter(String sink, ChangeEvent event, String reason) {
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
                    ChangeEvent e = letter.event();
                    insert.setString(1, letter.sink());
                    insert.setString(2, e.table().toString());
                    insert.setString(3, e.key() == null ? "" : e.key().asText());
                    insert.setString(4, e.lsn().toString());
                    insert.setLong(5, e.position().sequence());
                    insert.setLong(6, e.position().txId());
                    insert.setString(7, e.op().name());
                    insert.setString(8, letter.reason());
                    String payload = payload(e);
                    if (payload == null) {
                        insert.setNull(9, Types.OTHER);
                    } else {
                        insert.setString(9, payload);
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

    private static String payload(ChangeEvent e) {
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
