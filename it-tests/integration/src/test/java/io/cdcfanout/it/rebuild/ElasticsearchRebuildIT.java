package io.cdcfanout.it.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.RebuildCalls;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.it.support.Workload;
import io.cdcfanout.schema.RowJson;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Rebuilding an Elasticsearch index into its next generation behind the alias while the stream keeps flowing:
 * under the hot-key race (with the cache rebuilt too, and index, cache and history checked as RaceIT checks
 * them) with searches through the alias sampled every 100 ms, with the dangerous interleaving built on purpose,
 * and after a TRUNCATE.
 */
@ExtendWith(BackendsExtension.class)
class ElasticsearchRebuildIT {

    private static final int THREADS = 16;
    private static final Duration RACE = Duration.ofSeconds(20);
    private static final int STATIC_ROWS = 400;

    @Test
    void aRebuildDuringTheRaceEndsEqualToTheTablesAndSearchesNeverSeeAHalfBuiltIndex(
            TestDatabase db, ElasticsearchBackend elasticsearch) throws Exception {
        Workload race = new Workload(db, "", null);
        race.createTables();
        db.execute(
                "CREATE TABLE rebuild_static (id int PRIMARY KEY, v text NOT NULL)",
                "INSERT INTO rebuild_static SELECT g, 'v' || g FROM generate_series(1, " + STATIC_ROWS + ") g");
        String prefix = Backends.uniqueName("esrebuild");
        EsDocs es = new EsDocs(elasticsearch.url());
        String sinks = """
                  search:
                    type: elasticsearch
                    url: %s
                    tables:
                      public.products: { index: %s_products }
                      public.stock: { index: %s_stock }
                      public.rebuild_static: { index: %s_static }
                  cache:
                    type: caffeine
                    tables: [public.products, public.stock, public.rebuild_static]
                  history:
                    type: scd2
                    tables:
                      public.products: { history-table: history.products }
                      public.stock: { history-table: history.stock }
                """.formatted(elasticsearch.url(), prefix, prefix, prefix);
        try (RunningService service =
                RunningService.start(db, prefix, "public.products, public.stock, public.rebuild_static", sinks)) {
            service.awaitReady();
            // the initial snapshot searchable (refreshed) before anything is measured
            Awaitility.await("static rows searchable")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> es.send("GET", "/" + prefix + "_static/_count", null)
                                    .path("count")
                                    .asLong()
                            == STATIC_ROWS);
            RebuildCalls calls = new RebuildCalls(service, "search");

            long raceStart = System.nanoTime();
            List<Thread> writers = race.start(THREADS, RACE);
            Thread.sleep(ThreadLocalRandom.current().nextLong(2_000, 6_000)); // a random moment of the race
            List<Long> ids = new ArrayList<>();
            ids.addAll(calls.queue("?table=public.rebuild_static&chunk_size=20&rows_per_second=100"));
            // every 100 ms, a count through the alias of a table nobody writes: a half-built index would show less
            AtomicBoolean rebuilding = new AtomicBoolean(true);
            AtomicLong samples = new AtomicLong();
            AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
            Thread sampler = new Thread(() -> {
                while (rebuilding.get()) {
                    long count = es.send("GET", "/" + prefix + "_static/_count", null)
                            .path("count")
                            .asLong(-1);
                    lowest.accumulateAndGet(count, Math::min);
                    samples.incrementAndGet();
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            ids.addAll(calls.queue("?table=public.products&chunk_size=2&rows_per_second=20"));
            // the cache is rebuilt during the same race, history is left to the stream: all three must end equal
            RebuildCalls cacheCalls = new RebuildCalls(service, "cache");
            List<Long> cacheIds = cacheCalls.queue("?chunk_size=2&rows_per_second=20");
            // stock's copy straddles the race's end, so no later write repairs what the rebuild got wrong
            Thread.sleep(Math.max(0, RACE.toMillis() - 3_000 - (System.nanoTime() - raceStart) / 1_000_000));
            ids.addAll(calls.queue("?table=public.stock&chunk_size=1&rows_per_second=1"));
            for (Thread t : writers) {
                t.join();
            }
            Instant raceEnd = Instant.now();
            JsonNode finished = calls.awaitFinal(ids);
            JsonNode cacheFinished = cacheCalls.awaitFinal(cacheIds);
            rebuilding.set(false);
            sampler.join();
            race.throwIfFailed();
            service.awaitCaughtUp(db, Duration.ofSeconds(180));

            // the same equality as RaceIT: index, cache and history against the tables and the committed versions
            List<String> problems = new ArrayList<>(
                    Equalities.allSinks(db, es, prefix, service::get, race).all());
            problems.addAll(Equalities.esProblems(es, prefix + "_static", Rows.read(db, "rebuild_static", "id")));
            System.out.printf(
                    "ES REBUILD under the race: %d changes committed (%d rolled back transactions), rebuilds %s,"
                            + " cache rebuilds %s, %d counts sampled through the alias during the rebuild, lowest %d of"
                            + " %d, %d problems after (index, cache, history)%n",
                    race.committedChanges(),
                    race.rolledBackTransactions(),
                    finished,
                    cacheFinished,
                    samples.get(),
                    lowest.get(),
                    STATIC_ROWS,
                    problems.size());
            for (JsonNode r : finished) {
                assertThat(r.path("phase").asText()).as(r.toString()).isEqualTo("DONE");
            }
            for (JsonNode r : cacheFinished) {
                assertThat(r.path("phase").asText()).as(r.toString()).isEqualTo("DONE");
            }
            assertThat(Instant.parse(finished.get(2).path("finished_at").asText()))
                    .as("stock's rebuild finished after the writers stopped")
                    .isAfter(raceEnd);
            assertThat(race.committedChanges()).isGreaterThan(500);
            assertThat(samples.get()).isGreaterThan(10);
            assertThat(lowest.get())
                    .as("documents a search through the alias found while the index was rebuilt")
                    .isEqualTo(STATIC_ROWS);
            assertThat(problems)
                    .as("differences between the tables and the rebuilt indexes")
                    .isEmpty();
            for (String table : List.of("products", "stock", "static")) {
                assertThat(es.send("GET", "/_alias/" + prefix + "_" + table, null)
                                .has(prefix + "_" + table + "_v2"))
                        .as(table + " is served by its second generation")
                        .isTrue();
                assertThat(es.send("GET", "/" + prefix + "_" + table + "_v1", null)
                                .path("status")
                                .asInt(200))
                        .as("the old generation of " + table + " is deleted")
                        .isEqualTo(404);
            }
        } finally {
            for (String table : List.of("products", "stock", "static")) {
                for (int n = 1; n <= 3; n++) {
                    es.deleteIndex(prefix + "_" + table + "_v" + n);
                }
            }
        }
    }

    @Test
    void theInterleavingsThatBreakNaiveBackfillsEndRightAndATruncateDoesNotPoisonTheNextRebuild(
            TestDatabase db, ElasticsearchBackend elasticsearch) throws Exception {
        db.execute(
                "CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)",
                "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL",
                "INSERT INTO docs SELECT g, 't' || g, repeat(md5(g::text), 400) FROM generate_series(1, 10) g");
        String prefix = Backends.uniqueName("esrebuildtx");
        EsDocs es = new EsDocs(elasticsearch.url());
        String index = prefix + "_docs";
        String sinks = """
                  search:
                    type: elasticsearch
                    url: %s
                    tables:
                      public.docs: { index: %s }
                """.formatted(elasticsearch.url(), index);
        try (RunningService service = RunningService.start(db, prefix, "public.docs", sinks);
                Connection writer = db.connect()) {
            service.awaitReady();
            RebuildCalls calls = new RebuildCalls(service, "search");
            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                s.executeUpdate( // its change's LSN is below everything the rebuild reads after it
                        "UPDATE docs SET title = 'written before the read, committed after', body = 'new body' WHERE id = 7");
            }
            HttpResponse<String> queued =
                    service.send("POST", "/sinks/search/rebuild?table=public.docs&chunk_size=2&rows_per_second=1");
            assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
            long id = RowJson.MAPPER
                    .readTree(queued.body())
                    .path("rebuilds")
                    .get(0)
                    .path("id")
                    .asLong();
            // committed during the copy, to rows not read yet: a delete, and an update whose TOASTed body the WAL
            // leaves out while the new index has no document to copy it from
            db.execute("DELETE FROM docs WHERE id = 9", "UPDATE docs SET title = 'retitled' WHERE id = 10");
            // rows 5 and 6 are in; the chunk of rows 7 and 8 is read at once and held about 2 s by the rate limit
            Awaitility.await("rows 1 to 6 handed over")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> calls.rebuild(id).path("rows_copied").asLong() >= 6);
            Thread.sleep(500);
            writer.commit();
            JsonNode done = calls.awaitFinal(List.of(id)).get(0);
            assertThat(done.path("phase").asText()).as(done.toString()).isEqualTo("DONE");
            service.awaitCaughtUp(db);

            assertThat(Equalities.esProblems(es, index, Rows.read(db, "docs", "id")))
                    .isEmpty();
            assertThat(es.get(index, "7").path("_source").path("title").asText())
                    .isEqualTo("written before the read, committed after");
            JsonNode ten = es.get(index, "10").path("_source");
            assertThat(ten.path("title").asText()).isEqualTo("retitled");
            assertThat(ten.path("body").asText()).hasSize(32 * 400);
            assertThat(ten.path("_cdc").has("missing"))
                    .as(ten.path("_cdc").toString())
                    .isFalse();
            assertThat(es.get(index, "9")
                            .path("_source")
                            .path("_cdc")
                            .path("deleted")
                            .asBoolean())
                    .as("the row deleted during the copy stays a tombstone")
                    .isTrue();
            assertThat(es.send("GET", "/_alias/" + index, null).has(index + "_v2"))
                    .isTrue();

            // TRUNCATE leaves a watermark on _v2; a rebuild into _v3 must not inherit it
            db.execute("TRUNCATE docs", "INSERT INTO docs VALUES (100, 'a', 'x'), (101, 'b', 'y')");
            service.awaitCaughtUp(db);
            assertThat(es.liveRows(index).keySet()).containsExactly("100", "101");
            HttpResponse<String> again = service.send("POST", "/sinks/search/rebuild");
            long second = RowJson.MAPPER
                    .readTree(again.body())
                    .path("rebuilds")
                    .get(0)
                    .path("id")
                    .asLong();
            assertThat(calls.awaitFinal(List.of(second)).get(0).path("phase").asText())
                    .isEqualTo("DONE");
            service.awaitCaughtUp(db);
            assertThat(es.send("GET", "/_alias/" + index, null).has(index + "_v3"))
                    .isTrue();
            assertThat(Equalities.esProblems(es, index, Rows.read(db, "docs", "id")))
                    .isEmpty();
            db.execute("UPDATE docs SET title = 'after the swap' WHERE id = 100");
            service.awaitCaughtUp(db);
            assertThat(Equalities.esProblems(es, index, Rows.read(db, "docs", "id")))
                    .isEmpty();
        } finally {
            for (int n = 1; n <= 4; n++) {
                es.deleteIndex(index + "_v" + n);
            }
        }
    }
}
