package io.cdcfanout.it.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.search.ClosableProxy;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.RebuildCalls;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.it.support.Slots;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code on-lag: detach}: Elasticsearch cut off past a small budget is set aside, the cache and history keep
 * applying, the slot moves on (its retained WAL stays bounded), and when Elasticsearch answers again the index is
 * rebuilt and re-attached, equal to the table.
 */
@ExtendWith(BackendsExtension.class)
class DetachIT {

    @Test
    void aSinkDownPastItsBudgetIsDetachedThenRebuiltWhenBack(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        db.execute(
                "CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL, n int NOT NULL)",
                "INSERT INTO items SELECT g, 'v' || g, 0 FROM generate_series(1, 200) g");
        String slot = Backends.uniqueName("detach");
        String index = slot + "_items";
        EsDocs es = new EsDocs(elasticsearch.url());
        try (ClosableProxy proxy =
                new ClosableProxy(URI.create(elasticsearch.url()).getPort())) {
            String sinks = sinks(proxy, index);
            try (RunningService service = RunningService.start(db, slot, "public.items", sinks)) {
                service.awaitReady();
                service.awaitCaughtUp(db);

                AtomicBoolean writing = new AtomicBoolean(true);
                AtomicLong written = new AtomicLong();
                Thread writer = new Thread(() -> {
                    int next = 1000;
                    while (writing.get()) {
                        int id = ThreadLocalRandom.current().nextInt(1, 200);
                        db.execute(
                                "UPDATE items SET n = n + 1, v = repeat('x', 2000) || n WHERE id = " + id,
                                "INSERT INTO items VALUES (" + next + ", 'new', 0)",
                                "DELETE FROM items WHERE id = " + (next - 3));
                        next++;
                        written.incrementAndGet();
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                writer.start();
                Thread.sleep(1_000);
                proxy.cut();
                long cut = System.nanoTime();
                Awaitility.await("search detached")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> state(service, "search").equals("DETACHED"));
                long detachedAfterMillis = (System.nanoTime() - cut) / 1_000_000;
                JsonNode ready = service.getJson("/ready");
                assertThat(ready.path("sinks").path("search").asText()).isEqualTo("DETACHED");
                assertThat(service.get("/metrics").body()).contains("cdc_sink_detachments_total{sink=\"search\"} 1.0");

                // the others keep applying and the slot moves on: sample for 8 s while the writer runs
                String flushedAtDetach = confirmedFlush(db, slot);
                Thread.sleep(2_000);
                long maxRetained = 0;
                for (int i = 0; i < 30; i++) {
                    maxRetained = Math.max(maxRetained, Slots.retainedBytes(db, slot));
                    Thread.sleep(200);
                }
                db.execute("INSERT INTO items VALUES (-1, 'written while search is detached', 0)");
                Awaitility.await("the cache applies while search is detached")
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> service.get("/cache/public.items/-1").statusCode() == 200);
                Awaitility.await("history applies while search is detached")
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> db.queryLong("SELECT count(*) FROM history.items WHERE id = -1") == 1);
                String flushedLater = confirmedFlush(db, slot);
                assertThat(db.rows("SELECT '" + flushedLater + "'::pg_lsn > '" + flushedAtDetach + "'::pg_lsn")
                                .get(0)
                                .get(0))
                        .as("the slot's confirmed position moves on while search is detached")
                        .isEqualTo("t");
                assertThat(state(service, "cache")).isEqualTo("READY");

                proxy.open();
                long back = System.nanoTime();
                Awaitility.await("search re-attached")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> state(service, "search").equals("READY"));
                RebuildCalls calls = new RebuildCalls(service, "search");
                List<Long> ids = new ArrayList<>();
                Awaitility.await("rebuild queued")
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> {
                            service.getJson("/sinks/search/rebuild")
                                    .path("rebuilds")
                                    .forEach(r -> ids.add(r.path("id").asLong()));
                            return !ids.isEmpty();
                        });
                JsonNode rebuilt = calls.awaitFinal(ids.subList(0, 1)).get(0);
                long rebuiltAfterMillis = (System.nanoTime() - back) / 1_000_000;
                writing.set(false);
                writer.join();
                service.awaitCaughtUp(db, Duration.ofSeconds(120));

                List<String> problems = Equalities.esProblems(es, index, Rows.read(db, "items", "id"));
                System.out.printf(
                        "DETACH: detached %d ms after Elasticsearch was cut off (budget 3 s), slot retained at most %d"
                                + " bytes while detached (budget 64 MiB), %d writer transactions, rebuilt and"
                                + " re-attached %d ms after it was back (%s), %d problems%n",
                        detachedAfterMillis, maxRetained, written.get(), rebuiltAfterMillis, rebuilt, problems.size());
                assertThat(rebuilt.path("phase").asText()).isEqualTo("DONE");
                assertThat(maxRetained)
                        .as("WAL the slot retains while search is detached")
                        .isLessThan(16L << 20);
                assertThat(problems).isEmpty();
                assertThat(es.send("GET", "/_alias/" + index, null).has(index + "_v2"))
                        .isTrue();
            } finally {
                for (int n = 1; n <= 3; n++) {
                    es.deleteIndex(index + "_v" + n);
                }
            }
        }
    }

    @Test
    void aStopWhileDetachedLosesNothing(TestDatabase db, ElasticsearchBackend elasticsearch) throws Exception {
        db.execute(
                "CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL, n int NOT NULL)",
                "INSERT INTO items SELECT g, 'v' || g, 0 FROM generate_series(1, 100) g");
        String slot = Backends.uniqueName("detachstop");
        String index = slot + "_items";
        EsDocs es = new EsDocs(elasticsearch.url());
        try (ClosableProxy proxy =
                new ClosableProxy(URI.create(elasticsearch.url()).getPort())) {
            String sinks = sinks(proxy, index);
            try {
                try (RunningService service = RunningService.start(db, slot, "public.items", sinks)) {
                    service.awaitReady();
                    service.awaitCaughtUp(db);
                    proxy.cut();
                    db.execute("UPDATE items SET n = 1 WHERE id <= 10");
                    Awaitility.await("search detached")
                            .atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(100))
                            .until(() -> state(service, "search").equals("DETACHED"));
                    // changes search never gets, while the offsets move past them
                    db.execute(
                            "UPDATE items SET v = 'while detached' WHERE id BETWEEN 11 AND 20",
                            "DELETE FROM items WHERE id = 99");
                    Awaitility.await("the cache applied them")
                            .atMost(Duration.ofSeconds(10))
                            .until(() -> service.get("/cache/public.items/99").statusCode() == 404);
                } // stopped while detached: the rebuild it owes must survive the restart
                assertThat(db.rows("SELECT sink, table_name, target FROM cdc_fanout.rebuilds WHERE instance = '" + slot
                                + "'"))
                        .containsExactly(List.of("search", "public.items", ""));
                proxy.open();
                try (RunningService service = RunningService.start(db, slot, "public.items", sinks)) {
                    service.awaitReady();
                    RebuildCalls calls = new RebuildCalls(service, "search");
                    List<Long> ids = new ArrayList<>();
                    service.getJson("/sinks/search/rebuild")
                            .path("rebuilds")
                            .forEach(r -> ids.add(r.path("id").asLong()));
                    assertThat(ids).as("the owed rebuild is queued at start").hasSize(1);
                    assertThat(calls.awaitFinal(ids).get(0).path("phase").asText())
                            .isEqualTo("DONE");
                    service.awaitCaughtUp(db);
                    List<String> problems = Equalities.esProblems(es, index, Rows.read(db, "items", "id"));
                    System.out.printf("DETACH then stop: rebuilt at the restart, %d problems%n", problems.size());
                    assertThat(problems).isEmpty();
                }
                assertThat(db.queryLong("SELECT count(*) FROM cdc_fanout.rebuilds WHERE instance = '" + slot + "'"))
                        .isZero();
            } finally {
                for (int n = 1; n <= 3; n++) {
                    es.deleteIndex(index + "_v" + n);
                }
            }
        }
    }

    private static String sinks(ClosableProxy proxy, String index) {
        return """
                  search:
                    type: elasticsearch
                    url: http://127.0.0.1:%d
                    on-lag: detach
                    max-lag: { time: 3s, wal: 64MiB }
                    tables:
                      public.items: { index: %s }
                  cache:
                    type: caffeine
                    tables: [public.items]
                  history:
                    type: scd2
                    tables:
                      public.items: { history-table: history.items }
                """.formatted(proxy.port(), index);
    }

    private static String state(RunningService service, String sink) {
        return service.getJson("/status").path("sinks").path(sink).path("state").asText();
    }

    private static String confirmedFlush(TestDatabase db, String slot) {
        return db.rows("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'")
                .get(0)
                .get(0);
    }
}
