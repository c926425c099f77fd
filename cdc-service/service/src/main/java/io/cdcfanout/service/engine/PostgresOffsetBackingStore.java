package io.cdcfanout.service.engine;

import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.ReconnectingConnection;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * Keeps Debezium's offsets in a table of the service's schema in Postgres, so the sidecar holds no
 * local state and can be restarted anywhere.
 *
 * <p>Debezium creates this class by name; its connection settings are handed over through
 * {@link #register} rather than through connector properties, which Debezium may log.
 * Rows are keyed by instance (the slot name), so several instances can share one database.
 */
public final class PostgresOffsetBackingStore extends MemoryOffsetBackingStore {

    static final String STORE_ID = "offset.storage.cdcfanout.store.id";

    /** Where a store with a given id keeps its offsets. */
    public record Target(SourceDatabase database, String schema, String instance) {}

    private static final Map<String, Target> TARGETS = new ConcurrentHashMap<>();

    private Target target;
    private ReconnectingConnection connection;

    public static void register(String storeId, Target target) {
        TARGETS.put(storeId, target);
    }

    public static void unregister(String storeId) {
        TARGETS.remove(storeId);
    }

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        String id = config.originalsStrings().get(STORE_ID);
        target = TARGETS.get(id);
        if (target == null) {
            throw new ConnectException("no offset store registered under id " + id);
        }
        connection = new ReconnectingConnection(target.database(), "cdc-fanout offsets", true);
    }

    @Override
    public synchronized void start() {
        super.start();
        try {
            data = load();
        } catch (SQLException e) {
            throw new ConnectException(
                    "cannot read offsets from " + target.schema() + ".offsets: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void stop() {
        super.stop();
        if (connection != null) {
            connection.drop();
        }
    }

    /** Runs on the store's own executor after each {@code set}; one transaction for all keys. */
    @Override
    protected void save() {
        Map<ByteBuffer, ByteBuffer> snapshot = new HashMap<>(data);
        try {
            write(snapshot);
        } catch (SQLException first) {
            connection.drop();
            try {
                write(snapshot);
            } catch (SQLException e) {
                throw new ConnectException(
                        "cannot write offsets to " + target.schema() + ".offsets: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return new HashSet<>();
    }

    private Map<ByteBuffer, ByteBuffer> load() throws SQLException {
        Map<ByteBuffer, ByteBuffer> loaded = new HashMap<>();
        try (PreparedStatement select = connection
                .get()
                .prepareStatement("SELECT key, value FROM " + target.schema() + ".offsets WHERE instance = ?")) {
            select.setString(1, target.instance());
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    byte[] value = rs.getBytes(2);
                    loaded.put(ByteBuffer.wrap(rs.getBytes(1)), value == null ? null : ByteBuffer.wrap(value));
                }
            }
        }
        return loaded;
    }

    private void write(Map<ByteBuffer, ByteBuffer> offsets) throws SQLException {
        Connection c = connection.get();
        c.setAutoCommit(false);
        try (PreparedStatement upsert = c.prepareStatement("INSERT INTO " + target.schema()
                + ".offsets (instance, key, value, updated_at) VALUES (?, ?, ?, now()) "
                + "ON CONFLICT (instance, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()")) {
            for (Map.Entry<ByteBuffer, ByteBuffer> e : offsets.entrySet()) {
                upsert.setString(1, target.instance());
                upsert.setBytes(2, bytes(e.getKey()));
                upsert.setBytes(3, e.getValue() == null ? null : bytes(e.getValue()));
                upsert.addBatch();
            }
            upsert.executeBatch();
            c.commit();
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is broken; the caller reconnects
            }
            throw e;
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
