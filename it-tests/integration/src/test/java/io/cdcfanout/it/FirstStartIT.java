package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.search.ClosableProxy;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A first start (no slot yet) while the captured table is being written to: every sink, the cache
 * included, ends up equal to the table. The cache loads its tables itself; a transaction committed after
 * that load but before the slot existed used to be in neither the load nor the stream, and stayed stale.
 */
@ExtendWith(BackendsExtension.class)
class FirstStartIT {

    private static final int ROWS = 1_000;

    @Test
    void writesAcrossAFirstStartReachEverySink(TestDatabase db, ElasticsearchBackend elasticsearch) throws Exception {
        String slot = Backends.uniqueName("first");
        runAcrossFirstStart(db, elasticsearch, slot, elasticsearch.url(), () -> {});
    }

    @Test
    void writesAcrossAFirstStartWhileElasticsearchIsUnreachable(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        String slot = Backends.uniqueName("firstdown");
        try (ClosableProxy proxy =
                new ClosableProxy(URI.create(elasticsearch.url()).getPort())) {
            proxy.cut();
            Thread opener = new Thread(
                    () -> {
                        try {
                            Thread.sleep(5_000);
                            proxy.open();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    "proxy-opener");
            runAcrossFirstStart(db, elasticsearch, slot, "http://127.0.0.1:" + proxy.port(), opener::start);
            opener.join();
        }
    }

    /**
     * Writes 50 transactions a second to random rows from 1.5 s before the start until 3 s after it, then
     * compares the cache and the index with the table.
     */
    private static void runAcrossFirstStart(
            TestDatabase db, ElasticsearchBackend elasticsearch, String slot, String esUrl, Runnable beforeStart)
            throws Exception {
        db.execute(
                "CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)",
                "INSERT INTO accounts SELECT g, 0 FROM generate_series(1, " + ROWS + ") g");
        EsDocs es = new EsDocs(elasticsearch.url());
        String sinks = """
                  search:
                    type: elasticsearch
                    url: %s
                    tables:
                      public.accounts: { index: %s_accounts }
                  cache:
                    type: caffeine
                    max-entries: %d
                    tables: [public.accounts]
                  history:
                    type: scd2
                    tables:
                      public.accounts: { history-table: history.accounts }
                """.formatted(esUrl, slot, ROWS * 2);
        Writer writer = new Writer(db);
        Thread writing = new Thread(writer, "writer");
        writing.start();
        try {
            Thread.sleep(1_500);
            beforeStart.run();
            try (RunningService service = RunningService.start(db, slot, "public.accounts", sinks)) {
                Thread.sleep(3_000);
                writer.stop();
                writing.join();
                writer.throwIfFailed();
                service.awaitReady();
                service.awaitCaughtUp(db, Duration.ofSeconds(120));

                Map<String, Map<String, String>> table = Rows.read(db, "accounts", "id");
                List<String> keys =
                        IntStream.rangeClosed(1, ROWS).mapToObj(String::valueOf).toList();
                List<String> cache = Equalities.cacheProblems(service::get, "public.accounts", keys, table);
                List<String> index = Equalities.esProblems(es, slot + "_accounts", table);
                System.out.printf(
                        "FIRST START (%s): %d transactions written; cache differs on %d rows, index on %d%n",
                        slot, writer.committed.get(), cache.size(), index.size());
                assertThat(writer.committed.get())
                        .as("writes continued across the start")
                        .isGreaterThan(100);
                assertThat(cache).as("cache equals the table").isEmpty();
                assertThat(index).as("index equals the table").isEmpty();
            }
        } finally {
            writer.stop();
            writing.join();
            try {
                es.deleteIndex(slot + "_accounts_v1");
            } catch (RuntimeException e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    /** One connection updating a random row to a new balance per transaction, about 50 a second. */
    private static final class Writer implements Runnable {
        private final TestDatabase db;
        private final AtomicLong committed = new AtomicLong();
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private volatile boolean stopped;

        Writer(TestDatabase db) {
            this.db = db;
        }

        void stop() {
            stopped = true;
        }

        void throwIfFailed() {
            if (failure.get() != null) {
                throw new IllegalStateException("writer failed", failure.get());
            }
        }

        @Override
        public void run() {
            try (Connection c = db.connect();
                    PreparedStatement ps = c.prepareStatement("UPDATE accounts SET balance = ? WHERE id = ?")) {
                c.setAutoCommit(true);
                while (!stopped) {
                    ps.setLong(1, committed.get() + 1);
                    ps.setInt(2, ThreadLocalRandom.current().nextInt(1, ROWS + 1));
                    ps.executeUpdate();
                    committed.incrementAndGet();
                    Thread.sleep(20);
                }
            } catch (Exception e) {
                failure.set(e);
            }
        }
    }
}
