package io.cdcfanout.it.harness;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The real backends of one test run. Chosen once per run, in this order:
 * <ol>
 *   <li>endpoints from environment variables: {@code CDC_IT_PG_HOST}, {@code CDC_IT_PG_PORT},
 *       {@code CDC_IT_PG_USER}, {@code CDC_IT_PG_PASSWORD} and {@code CDC_IT_ES_URL};</li>
 *   <li>else Testcontainers, when a Docker engine answers;</li>
 *   <li>else local processes: Postgres from the binaries on the machine, else from Maven Central (each
 *       supported version; the newest unless a test asks for another), Elasticsearch from its Maven Central zip.</li>
 * </ol>
 * Tests annotated {@link OnEachPostgresVersion} also get a Postgres of each supported version.
 */
public final class Backends implements AutoCloseable {

    private final PostgresBackend postgres;
    private final ElasticsearchBackend elasticsearch;
    private final List<String> databases = new ArrayList<>();
    private final AutoCloseable onClose;
    private int postgresMajorVersion;

    Backends(PostgresBackend postgres, ElasticsearchBackend elasticsearch, AutoCloseable onClose) {
        this.postgres = postgres;
        this.elasticsearch = elasticsearch;
        this.onClose = onClose;
    }

    public PostgresBackend postgres() {
        return postgres;
    }

    public ElasticsearchBackend elasticsearch() {
        return elasticsearch;
    }

    /** {@link PostgresBackend#majorVersion()}, asked once. */
    public synchronized int postgresMajorVersion() {
        if (postgresMajorVersion == 0) {
            postgresMajorVersion = postgres.majorVersion();
        }
        return postgresMajorVersion;
    }

    /**
     * A new empty database with a unique name, dropped (with its replication slots) when the run ends. The idle
     * slots of the databases created before it are dropped now: their tests are over (tests run one at a time),
     * and left alone they would use up max_replication_slots and keep WAL for the rest of the run.
     */
    public synchronized TestDatabase createDatabase() {
        String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = adminConnection();
                Statement s = c.createStatement()) {
            if (!databases.isEmpty()) {
                s.execute(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE active_pid IS NULL"
                                + " AND database IN ('" + String.join("', '", databases) + "')");
            }
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database: " + e.getMessage(), e);
        }
        databases.add(name);
        return new TestDatabase(postgres, name);
    }

    /** A unique lower-case name for an index, slot or similar. */
    public static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    private Connection adminConnection() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl("postgres"), postgres.superuser(), postgres.password());
    }

    /** Drops the test databases (and their slots), then stops what the run started. */
    @Override
    public synchronized void close() throws Exception {
        try (Connection c = adminConnection();
                Statement s = c.createStatement()) {
            for (String db : databases) {
                s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = '" + db
                        + "' AND active_pid IS NOT NULL");
                s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + db
                        + "'");
                s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            System.err.println("[backends] cleanup of test databases failed: " + e.getMessage());
        } finally {
            databases.clear();
            onClose.close();
        }
    }
}
