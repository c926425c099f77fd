package io.cdcfanout.service.source;

import io.cdcfanout.converter.ConnectorContract;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.ReconnectingConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Writes fences into the WAL: committed logical decoding messages whose position stands after every
 * transaction that committed before the call (see {@code ServiceView.fence}). Keeps one connection open
 * for all calls, one call at a time, and reconnects when it was lost.
 */
public final class WalFence implements AutoCloseable {

    private final ReconnectingConnection connection;

    public WalFence(SourceDatabase source) {
        this.connection = new ReconnectingConnection(source, "cdc-fanout fence", false);
    }

    /**
     * Writes a fence and returns its position. A connection that failed since the last call (the server
     * restarted, say) is replaced and the fence written once more on the new one.
     */
    public synchronized Lsn write() throws SQLException {
        try {
            return writeOn(connection.get());
        } catch (SQLException stale) {
            connection.drop();
            try {
                return writeOn(connection.get());
            } catch (SQLException e) {
                connection.drop();
                e.addSuppressed(stale);
                throw e;
            }
        }
    }

    // A committed transactional message: the commit flushes the WAL (walsenders only send flushed WAL, and
    // Postgres 15 never flushes a non-transactional message by itself), also when the server runs with
    // synchronous_commit=off.
    private static Lsn writeOn(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL synchronous_commit = on");
        }
        Lsn lsn;
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_logical_emit_message(true, ?, '')::text")) {
            ps.setString(1, ConnectorContract.FENCE_MESSAGE_PREFIX);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                lsn = Lsn.parse(rs.getString(1));
            }
        }
        c.commit();
        return lsn;
    }

    @Override
    public synchronized void close() {
        connection.close();
    }
}
