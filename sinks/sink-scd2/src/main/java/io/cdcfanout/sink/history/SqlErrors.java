package io.cdcfanout.sink.history;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Set;

/** Tells transient database failures (retry the batch later) from permanent ones. */
final class SqlErrors {

    /** Serialization failure, deadlock, lock timeout, admin shutdown / pg_terminate_backend, crash shutdown, cannot connect now. */
    private static final Set<String> RETRYABLE_STATES =
            Set.of("40001", "40P01", "55P03", "57P01", "57P02", "57P03", "57014");

    private SqlErrors() {}

    /**
     * True for failures that retrying can fix: lost or refused connections (SQLSTATE class 08),
     * serialization failures, deadlocks, lock timeouts, server shutdown or termination of our backend,
     * insufficient resources (class 53) and query cancellation.
     */
    static boolean isRetryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("53") || RETRYABLE_STATES.contains(state)) {
                    return true;
                }
            }
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }
}
