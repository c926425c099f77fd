package io.cdcfanout.sink.jdbc;

import io.cdcfanout.sink.SourceDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

/**
 * One JDBC connection that is opened on first use and opened again after it was dropped: the holder
 * calls {@link #get()} for each unit of work and {@link #drop()} when the connection failed, so the next
 * {@link #get()} reconnects. Opening is lazy, so creating one never touches the database.
 *
 * <p>Thread-safe, but it hands out the same connection to every caller: a holder that runs statements
 * from several threads serializes them itself.
 */
public final class ReconnectingConnection implements AutoCloseable {

    private final SourceDatabase database;
    private final String applicationName;
    private final boolean autoCommit;
    private Connection connection;

    /**
     * @param applicationName shown in {@code pg_stat_activity}
     * @param autoCommit      the auto-commit mode each new connection is given
     */
    public ReconnectingConnection(SourceDatabase database, String applicationName, boolean autoCommit) {
        this.database = Objects.requireNonNull(database, "database");
        this.applicationName = Objects.requireNonNull(applicationName, "applicationName");
        this.autoCommit = autoCommit;
    }

    /** The open connection, connecting first if there is none or it was closed. */
    public synchronized Connection get() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Connection opened = database.connect(applicationName);
            try {
                opened.setAutoCommit(autoCommit);
            } catch (SQLException e) {
                closeQuietly(opened);
                throw e;
            }
            connection = opened;
        }
        return connection;
    }

    /** Closes the connection (it failed, or is no longer needed); the next {@link #get()} opens a new one. */
    public synchronized void drop() {
        if (connection != null) {
            closeQuietly(connection);
            connection = null;
        }
    }

    /** Same as {@link #drop()}; the holder may still call {@link #get()} afterwards. */
    @Override
    public void close() {
        drop();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // a failed connection is being dropped; there is nothing left to save
        }
    }
}
