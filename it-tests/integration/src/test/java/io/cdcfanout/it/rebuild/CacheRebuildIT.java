package io.cdcfanout.it.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.HistoryCheck;
import io.cdcfanout.it.support.RebuildCalls;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.it.support.Workload;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.service.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * Rebuilding the cache while the stream keeps flowing: under the hot-key race, with reads sampled during the
 * rebuild, and with the dangerous interleaving built on purpose (a transaction that writes a row before the
 * rebuild reads it and commits after).
 */
@ExtendWith(BackendsExtension.class)
class CacheRebuildIT {

    private static final int THREADS = 16;
    private static final Duration RACE = Duration.ofSeconds(20);
    private static final int STATIC_ROWS = 400;

    @Test
    void aRebuildStartedDuringTheRaceEndsEqualToTheTablesAndReadsNeverSeeAHalfLoadedTable(TestDatabase db)
            throws Exception {
        Workload race = new Workload(db, "", null);
        race.createTables();
        db.execute(
                "CREATE TABLE rebuild_static (id int PRIMARY KEY, v text NOT NULL)",
                "INSERT INTO rebuild_static SELECT g, 'v' || g FROM generate_series(1, " + STATIC_ROWS + ") g");
        String sinks = """
                  cache:
                    type: caffeine
                    max-entries: 10000
                    tables: [public.products, public.stock, public.rebuild_static]
                  history:
                    type: scd2
                    tables:
                      public.products: { history-table: history.products }
                      public.stock: { history-table: history.stock }
                """;
        String slot = Backends.uniqueName("rebuild");
        try (RunningService service =
                RunningService.start(db, slot, "public.products, public.stock, public.rebuild_static", sinks)) {
            service.awaitReady();
            RebuildCalls calls = new RebuildCalls(service, "cache");

            assertThat(service.send("POST", "/sinks/nope/rebuild").statusCode()).isEqualTo(404);
            RebuildCalls historyCalls = new RebuildCalls(service, "history");
            HttpResponse<String> notHeld = service.send("POST", "/sinks/cache/rebuild?table=public.orders");
            assertThat(notHeld.statusCode()).isEqualTo(400);
            assertThat(notHeld.body()).contains("public.rebuild_static");
            assertThat(service.send("POST", "/sinks/cache/rebuild?chunk_size=0").statusCode())
                    .isEqualTo(400);

            long raceStart = System.nanoTime();
            List<Thread> writers = race.start(THREADS, RACE);
            Thread.sleep(ThreadLocalRandom.current().nextLong(2_000, 6_000)); // a random moment of the race
            List<Long> ids = new ArrayList<>();
            ids.addAll(calls.queue("?table=public.rebuild_static&chunk_size=4&rows_per_second=40"));
            // every 100 ms, 40 keys of a table nobody writes: a half-loaded table would miss some
            AtomicBoolean rebuilding = new AtomicBoolean(true);
            AtomicLong samples = new AtomicLong();
            AtomicInteger misses = new AtomicInteger();
            Thread sampler = new Thread(() -> {
                while (rebuilding.get()) {
                    for (int i = 0; i < 40; i++) {
                        int id = ThreadLocalRandom.current().nextInt(1, STATIC_ROWS + 1);
                        if (service.get("/cache/public.rebuild_static/" + id).statusCode() != 200) {
                            misses.incrementAndGet();
                        }
                        samples.incrementAndGet();
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            ids.addAll(calls.queue("?table=public.products&chunk_size=2&rows_per_second=20"));
            // history is reconciled in place while the same writers run: with no gap, it must add nothing
            List<Long> historyIds = historyCalls.queue("?chunk_size=2&rows_per_second=20");
            // stock's copy straddles the race's end, so no later write repairs what the rebuild got wrong
            Thread.sleep(Math.max(0, RACE.toMillis() - 3_000 - (System.nanoTime() - raceStart) / 1_000_000));
            ids.addAll(calls.queue("?table=public.stock&chunk_size=1&rows_per_second=1"));

            for (Thread t : writers) {
                t.join();
            }
            java.time.Instant raceEnd = java.time.Instant.now();
            JsonNode finished = calls.awaitFinal(ids);
            JsonNode historyFinished = historyCalls.awaitFinal(historyIds);
            rebuilding.set(false);
            sampler.join();
            race.throwIfFailed();
            service.awaitCaughtUp(db, Duration.ofSeconds(180));

            List<String> problems = new ArrayList<>();
            problems.addAll(cacheProblems(service, db, "products", "id"));
            problems.addAll(cacheProblems(service, db, "stock", "sku"));
            problems.addAll(cacheProblems(service, db, "rebuild_static", "id"));
            var productHistory = HistoryCheck.read(db, "history.products", "id");
            var stockHistory = HistoryCheck.read(db, "history.stock", "sku");
            problems.addAll(HistoryCheck.problems(productHistory, Rows.read(db, "products", "id")));
            problems.addAll(HistoryCheck.problems(stockHistory, Rows.read(db, "stock", "sku")));
            problems.addAll(HistoryCheck.againstWorkload(productHistory, "products", race));
            problems.addAll(HistoryCheck.againstWorkload(stockHistory, "stock", race));
            long reconciled = db.queryLong("SELECT (SELECT count(*) FROM history.products WHERE tx_id = 0)"
                    + " + (SELECT count(*) FROM history.stock WHERE tx_id = 0)");
            System.out.printf(
                    "CACHE REBUILD under the race: %d changes committed (%d rolled back transactions), rebuilds %s,"
                            + " %d reads sampled during the rebuild, %d missed; history rebuilds %s, %d versions"
                            + " reconciled; %d problems after%n",
                    race.committedChanges(),
                    race.rolledBackTransactions(),
                    finished,
                    samples.get(),
                    misses.get(),
                    historyFinished,
                    reconciled,
                    problems.size());
            for (JsonNode r : historyFinished) {
                assertThat(r.path("phase").asText()).as(r.toString()).isEqualTo("DONE");
            }
            assertThat(reconciled)
                    .as("versions a rebuild added to a history the stream kept complete")
                    .isZero();
            for (JsonNode r : finished) {
                assertThat(r.path("phase").asText()).as(r.toString()).isEqualTo("DONE");
            }
            assertThat(java.time.Instant.parse(
                            finished.get(2).path("finished_at").asText()))
                    .as("stock's rebuild finished after the writers stopped")
                    .isAfter(raceEnd);
            assertThat(total(finished, "rows_copied")).isGreaterThanOrEqualTo(STATIC_ROWS);
            assertThat(race.committedChanges()).isGreaterThan(500);
            assertThat(samples.get()).isPositive();
            assertThat(misses.get())
                    .as("reads of existing rows that missed during the rebuild")
                    .isZero();
            assertThat(problems)
                    .as("differences between the tables and the rebuilt cache and history")
                    .isEmpty();
            JsonNode status =
                    service.getJson("/status").path("sinks").path("cache").path("rebuilds");
            assertThat(status.size()).isGreaterThanOrEqualTo(3);
            assertThat(service.get("/metrics").body()).contains("cdc_rebuild_rows_total");
        }
    }

    @Test
    void aTransactionThatWritesBeforeTheChunkIsReadAndCommitsAfterStillWins(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)",
                "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL",
                "INSERT INTO docs SELECT g, 't' || g, repeat(md5(g::text), 400) FROM generate_series(1, 10) g");
        String sinks = """
                  cache:
                    type: caffeine
                    tables: [public.docs]
                """;
        String slot = Backends.uniqueName("rebuildtx");
        try (RunningService service = RunningService.start(db, slot, "public.docs", sinks);
                Connection writer = db.connect()) {
            service.awaitReady();
            RebuildCalls calls = new RebuildCalls(service, "cache");
            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                s.executeUpdate( // the whole row, so the shadow holds a complete image of it before the chunk row comes
                        "UPDATE docs SET title = 'written before the read, committed after', body = 'new body' WHERE id = 7");
            }

            // chunks of 2 at 2 rows/s: the copy takes about 5 s, chunk by chunk in key order
            HttpResponse<String> queued =
                    service.send("POST", "/sinks/cache/rebuild?table=public.docs&chunk_size=2&rows_per_second=1");
            assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
            long id = RowJson.MAPPER
                    .readTree(queued.body())
                    .path("rebuilds")
                    .get(0)
                    .path("id")
                    .asLong();
            // changes committed during the copy, to rows not read yet: a delete, and an update that leaves the
            // TOASTed body out of the WAL (the shadow has no previous image to copy it from)
            db.execute("DELETE FROM docs WHERE id = 9", "UPDATE docs SET title = 'retitled' WHERE id = 10");

            // Rows 5 and 6 are handed over; the chunk of rows 7 and 8 is read at once and then held for about two
            // seconds by the rate limit. Committing now puts the change into the shadow before that older chunk row.
            Awaitility.await("rows 1 to 6 handed over")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> calls.rebuild(id).path("rows_copied").asLong() >= 6);
            Thread.sleep(500);
            writer.commit();
            JsonNode done = calls.awaitFinal(List.of(id)).get(0);
            assertThat(done.path("phase").asText()).as(done.toString()).isEqualTo("DONE");
            service.awaitCaughtUp(db);

            List<String> problems = cacheProblems(service, db, "docs", "id");
            assertThat(problems).isEmpty();
            assertThat(service.getJson("/cache/public.docs/7")
                            .path("row")
                            .path("title")
                            .asText())
                    .isEqualTo("written before the read, committed after");
            assertThat(service.get("/cache/public.docs/9").statusCode()).isEqualTo(404);
            JsonNode ten = service.getJson("/cache/public.docs/10").path("row");
            assertThat(ten.path("title").asText()).isEqualTo("retitled");
            assertThat(ten.path("body").asText()).hasSize(32 * 400);

            // the CLI asks the same endpoint and waits
            StringWriter out = new StringWriter();
            CommandLine cli = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(out));
            int exit = cli.execute(
                    "rebuild",
                    "--sink",
                    "cache",
                    "--url",
                    "http://127.0.0.1:" + service.service().httpPort(),
                    "--wait");
            assertThat(exit).as(out.toString()).isZero();
            assertThat(out.toString()).contains("public.docs: DONE, 9");
            assertThat(cacheProblems(service, db, "docs", "id")).isEmpty();
        }
    }

    private static List<String> cacheProblems(RunningService service, TestDatabase db, String table, String key) {
        Map<String, Map<String, String>> rows = Rows.read(db, table, key);
        TreeSet<String> keys = new TreeSet<>(rows.keySet());
        if (table.equals("products")) {
            for (int i = 1; i <= Workload.KEYS; i++) {
                keys.add(String.valueOf(i));
            }
        } else if (table.equals("stock")) {
            for (int i = 1; i <= Workload.KEYS; i++) {
                keys.add(Workload.sku(i));
            }
        }
        return Equalities.cacheProblems(service::get, "public." + table, keys, rows);
    }

    private static long total(JsonNode rebuilds, String field) {
        long sum = 0;
        for (JsonNode r : rebuilds) {
            sum += r.path(field).asLong();
        }
        return sum;
    }
}
