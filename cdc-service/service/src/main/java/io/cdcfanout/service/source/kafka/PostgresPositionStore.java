package io.cdcfanout.service.source.kafka;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.cdcfanout.service.engine.StartupException;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.ReconnectingConnection;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code offsets.store: postgres}: the position in the service's offsets table, one row per sidecar: instance
 * {@code kafka/<source.kafka.instance>}, key {@code ["kafka",{"topic":"<topic>","partition":0}]} (the shape of
 * Connect's offset keys), value {@code {"offset":N}}.
 */
final class PostgresPositionStore implements PositionStore {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresPositionStore.class);

    private final ReconnectingConnection connection;
    private final String table;
    private final String instance;
    private final byte[] key;

    PostgresPositionStore(SourceDatabase database, String schema, String instance, String topic) {
        this.connection = new ReconnectingConnection(database, "cdc-fanout kafka position", true);
        this.table = schema + ".offsets";
        this.instance = "kafka/" + instance;
        this.key = ("[\"kafka\",{\"topic\":\"" + topic + "\",\"partition\":0}]").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public OptionalLong load() {
        try (PreparedStatement ps =
                connection.get().prepareStatement("SELECT value FROM " + table + " WHERE instance = ? AND key = ?")) {
            ps.setString(1, instance);
            ps.setBytes(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getBytes(1) == null) {
                    return OptionalLong.empty();
                }
                return OptionalLong.of(parse(new String(rs.getBytes(1), StandardCharsets.UTF_8)));
            }
        } catch (SQLException e) {
            throw new StartupException("cannot read this sidecar's position from " + table + ": " + e.getMessage(), e);
        }
    }

    static long parse(String value) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\\{\"offset\":(\\d+)}").matcher(value);
        if (!m.matches()) {
            throw new StartupException("the stored Kafka position '" + value + "' is not {\"offset\":N}");
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public void save(long offset) throws InterruptedException {
        byte[] value = ("{\"offset\":" + offset + "}").getBytes(StandardCharsets.UTF_8);
        try {
            Failsafe.with(RetryPolicy.<Void>builder()
                            .handle(SQLException.class)
                            .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(10))
                            .withMaxRetries(-1)
                            .onRetry(e -> {
                                connection.drop();
                                LOG.warn(
                                        "cannot store the Kafka position, retrying: {}",
                                        e.getLastException().getMessage());
                            })
                            .build())
                    .run(() -> write(value));
        } catch (FailsafeException e) {
            if (e.getCause() instanceof InterruptedException ie) {
                throw ie;
            }
            throw e;
        }
    }

    private void write(byte[] value) throws SQLException {
        try (PreparedStatement ps = connection
                .get()
                .prepareStatement("INSERT INTO " + table + " (instance, key, value, updated_at) VALUES (?, ?, ?, now())"
                        + " ON CONFLICT (instance, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()")) {
            ps.setString(1, instance);
            ps.setBytes(2, key);
            ps.setBytes(3, value);
            ps.executeUpdate();
        }
    }

    @Override
    public String deleteHint() {
        return "DELETE FROM " + table + " WHERE instance = '" + instance + "'";
    }

    @Override
    public void close() {
        connection.close();
    }
}
