package io.cdcfanout.service.pipeline;

import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.ReconnectingConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes changes that could not be applied to {@code <schema>.dead_letters}: sink, table, key, LSN, reason
 * and what {@link DeadLetterPayload} keeps of the change. Replays add nothing (unique per sink, table, key, LSN
 * and sequence).
 *
 * <p>A letter the database refuses for its data (SQLSTATE class 22 data exception, 23 integrity violation or
 * 54 program limit exceeded: retrying cannot change the answer) is stored {@linkplain DeadLetter#cutDown cut
 * down} instead, so such a letter never stops the pipeline. Any other failure is thrown for the caller to retry.
 */
public final class DeadLetterStore implements DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStore.class);

    private final ReconnectingConnection connection;
    private final String schema;

    public DeadLetterStore(SourceDatabase database, String schema) {
        this.connection = new ReconnectingConnection(database, "cdc-fanout dead letters", false);
        this.schema = schema;
    }

    /**
     * Stores the letters in one transaction; on failure the caller retries the whole call. When the database
     * refuses the batch for its data, each letter is stored on its own, a refused one cut down; the call then
     * stores the letters one transaction each (a retry still adds nothing twice).
     */
    @Override
    public synchronized void write(List<DeadLetter> letters) throws SQLException {
        if (letters.isEmpty()) {
            return;
        }
        try {
            insert(letters);
        } catch (SQLException e) {
            if (!isRefusedData(e)) {
                throw withoutValues(e);
            }
            for (DeadLetter letter : letters) {
                try {
                    insert(List.of(letter));
                } catch (SQLException refused) {
                    if (!isRefusedData(refused)) {
                        throw withoutValues(refused);
                    }
                    SQLException cause = statementError(refused);
                    LOG.warn(
                            "dead letter of {} at {} by {} refused ({}); storing it without its payload",
                            letter.table(),
                            letter.lsn(),
                            letter.sink(),
                            cause.getSQLState());
                    try {
                        insert(List.of(letter.cutDown(cause.getSQLState() + " " + cause.getMessage())));
                    } catch (SQLException e2) {
                        throw withoutValues(e2);
                    }
                }
            }
        }
    }

    private void insert(List<DeadLetter> letters) throws SQLException {
        try {
            Connection c = connection.get();
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + schema + ".dead_letters "
                    + "(sink, table_name, row_key, lsn, sequence, tx_id, operation, reason, payload, payload_truncated, payload_size) "
                    + "VALUES (?, ?, ?, ?::pg_lsn, ?, ?, ?, ?, ?::jsonb, ?, ?) "
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
                    DeadLetterPayload payload = letter.payload();
                    if (payload.json() == null) {
                        insert.setNull(9, Types.OTHER);
                    } else {
                        insert.setString(9, payload.json());
                    }
                    insert.setBoolean(10, payload.truncated());
                    if (payload.json() == null && !payload.truncated()) {
                        insert.setNull(11, Types.BIGINT);
                    } else {
                        insert.setLong(11, payload.size());
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

    /**
     * The error of the statement itself: a batch's own exception quotes the whole statement with its
     * parameters (the letters' payloads), so it must not be logged or stored; its next exception is the
     * database's answer.
     */
    private static SQLException statementError(SQLException e) {
        return e.getNextException() != null ? e.getNextException() : e;
    }

    /** {@code e} as an exception whose message quotes no letter's values, for the caller to log and retry. */
    private static SQLException withoutValues(SQLException e) {
        SQLException cause = statementError(e);
        String message = String.valueOf(cause.getMessage());
        if (message.length() > 2000) {
            message = message.substring(0, 2000) + "…";
        }
        return new SQLException("cannot store dead letters: " + message, cause.getSQLState(), cause);
    }

    /** True when the database refused the statement for the data it was given: retrying cannot help. */
    static boolean isRefusedData(SQLException e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < 10; depth++) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("22") || state.startsWith("23") || state.startsWith("54")) {
                    return true;
                }
            }
            // a batch's own exception names the statement that failed as its next exception
            t = t instanceof SQLException sql && sql.getNextException() != null ? sql.getNextException() : t.getCause();
        }
        return false;
    }

    @Override
    public synchronized void close() {
        connection.close();
    }
}
