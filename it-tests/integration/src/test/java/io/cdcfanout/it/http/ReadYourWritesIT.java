package io.cdcfanout.it.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.HttpCalls;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.schema.RowJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Read-your-writes under load ({@code min_lsn}: one shared fence, bounded waiting reads that hold no HTTP
 * thread) and for every sink ({@code GET /wait}: a search on the alias right after it finds the write).
 */
@ExtendWith(BackendsExtension.class)
class ReadYourWritesIT {

    private static final int READS = 500;
    private static final String TOKEN = "rw-token-0123456789";

    private final HttpCalls calls = new HttpCalls();
    private final HttpClient http = calls.client();

    /**
     * 500 reads, each after its own write, wait at once while the cache is paused: they share fences (at most
     * one fence connection, sampled from pg_stat_activity throughout), a 501st is refused with 503 and
     * Retry-After, /health answers while they wait, and once the cache resumes every read returns its write.
     */
    @Test
    void fiveHundredWaitingReadsShareOneFenceConnectionAndLeaveHealthAnswering(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE rw (id int PRIMARY KEY, v text NOT NULL)");
        String slot = Backends.uniqueName("rw_storm");
        String yaml = RunningService.configYaml(db, slot, "public.rw", """
                  cache:
                    type: caffeine
                    tables: [public.rw]
                """)
                .replace(
                        "http: { port: 0 }",
                        "http: { port: 0, max-read-wait: 120s, max-waiting-reads: " + READS + " }");
        try (RunningService service = RunningService.start(yaml);
                ConnectionSampler sampler = new ConnectionSampler(db)) {
            service.awaitReady();
            String base = "http://127.0.0.1:" + service.service().httpPort();
            assertThat(send("POST", base + "/sinks/cache/pause", null).statusCode())
                    .isEqualTo(200);
            sampler.start();

            List<CompletableFuture<HttpResponse<String>>> reads = new ArrayList<>();
            try (Connection c = db.connect();
                    Statement s = c.createStatement()) {
                for (int i = 0; i < READS; i++) {
                    s.execute("INSERT INTO rw VALUES (" + i + ", 'v" + i + "')");
                    String lsn = insertLsn(s);
                    reads.add(http.sendAsync(
                            HttpRequest.newBuilder(URI.create(base + "/cache/public.rw/" + i + "?min_lsn=" + lsn))
                                    .timeout(Duration.ofSeconds(180))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
            }
            Awaitility.await("all " + READS + " reads waiting")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> waitingReads(service) == READS);

            assertThat(reads).noneMatch(CompletableFuture::isDone);
            HttpResponse<String> health = send("GET", base + "/health", null);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(send("GET", base + "/ready", null).statusCode())
                    .as("/ready answers (503: the cache is paused)")
                    .isEqualTo(503);
            HttpResponse<String> refused = send("GET", base + "/cache/public.rw/0?min_lsn=" + currentLsn(db), null);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(reads).as("the reads still wait while /health answered").noneMatch(CompletableFuture::isDone);

            assertThat(send("POST", base + "/sinks/cache/resume", null).statusCode())
                    .isEqualTo(200);
            for (int i = 0; i < READS; i++) {
                HttpResponse<String> read = reads.get(i).join();
                assertThat(read.statusCode()).as("read %d: %s", i, read.body()).isEqualTo(200);
                assertThat(RowJson.MAPPER
                                .readTree(read.body())
                                .get("row")
                                .get("v")
                                .asText())
                        .isEqualTo("v" + i);
            }
            assertThat(waitingReads(service)).isZero();
            sampler.close();

            System.out.println(
                    "ReadYourWritesIT: service connections sampled " + sampler.samples.get() + " times, most at once "
                            + sampler.maxByName + " (baseline before the storm " + sampler.baseline + ")");
            assertThat(sampler.samples.get()).isPositive();
            assertThat(sampler.maxFence.get()).as("fence connections at once").isLessThanOrEqualTo(1);
            assertThat(sampler.maxTotal.get())
                    .as("service connections at once, by application_name: %s", sampler.maxByName)
                    .isLessThanOrEqualTo(sampler.baseline + 1);
        }
    }

    /**
     * After a write and {@code /wait} for its position, a search on the alias finds it at once, many times
     * over (with {@code refresh: none} and a one-minute refresh interval, so only /wait's refresh can make it
     * searchable); unknown sinks and a missing token are refused.
     */
    @Test
    void waitMakesEachWriteSearchableAtOnce(TestDatabase db, ElasticsearchBackend es) throws Exception {
        db.execute("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
        String slot = Backends.uniqueName("rw_wait");
        String alias = Backends.uniqueName("notes");
        EsDocs docs = new EsDocs(es.url());
        String yaml = RunningService.configYaml(db, slot, "public.notes", """
                  search:
                    type: elasticsearch
                    url: %s
                    refresh: none
                    tables:
                      public.notes: { index: %s, mapping: { settings: { refresh_interval: 60s } } }
                  cache:
                    type: caffeine
                    tables: [public.notes]
                """.formatted(es.url(), alias))
                .replace("http: { port: 0 }", "http: { port: 0, token: \"" + TOKEN + "\" }");
        try (RunningService service = RunningService.start(yaml)) {
            String base = "http://127.0.0.1:" + service.service().httpPort();
            Awaitility.await("ready")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> send("GET", base + "/ready", TOKEN).statusCode() == 200);

            for (int i = 0; i < 60; i++) {
                db.execute("INSERT INTO notes VALUES (" + i + ", 'note " + i + "')");
                String lsn = currentLsn(db);
                String sinks = i % 3 == 0 ? "" : i % 3 == 1 ? "&sink=search" : "&sink=search&sink=cache";
                HttpResponse<String> waited = send("GET", base + "/wait?lsn=" + lsn + sinks, TOKEN);
                assertThat(waited.statusCode())
                        .as("wait %d: %s", i, waited.body())
                        .isEqualTo(200);
                JsonNode hits = docs.send("POST", "/" + alias + "/_search", "{\"query\":{\"term\":{\"id\":" + i + "}}}")
                        .path("hits")
                        .path("hits");
                assertThat(hits.size())
                        .as("search for note %d right after /wait", i)
                        .isEqualTo(1);
                assertThat(hits.get(0).path("_source").path("body").asText()).isEqualTo("note " + i);
            }

            HttpResponse<String> unknown =
                    send("GET", base + "/wait?lsn=" + currentLsn(db) + "&sink=search&sink=nope", TOKEN);
            assertThat(unknown.statusCode()).isEqualTo(404);
            JsonNode known = RowJson.MAPPER.readTree(unknown.body());
            assertThat(known.get("error").asText()).contains("nope");
            assertThat(known.get("sinks").toString()).contains("\"search\"").contains("\"cache\"");
            assertThat(send("GET", base + "/wait", TOKEN).statusCode()).isEqualTo(400);
            assertThat(send("GET", base + "/wait?lsn=" + currentLsn(db), null).statusCode())
                    .isEqualTo(401);
            assertThat(send("GET", base + "/wait?lsn=" + currentLsn(db), "wrong-" + TOKEN)
                            .statusCode())
                    .isEqualTo(401);
        } finally {
            docs.deleteIndex(alias + "_v1");
            docs.send("DELETE", "/cdc-fanout-meta/_doc/" + alias + "_v1", null);
        }
    }

    private static String insertLsn(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String currentLsn(TestDatabase db) {
        return RunningService.currentWalLsn(db).toString();
    }

    private static int waitingReads(RunningService service) {
        for (String line : service.get("/metrics").body().split("\n")) {
            if (line.startsWith("cdc_http_waiting_reads ")) {
                return (int) Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new AssertionError("/metrics has no cdc_http_waiting_reads");
    }

    private HttpResponse<String> send(String method, String url, String token) {
        return calls.send(method, url, token);
    }

    /** Samples the service's source connections ({@code application_name} cdc-fanout...) on its own thread. */
    private static final class ConnectionSampler implements AutoCloseable {
        private static final String COUNT = "SELECT application_name, count(*) FROM pg_stat_activity "
                + "WHERE application_name LIKE 'cdc-fanout%' AND datname = current_database() GROUP BY 1";

        private final TestDatabase db;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger samples = new AtomicInteger();
        private final AtomicInteger maxTotal = new AtomicInteger();
        private final AtomicInteger maxFence = new AtomicInteger();
        private volatile Map<String, Integer> maxByName = Map.of();
        private int baseline;
        private Thread thread;

        ConnectionSampler(TestDatabase db) {
            this.db = db;
        }

        void start() throws SQLException {
            try (Connection c = db.connect()) {
                baseline =
                        sample(c).values().stream().mapToInt(Integer::intValue).sum();
            }
            thread = new Thread(
                    () -> {
                        try (Connection c = db.connect()) {
                            while (running.get()) {
                                Map<String, Integer> byName = sample(c);
                                int total = byName.values().stream()
                                        .mapToInt(Integer::intValue)
                                        .sum();
                                if (total > maxTotal.get()) {
                                    maxTotal.set(total);
                                    maxByName = byName;
                                }
                                maxFence.accumulateAndGet(byName.getOrDefault("cdc-fanout fence", 0), Math::max);
                                samples.incrementAndGet();
                                Thread.sleep(10);
                            }
                        } catch (SQLException | InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    "pg-stat-activity-sampler");
            thread.start();
        }

        private static Map<String, Integer> sample(Connection c) throws SQLException {
            Map<String, Integer> byName = new TreeMap<>();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(COUNT)) {
                while (rs.next()) {
                    byName.put(rs.getString(1), rs.getInt(2));
                }
            }
            return byName;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            if (thread != null) {
                thread.join();
            }
        }
    }
}
