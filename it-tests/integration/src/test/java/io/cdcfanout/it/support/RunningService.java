package io.cdcfanout.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.sink.SinkRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import org.awaitility.Awaitility;

/** The service running in the test's JVM against a test database, with an HTTP client for its API. */
public final class RunningService implements AutoCloseable {

    private final CdcService service;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunningService(CdcService service) {
        this.service = service;
    }

    /**
     * Starts the service on {@code db} with the given {@code sinks:} block (YAML, indented by two).
     *
     * @param slot   replication slot / publication name, unique per test
     * @param tables the captured tables
     */
    public static RunningService start(TestDatabase db, String slot, String tables, String sinksYaml)
            throws InterruptedException {
        return start(configYaml(db, slot, tables, sinksYaml));
    }

    public static RunningService start(String yaml) throws InterruptedException {
        return new RunningService(CdcService.start(parse(yaml)));
    }

    /** Starts it as {@code run --resnapshot} does. */
    public static RunningService startResnapshot(String yaml) throws InterruptedException {
        return new RunningService(CdcService.start(parse(yaml), true));
    }

    public static ServiceConfig parse(String yaml) {
        return new ConfigLoader(SinkRegistry.load(), Map.of()).parse(yaml, "test.yml");
    }

    public static String configYaml(TestDatabase db, String slot, String tables, String sinksYaml) {
        var pg = db.server();
        return """
                source:
                  postgres: { host: %s, port: %d, database: %s, user: %s, password: "%s" }
                  slot: %s
                  publication: %s
                  tables: [%s]
                http: { port: 0 }
                sinks:
                %s
                """.formatted(
                        pg.host(), pg.port(), db.name(), pg.superuser(), pg.password(), slot, slot, tables, sinksYaml);
    }

    public CdcService service() {
        return service;
    }

    public HttpResponse<String> get(String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + path))
                            .timeout(Duration.ofSeconds(30))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A request without a body ({@code POST}, {@code DELETE}, ...) to the service's HTTP API. */
    public HttpResponse<String> send(String method, String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + path))
                            .timeout(Duration.ofSeconds(30))
                            .method(method, HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public JsonNode getJson(String path) {
        try {
            return RowJson.MAPPER.readTree(get(path).body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until /ready says 200. */
    public void awaitReady() {
        Awaitility.await("service ready")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> get("/ready").statusCode() == 200);
    }

    /** Waits until every sink has applied the database's current WAL position (via a fence). */
    public void awaitCaughtUp(TestDatabase db) {
        awaitCaughtUp(db, Duration.ofSeconds(60));
    }

    /** {@link #awaitCaughtUp(TestDatabase)} with a longer limit, for large backlogs. */
    public void awaitCaughtUp(TestDatabase db, Duration atMost) {
        Lsn target = currentWalLsn(db);
        Awaitility.await("sinks applied " + target)
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    service.fence();
                    JsonNode sinks = getJson("/status").get("sinks");
                    for (Iterator<JsonNode> it = sinks.elements(); it.hasNext(); ) {
                        if (target.isAfter(
                                Lsn.parse(it.next().get("last_applied_lsn").asText()))) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    /** The WAL insert position: past every commit so far, also under synchronous_commit=off. */
    public static Lsn currentWalLsn(TestDatabase db) {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        service.close();
    }
}
