package io.cdcfanout.service.pipeline;

import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.ReconnectingConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * Writes changes that could not be applied to {@code <schema>.dead_letters}: sink, table, key, LSN, reason
 * and the change itself. Replays add nothing (unique per sink, table, key, LSN and sequence).
 */
public final class DeadLetterStore implements DeadLetters {

    private final ReconnectingConnection connection;
    private final String schema;

    public DeadLetterStore(SourceDatabase database, String schema) {
        this.connection = new ReconnectingConnection(database, "cdc-fanout dead letters", false);
        this.schema = schema;
    }

    /** Stores the letters in one transaction; on failure the caller retries the whole call. */
    @Override
    public synchronized void write(List<DeadLetter> letters) throws SQLException {
        if (letters.isEmpty()) {
            return;
        }
        try {
            Connection c = connection.get();
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
            connection.drop();
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        connection.close();
    }
}
