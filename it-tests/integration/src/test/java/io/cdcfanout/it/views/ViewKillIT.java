package io.cdcfanout.it.views;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.it.support.ServiceProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The service serving the {@code orders} view (issue #17) runs as its own process and is killed with SIGKILL at
 * random moments while {@link ViewShop}'s writers change the six tables, then restarted, three times. Afterwards
 * every document of the view's index and every cache entry equals the document one SQL query renders from the
 * tables, with none missing and none left over.
 */
@ExtendWith(BackendsExtension.class)
class ViewKillIT {

    private static final int KILLS = 3;
    private static final int THREADS = 16;

    @Test
    void killedRepeatedlyUnderWritesTheViewEndsEqualToItsRendering(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        long startedAt = System.nanoTime();
        ViewShop shop = new ViewShop(db, "", null).pacedBy(Duration.ofMillis(10));
        shop.createTables();
        String prefix = Backends.uniqueName("viewkill");
        String alias = prefix + "_orders_view";
        EsDocs es = new EsDocs(elasticsearch.url());
        String yaml = shop.withViews(RunningService.configYaml(
                db, prefix, shop.sourceTables(), ViewShop.sinksYaml(elasticsearch.url(), alias)));
        List<Long> downMillis = new ArrayList<>();
        List<Long> changesAtKill = new ArrayList<>();
        try (ServiceProcess service = new ServiceProcess(prefix, yaml)) {
            service.start();
            service.awaitReady();
            service.awaitCaughtUp(db, Duration.ofSeconds(60));

            List<Thread> writers = shop.start(THREADS, Duration.ofMinutes(5));
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < KILLS; i++) {
                // the first kill under a steady stream, the others at any moment of the restart's catch-up
                Thread.sleep(i == 0 ? 2_000 + random.nextInt(4_000) : random.nextInt(6_000));
                service.kill();
                long killedAt = System.nanoTime();
                changesAtKill.add(shop.committedChanges());
                System.out.printf(
                        "VIEW KILL %d: killed -9 after %d committed changes%n", i + 1, shop.committedChanges());
                Thread.sleep(random.nextInt(2_000));
                service.start();
                service.awaitReady();
                downMillis.add((System.nanoTime() - killedAt) / 1_000_000);
            }
            Thread.sleep(2_000);
            shop.stop();
            for (Thread t : writers) {
                t.join();
            }
            shop.throwIfFailed();
            long caughtUpFrom = System.nanoTime();
            String committed = RunningService.currentWalLsn(db).toString(); // past every commit
            service.awaitCaughtUp(db, Duration.ofSeconds(120));
            HttpResponse<String> waited = service.get("/wait?lsn=" + committed);
            assertThat(waited.statusCode()).as("/wait: " + waited.body()).isEqualTo(200);
            long catchUpMillis = (System.nanoTime() - caughtUpFrom) / 1_000_000;

            Map<String, JsonNode> expected = shop.expected();
            Map<String, JsonNode> documents = es.live(alias);
            AtomicLong compared = new AtomicLong(documents.size());
            List<String> problems = new ArrayList<>(ViewShop.differences("es " + alias, documents, expected));
            problems.addAll(ViewShop.cacheDifferences(service::get, committed, expected, compared));
            problems.forEach(p -> System.out.println("VIEW KILL problem: " + p));
            System.out.printf(
                    "VIEW KILL: kills=%d changes=%d documents=%d divergent=%d"
                            + " (%d transactions, %d multi-table, %d rolled back, %d deadlocked; %d orders;"
                            + " changes at each kill %s, kill-to-ready %s ms, catch-up %d ms, test %d s)%n",
                    KILLS,
                    shop.committedChanges(),
                    compared.get(),
                    problems.size(),
                    shop.committedTransactions(),
                    shop.multiTableTransactions(),
                    shop.rolledBackTransactions(),
                    shop.abortedTransactions(),
                    expected.size(),
                    changesAtKill,
                    downMillis,
                    catchUpMillis,
                    (System.nanoTime() - startedAt) / 1_000_000_000);

            assertThat(shop.committedChanges()).as("writes happened").isGreaterThan(100);
            assertThat(expected).as("some orders exist at the end").isNotEmpty();
            assertThat(problems)
                    .as("differences between the rendered orders and the view's documents / cache entries")
                    .isEmpty();
        } finally {
            es.deleteIndex(alias + "_v1");
            es.send("DELETE", "/cdc-fanout-meta/_doc/" + alias + "_v1", null);
        }
    }
}
