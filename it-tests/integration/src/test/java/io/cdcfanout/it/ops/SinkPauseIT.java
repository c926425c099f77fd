package io.cdcfanout.it.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code POST /sinks/{name}/pause|resume}: a paused sink applies nothing and holds the pipeline; resuming loses nothing. */
@ExtendWith(BackendsExtension.class)
class SinkPauseIT {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void pausedSinkHoldsThePipelineAndCatchesUpWhenResumed(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE products (id bigint PRIMARY KEY, name text)",
                "INSERT INTO products VALUES (1, 'kettle')");
        try (RunningService service = RunningService.start(db, Backends.uniqueName("pause"), "public.products", """
                  cache: { type: caffeine, tables: [public.products] }
                """)) {
            service.awaitReady();

            HttpResponse<String> paused = post(service, "/sinks/cache/pause");
            assertThat(paused.statusCode()).isEqualTo(200);
            assertThat(json(paused).get("state").asText()).isEqualTo("PAUSED");
            assertThat(service.getJson("/status")
                            .get("sinks")
                            .get("cache")
                            .get("state")
                            .asText())
                    .isEqualTo("PAUSED");
            assertThat(service.get("/ready").statusCode()).isEqualTo(503);
            assertThat(service.get("/metrics").body()).contains("cdc_sink_ready{sink=\"cache\"} 0.0");

            db.execute(
                    "INSERT INTO products VALUES (2, 'teapot')", "UPDATE products SET name = 'kettle 2' WHERE id = 1");
            for (int i = 3; i <= 50; i++) {
                db.execute("INSERT INTO products VALUES (" + i + ", 'item " + i + "')");
            }
            Lsn written = RunningService.currentWalLsn(db);
            TimeUnit.SECONDS.sleep(2); // ample time to apply, were the sink not paused
            assertThat(service.get("/cache/public.products/2").statusCode()).isEqualTo(404);
            assertThat(service.getJson("/cache/public.products/1")
                            .get("row")
                            .get("name")
                            .asText())
                    .isEqualTo("kettle");
            assertThat(written.isAfter(Lsn.parse(service.getJson("/status")
                            .get("sinks")
                            .get("cache")
                            .get("last_applied_lsn")
                            .asText())))
                    .isTrue();

            HttpResponse<String> resumed = post(service, "/sinks/cache/resume");
            assertThat(resumed.statusCode()).isEqualTo(200);
            assertThat(json(resumed).get("state").asText()).isNotEqualTo("PAUSED");
            service.awaitCaughtUp(db);
            assertThat(service.getJson("/cache/public.products/1")
                            .get("row")
                            .get("name")
                            .asText())
                    .isEqualTo("kettle 2");
            for (int id = 2; id <= 50; id++) {
                assertThat(service.get("/cache/public.products/" + id).statusCode())
                        .as("row %d", id)
                        .isEqualTo(200);
            }
            assertThat(service.getJson("/status")
                            .get("sinks")
                            .get("cache")
                            .get("state")
                            .asText())
                    .isEqualTo("READY");
            service.awaitReady();

            assertThat(post(service, "/sinks/no-such-sink/pause").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void stoppingWhilePausedIsStillGraceful(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE products (id bigint PRIMARY KEY, name text)");
        RunningService service = RunningService.start(db, Backends.uniqueName("pause_stop"), "public.products", """
                  cache: { type: caffeine, tables: [public.products] }
                """);
        service.awaitReady();
        post(service, "/sinks/cache/pause");
        db.execute("INSERT INTO products VALUES (1, 'kettle')");
        TimeUnit.MILLISECONDS.sleep(500);
        long started = System.nanoTime();
        service.close();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        assertThat(service.service().termination()).isCompleted();
    }

    private HttpResponse<String> post(RunningService service, String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + service.service().httpPort() + path))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return RowJson.MAPPER.readTree(response.body());
    }
}
