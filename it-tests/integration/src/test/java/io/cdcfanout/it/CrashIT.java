package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.it.support.ServiceProcess;
import io.cdcfanout.it.support.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The service, as its own process, is killed with SIGKILL at random moments of a steady write load and
 * restarted, several times. Afterwards nothing is lost and nothing duplicated: the index and the cache equal
 * the table, and history holds exactly one version per committed change, newest equal to the row.
 */
@ExtendWith(BackendsExtension.class)
class CrashIT {

    private static final int CRASHES = 3;

    @Test
    void killedRepeatedlyMidStreamLosesAndDuplicatesNothing(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        Workload workload = new Workload(db, "", null).pacedBy(Duration.ofMillis(10));
        workload.createTables();
        String prefix = Backends.uniqueName("crash");
        EsDocs es = new EsDocs(elasticsearch.url());
        String sinks = Workload.allSinksYaml(elasticsearch.url(), prefix);
        String yaml = RunningService.configYaml(db, prefix, "public.products, public.stock", sinks);
        List<Long> downMillis = new ArrayList<>();
        try (ServiceProcess service = new ServiceProcess(prefix, yaml)) {
            service.start();
            service.awaitReady();
            service.awaitCaughtUp(db, Duration.ofSeconds(60));

            List<Thread> writers = workload.start(4, Duration.ofMinutes(5));
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < CRASHES; i++) {
                Thread.sleep(2_000 + random.nextInt(4_000));
                service.kill();
                long killedAt = System.nanoTime();
                System.out.printf(
                        "CRASH %d: killed -9 after %d committed changes%n", i + 1, workload.committedChanges());
                Thread.sleep(random.nextInt(2_000));
                service.start();
                service.awaitReady();
                downMillis.add((System.nanoTime() - killedAt) / 1_000_000);
            }
            Thread.sleep(2_000);
            workload.stop();
            for (Thread t : writers) {
                t.join();
            }
            workload.throwIfFailed();
            service.awaitCaughtUp(db, Duration.ofSeconds(120));

            List<String> problems =
                    Equalities.allSinks(db, es, prefix, service::get, workload).all();
            System.out.printf(
                    "CRASH: %d kill -9 with restart, %d committed changes, restart-to-ready %s ms, problems=%d%n",
                    CRASHES, workload.committedChanges(), downMillis, problems.size());

            assertThat(workload.committedChanges()).as("writes happened").isGreaterThan(100);
            assertThat(problems).isEmpty();
        } finally {
            es.deleteIndex(prefix + "_products_v1");
            es.deleteIndex(prefix + "_stock_v1");
        }
    }
}
