package io.cdcfanout.it.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.it.support.ServiceProcess;
import io.cdcfanout.schema.RowJson;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code kill -9} of the service in the middle of an Elasticsearch rebuild, while rows are written: the restart
 * resumes the rebuild into the same new index from its last saved chunk, and the index ends equal to the table.
 */
@ExtendWith(BackendsExtension.class)
class RebuildKillIT {

    private static final int ROWS = 3000;

    @Test
    void aRebuildKilledMidwayResumesFromItsLastChunkAndEndsEqual(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        db.execute(
                "CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL, body text NOT NULL)",
                "ALTER TABLE items ALTER COLUMN body SET STORAGE EXTERNAL",
                "INSERT INTO items SELECT g, 'v' || g, CASE WHEN g % 100 = 0 THEN repeat(md5(g::text), 300) ELSE 'b' END"
                        + " FROM generate_series(1, " + ROWS + ") g");
        String prefix = Backends.uniqueName("rebuildkill");
        String index = prefix + "_items";
        EsDocs es = new EsDocs(elasticsearch.url());
        String sinks = """
                  search:
                    type: elasticsearch
                    url: %s
                    tables:
                      public.items: { index: %s }
                """.formatted(elasticsearch.url(), index);
        String yaml = RunningService.configYaml(db, prefix, "public.items", sinks);
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (writing.get()) {
                int id = random.nextInt(1, ROWS + 1);
                try {
                    switch (random.nextInt(3)) {
                        case 0 -> db.execute("UPDATE items SET v = 'u' || " + random.nextInt() + " WHERE id = " + id);
                        case 1 -> db.execute("DELETE FROM items WHERE id = " + id);
                        default ->
                            db.execute("INSERT INTO items VALUES (" + id + ", 'again', 'b') ON CONFLICT DO NOTHING");
                    }
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // the database is shared with the checks; a failed write is simply not made
                }
            }
        });
        try (ServiceProcess service = new ServiceProcess(prefix, yaml)) {
            service.start();
            service.awaitReady();
            writer.start();
            HttpResponse<String> queued =
                    service.send("POST", "/sinks/search/rebuild?chunk_size=100&rows_per_second=500");
            assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
            Awaitility.await("a third of the table copied")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> rebuild(service).path("rows_copied").asLong() >= ROWS / 3);
            service.kill();
            long savedRows = Long.parseLong(
                    db.rows("SELECT rows_copied FROM cdc_fanout.rebuilds WHERE instance = '" + prefix + "'")
                            .get(0)
                            .get(0));
            assertThat(savedRows).as("progress saved before the kill").isGreaterThanOrEqualTo(ROWS / 3 - 100);

            service.start();
            service.awaitReady();
            JsonNode resumed = rebuild(service);
            assertThat(resumed.path("resumed_from_rows").asLong())
                    .as("the restart resumed from the saved chunk: " + resumed)
                    .isEqualTo(savedRows);
            JsonNode done = Awaitility.await("the resumed rebuild done")
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> rebuild(service), r -> r.path("phase").asText().equals("DONE"));
            writing.set(false);
            writer.join();
            service.awaitCaughtUp(db, Duration.ofSeconds(60));

            String metrics = service.get("/metrics").body();
            double readAfterRestart = metrics.lines()
                    .filter(l -> l.startsWith("cdc_rebuild_rows_total{"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
            System.out.printf(
                    "REBUILD KILL: %d rows copied before kill -9, %s after the restart; rebuild %s%n",
                    savedRows, readAfterRestart, done);
            assertThat(readAfterRestart)
                    .as("rows read after the restart: the copy did not start over")
                    .isLessThan((double) (ROWS - savedRows + 500));
            assertThat(Equalities.esProblems(es, index, Rows.read(db, "items", "id")))
                    .isEmpty();
            assertThat(es.send("GET", "/_alias/" + index, null).has(index + "_v2"))
                    .isTrue();
            assertThat(db.rows("SELECT count(*) FROM cdc_fanout.rebuilds WHERE instance = '" + prefix + "'")
                            .get(0)
                            .get(0))
                    .isEqualTo("0");
        } finally {
            writing.set(false);
            writer.join();
            for (int n = 1; n <= 3; n++) {
                es.deleteIndex(index + "_v" + n);
            }
        }
    }

    private static JsonNode rebuild(ServiceProcess service) throws Exception {
        JsonNode rebuilds = RowJson.MAPPER
                .readTree(service.get("/sinks/search/rebuild").body())
                .path("rebuilds");
        assertThat(rebuilds.size()).as(rebuilds.toString()).isEqualTo(1);
        return rebuilds.get(0);
    }
}
