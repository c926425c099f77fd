package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.PostgresBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.search.ClosableProxy;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.it.support.Slots;
import io.cdcfanout.it.support.Workload;
import io.cdcfanout.schema.Lsn;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Backends go away while changes stream, then come back: the pipeline waits (not ready, WAL held in the slot
 * rather than in memory), recovers by itself, and the index, cache and history equal the table afterwards.
 */
@ExtendWith(BackendsExtension.class)
class OutageIT {

    private static final Duration ES_DOWN = Duration.ofSeconds(20);

    @Test
    void elasticsearchDownForTwentySeconds(TestDatabase db, ElasticsearchBackend elasticsearch) throws Exception {
        // A backend this run started is stopped for real; one it was only given (CDC_IT_ES_URL) is cut off
        // behind a TCP proxy, which the service sees the same way: connections refused and reset.
        boolean realStop = !elasticsearch.origin().equals("env");
        int esPort = URI.create(elasticsearch.url()).getPort();
        try (ClosableProxy proxy = realStop ? null : new ClosableProxy(esPort)) {
            String esUrl = realStop ? elasticsearch.url() : "http://127.0.0.1:" + proxy.port();
            Scenario s = new Scenario(db, elasticsearch, esUrl);
            try (RunningService service = s.start()) {
                s.workload.start(2, Duration.ofMinutes(3));
                Thread.sleep(2_000);
                long retainedBefore = Slots.retainedBytes(db, s.slot);
                long heapBefore = usedHeapAfterGc();

                long down = System.nanoTime();
                if (realStop) {
                    elasticsearch.stop();
                } else {
                    proxy.cut();
                }
                Awaitility.await("not ready while Elasticsearch is down")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> service.get("/ready").statusCode() == 503
                                && service.getJson("/status")
                                        .get("sinks")
                                        .get("search")
                                        .get("state")
                                        .asText()
                                        .equals("RETRYING"));
                Lsn receivedWhileDown = Lsn.parse(service.getJson("/status")
                        .get("source")
                        .get("received_lsn")
                        .asText());
                sleepUntil(down + ES_DOWN.toNanos());
                long retainedDuring = Slots.retainedBytes(db, s.slot);
                long heapDuring = usedHeapAfterGc();
                Lsn receivedAtEnd = Lsn.parse(service.getJson("/status")
                        .get("source")
                        .get("received_lsn")
                        .asText());
                long committedDuring = s.workload.committedChanges();

                long up = System.nanoTime();
                if (realStop) {
                    elasticsearch.start();
                } else {
                    proxy.open();
                }
                long backAt = System.nanoTime();
                service.awaitReady();
                long recoveredMs = (System.nanoTime() - backAt) / 1_000_000;
                s.workload.stop();
                s.workload.throwIfFailed();
                long caughtUpFrom = System.nanoTime();
                service.awaitCaughtUp(db, Duration.ofSeconds(120));
                long caughtUpMs = (System.nanoTime() - caughtUpFrom) / 1_000_000;

                System.out.printf(
                        "OUTAGE elasticsearch (%s): down %d s; slot retained %d -> %d bytes; pipeline received_lsn %s -> %s while down;"
                                + " heap after GC %d -> %d MB; ready %d ms after Elasticsearch was back (start took %d ms), caught up %d ms later%n",
                        realStop ? "node stopped" : "proxy cut",
                        (up - down) / 1_000_000_000,
                        retainedBefore,
                        retainedDuring,
                        receivedWhileDown,
                        receivedAtEnd,
                        heapBefore >> 20,
                        heapDuring >> 20,
                        recoveredMs,
                        (backAt - up) / 1_000_000,
                        caughtUpMs);
                assertThat(committedDuring).as("writes continued in Postgres").isGreaterThan(50);
                assertThat(retainedDuring)
                        .as("the slot held the WAL written while Elasticsearch was down")
                        .isGreaterThan(retainedBefore);
                assertThat(receivedAtEnd.value() - receivedWhileDown.value())
                        .as("the engine was held back, not buffering the stream")
                        .isLessThan(retainedDuring);
                assertThat(heapDuring - heapBefore).as("heap did not balloon").isLessThan(256L << 20);
                assertThat(s.problems(service)).isEmpty();
            } finally {
                s.cleanUp();
            }
        }
    }

    @Test
    void sourcePostgresRestarted(TestDatabase db, ElasticsearchBackend elasticsearch, PostgresBackend postgres)
            throws Exception {
        if (postgres.origin().equals("env")) {
            throw new org.opentest4j.TestAbortedException(
                    "Postgres from CDC_IT_PG_HOST cannot be restarted by tests; runs on local or Docker backends");
        }
        Scenario s = new Scenario(db, elasticsearch, elasticsearch.url());
        try (RunningService service = s.start()) {
            s.workload.run(2, Duration.ofSeconds(4));
            long restartFrom = System.nanoTime();
            postgres.restart();
            long restartMs = (System.nanoTime() - restartFrom) / 1_000_000;
            long back = System.nanoTime();
            s.workload.start(2, Duration.ofSeconds(4));
            service.awaitReady();
            awaitStreamedAgain(service);
            long recoveredMs = (System.nanoTime() - back) / 1_000_000;
            Thread.sleep(4_000);
            s.workload.throwIfFailed();
            service.awaitCaughtUp(db, Duration.ofSeconds(120));
            System.out.printf(
                    "OUTAGE postgres restart: restart took %d ms; streaming and applying again %d ms after it%n",
                    restartMs, recoveredMs);
            assertThat(s.problems(service)).isEmpty();
        } finally {
            s.cleanUp();
        }
    }

    @Test
    void historyConnectionTerminated(TestDatabase db, ElasticsearchBackend elasticsearch) throws Exception {
        Scenario s = new Scenario(db, elasticsearch, elasticsearch.url());
        try (RunningService service = s.start()) {
            List<Thread> writers = s.workload.start(2, Duration.ofSeconds(8));
            Thread.sleep(2_000);
            int killed;
            long killedAt = System.nanoTime();
            try (Connection c = db.connect();
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                    + "WHERE datname = current_database() AND application_name = 'cdc-fanout-history'")) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    killed = rs.getInt(1);
                }
            }
            Lsn atKill = RunningService.currentWalLsn(db);
            Awaitility.await("history applied past the kill")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !atKill.isAfter(Lsn.parse(service.getJson("/status")
                            .get("sinks")
                            .get("history")
                            .get("last_applied_lsn")
                            .asText())));
            long recoveredMs = (System.nanoTime() - killedAt) / 1_000_000;
            for (Thread t : writers) {
                t.join();
            }
            s.workload.throwIfFailed();
            service.awaitCaughtUp(db, Duration.ofSeconds(60));
            JsonNode history = service.getJson("/status").get("sinks").get("history");
            System.out.printf(
                    "OUTAGE history connection: %d backend(s) terminated; applied past the kill position %d ms later; history retries=%d%n",
                    killed, recoveredMs, history.get("retries").asLong());
            assertThat(killed)
                    .as("the history sink's connection was found and terminated")
                    .isPositive();
            assertThat(s.problems(service)).isEmpty();
        } finally {
            s.cleanUp();
        }
    }

    private static void awaitStreamedAgain(RunningService service) {
        Awaitility.await("a change written after the outage is applied")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> {
                    Lsn target = service.service().fence();
                    Thread.sleep(500);
                    for (JsonNode sink : service.getJson("/status").get("sinks")) {
                        if (target.isAfter(
                                Lsn.parse(sink.get("last_applied_lsn").asText()))) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000);
        }
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The race tables, all three sinks on them, a paced workload, and the equality checks. */
    private static final class Scenario {
        final TestDatabase db;
        final String slot = Backends.uniqueName("outage");
        final EsDocs es;
        final String esUrl;
        final Workload workload;

        Scenario(TestDatabase db, ElasticsearchBackend elasticsearch, String esUrl) {
            this.db = db;
            this.es = new EsDocs(elasticsearch.url());
            this.esUrl = esUrl;
            this.workload = new Workload(db, "", null).pacedBy(Duration.ofMillis(20));
            workload.createTables();
        }

        RunningService start() throws InterruptedException {
            String sinks = Workload.allSinksYaml(esUrl, slot);
            RunningService service = RunningService.start(db, slot, "public.products, public.stock", sinks);
            service.awaitReady();
            service.awaitCaughtUp(db);
            return service;
        }

        List<String> problems(RunningService service) {
            return Equalities.allSinks(db, es, slot, service::get, workload).all();
        }

        void cleanUp() {
            try {
                es.deleteIndex(slot + "_products_v1");
                es.deleteIndex(slot + "_stock_v1");
            } catch (RuntimeException e) {
                System.err.println("cleanup: " + e);
            }
        }
    }
}
