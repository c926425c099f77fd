package io.cdcfanout.sink.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class SqlErrorsTest {

    private static boolean retryable(String sqlState) {
        return SqlErrors.isRetryable(new SQLException("x", sqlState));
    }

    @Test
    void transientFailuresAreRetryable() {
        assertThat(retryable("08006")).as("connection failure").isTrue();
        assertThat(retryable("08001")).as("connection refused").isTrue();
        assertThat(retryable("57P01"))
                .as("pg_terminate_backend / admin shutdown")
                .isTrue();
        assertThat(retryable("40001")).as("serialization failure").isTrue();
        assertThat(retryable("40P01")).as("deadlock").isTrue();
        assertThat(retryable("53300")).as("too many connections").isTrue();
    }

    @Test
    void permanentFailuresAreNot() {
        assertThat(retryable("54000")).as("index row too large").isFalse();
        assertThat(retryable("22P02")).as("invalid text representation").isFalse();
        assertThat(retryable("42P01")).as("undefined table").isFalse();
        assertThat(retryable(null)).isFalse();
    }

    @Test
    void aTransientCauseMakesTheWrapperRetryable() {
        SQLException wrapper = new SQLException("batch failed", "XX000", new SQLException("gone", "08006"));
        assertThat(SqlErrors.isRetryable(wrapper)).isTrue();
    }
}
