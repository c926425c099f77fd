package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.OnEachPostgresVersion;
import io.cdcfanout.it.harness.PostgresBackend;
import io.cdcfanout.it.harness.SupportedPostgres;
import io.cdcfanout.it.harness.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The harness itself: the backends it hands out are real and set up the way the service needs. */
@ExtendWith(BackendsExtension.class)
class HarnessIT {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void postgresHasLogicalWalLevel(TestDatabase db) throws SQLException {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW wal_level")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("logical");
        }
    }

    @Test
    void pgoutputSlotCanBeCreatedAndDroppedInATestDatabase(TestDatabase db) throws SQLException {
        String slot = Backends.uniqueName("harness");
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
            try (ResultSet rs = s.executeQuery(
                    "SELECT plugin, database FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("plugin")).isEqualTo("pgoutput");
                assertThat(rs.getString("database")).isEqualTo(db.name());
            }
            s.execute("SELECT pg_drop_replication_slot('" + slot + "')");
            try (ResultSet rs =
                    s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }

    private static final Set<Integer> VERSIONS_SEEN = new ConcurrentSkipListSet<>();

    /** Each supported version is a real server of that version (asked over SQL), and decodes with pgoutput. */
    @OnEachPostgresVersion
    void eachSupportedPostgresVersionDecodesWithPgoutput(PostgresBackend postgres, TestDatabase db)
            throws SQLException {
        String slot = Backends.uniqueName("version");
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            int reported;
            try (ResultSet rs = s.executeQuery("SHOW server_version_num")) {
                rs.next();
                reported = Integer.parseInt(rs.getString(1)) / 10000;
            }
            assertThat(reported)
                    .as("the server's own version")
                    .isEqualTo(postgres.majorVersion())
                    .isIn(SupportedPostgres.MAJORS);
            assertThat(VERSIONS_SEEN.add(reported))
                    .as("Postgres " + reported + " handed out once")
                    .isTrue();

            s.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
            s.execute("CREATE PUBLICATION " + slot + " FOR TABLE items");
            s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
            // decoding stops at the flushed WAL, and the test servers commit with synchronous_commit=off
            s.execute("SET synchronous_commit = on");
            s.execute("INSERT INTO items VALUES (1, 'kettle')");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_logical_slot_peek_binary_changes('" + slot
                    + "', NULL, NULL, 'proto_version', '1', 'publication_names', '" + slot + "')")) {
                rs.next();
                assertThat(rs.getInt(1))
                        .as("pgoutput messages for one insert (begin, relation, insert, commit)")
                        .isGreaterThanOrEqualTo(3);
            } finally {
                s.execute("SELECT pg_drop_replication_slot('" + slot + "')");
            }
        }
    }

    @AfterAll
    static void everySupportedVersionWasHandedOut() {
        if (!VERSIONS_SEEN.isEmpty()) { // empty when a filter ran other methods only
            assertThat(VERSIONS_SEEN).containsExactlyElementsOf(SupportedPostgres.MAJORS);
        }
    }

    @Test
    void wrongPasswordIsRefused(PostgresBackend postgres) {
        Assumptions.assumeFalse(
                postgres.origin().equals("env"), "external backends (CDC_IT_*) are not managed by the tests");
        assertThatThrownBy(() -> DriverManager.getConnection(
                                postgres.jdbcUrl("postgres"), postgres.superuser(), postgres.password() + "-wrong")
                        .close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
    }

    @Test
    void elasticsearchIndexesAndGetsADocument(ElasticsearchBackend es) throws Exception {
        String index = Backends.uniqueName("harness");
        HttpResponse<String> put = send(es, "PUT", "/" + index + "/_doc/1?refresh=true", "{\"name\":\"kettle\"}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

        HttpResponse<String> get = send(es, "GET", "/" + index + "/_doc/1", null);
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).contains("\"found\":true").contains("\"name\":\"kettle\"");

        send(es, "DELETE", "/" + index, null);
    }

    /** Outage tests rely on this: a stopped node refuses connections, a started one has kept its data. */
    @Test
    void elasticsearchCanBeStoppedAndStartedKeepingItsData(ElasticsearchBackend es) throws Exception {
        Assumptions.assumeFalse(es.origin().equals("env"), "external backends (CDC_IT_*) are not managed by the tests");
        String index = Backends.uniqueName("harness");
        assertThat(send(es, "PUT", "/" + index + "/_doc/1?refresh=true", "{\"n\":1}")
                        .statusCode())
                .isEqualTo(201);

        es.stop();
        try {
            assertThatThrownBy(() -> send(es, "GET", "/_cluster/health", null)).isInstanceOf(IOException.class);
        } finally {
            es.start();
        }

        HttpResponse<String> get = send(es, "GET", "/" + index + "/_doc/1", null);
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        send(es, "DELETE", "/" + index, null);
    }

    @Test
    void postgresRestartsOnTheSamePort(PostgresBackend postgres, TestDatabase db) throws SQLException {
        Assumptions.assumeFalse(
                postgres.origin().equals("env"), "external backends (CDC_IT_*) are not managed by the tests");
        db.execute("CREATE TABLE kept (id int PRIMARY KEY)", "INSERT INTO kept VALUES (1)");

        postgres.restart();

        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM kept")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    private HttpResponse<String> send(ElasticsearchBackend es, String method, String path, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(es.url() + path)).header("Content-Type", "application/json");
        request.method(
                method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
