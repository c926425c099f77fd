package io.cdcfanout.it.kafka.sinkconnector;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The race with one of two Connect workers killed ({@code kill -9}) mid-run: the sink connector's 3 tasks are
 * spread over a worker in the test JVM and a worker in its own process; the process is killed while the writers
 * run. Connect moves the dead worker's tasks to the survivor, which starts from the last committed offsets and
 * applies those records again; afterwards every document equals its row and each key's history is its committed
 * versions in commit order, none twice.
 *
 * <p>This test runs its own broker and workers (not the shared backend): the workers must agree on a short
 * rebalance delay, so the dead worker's tasks move within seconds instead of Connect's default five minutes.
 */
@ExtendWith(BackendsExtension.class)
class SinkConnectorWorkerKillIT {

    private static final int THREADS = 8;
    private static final int TASKS = 3;
    private static final Duration DURATION = Duration.ofSeconds(Long.getLong("race.seconds", 20));

    @Test
    void killingOneOfTwoWorkersMidRaceLeavesIndexAndHistoryEqualToTheTable(
            TestDatabase db, ElasticsearchBackend elasticsearch) throws Exception {
        String name = Backends.uniqueName("sinkkill");
        Map<String, String> workerProps = new HashMap<>();
        workerProps.put("group.id", name + "-connect");
        workerProps.put("config.storage.topic", name + "-configs");
        workerProps.put("offset.storage.topic", name + "-offsets");
        workerProps.put("status.storage.topic", name + "-status");
        workerProps.put("config.storage.replication.factor", "1");
        workerProps.put("offset.storage.replication.factor", "1");
        workerProps.put("status.storage.replication.factor", "1");
        workerProps.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        workerProps.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        workerProps.put("offset.flush.interval.ms", "1000");
        // a dead worker's tasks move after its session times out plus this delay (default five minutes)
        workerProps.put("scheduled.rebalance.max.delay.ms", "2000");
        workerProps.put("session.timeout.ms", "8000");
        workerProps.put("heartbeat.interval.ms", "2000");
        Properties broker = new Properties();
        broker.put("auto.create.topics.enable", "false");
        EmbeddedConnectCluster cluster = new EmbeddedConnectCluster.Builder()
                .name(name)
                .numBrokers(1)
                .numWorkers(1)
                .brokerProps(broker)
                .workerProps(workerProps)
                .maskExitProcedures(true)
                .build();
        long startedFrom = System.nanoTime();
        cluster.start();
        EsDocs es = new EsDocs(elasticsearch.url());
        SinkConnectorDeployment deployment = null;
        try (Admin admin = cluster.kafka().createAdminClient();
                ChildConnectWorker child = ChildConnectWorker.start(
                        cluster.kafka().bootstrapServers(), workerProps, Path.of("target", "connect-workers"))) {
            Workload workload = new Workload(db, "", null);
            workload.createTables();
            deployment = SinkConnectorDeployment.source(
                    cluster, admin, db, name, List.of("public.products", "public.stock"));
            deployment.deploySink(db, TASKS, SinkConnectorRaceIT.sinksYaml(elasticsearch.url(), name));
            SinkConnectorDeployment sinks = deployment;
            Awaitility.await("sink tasks on both workers")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> workersOf(sinks.sinkTasks()).size() == 2
                            && workersOf(sinks.sinkTasks()).contains(child.workerId()));
            long onChild = sinks.sinkTasks().stream()
                    .filter(t -> t.workerId().equals(child.workerId()))
                    .count();
            System.out.printf(
                    "WORKER KILL: broker and 2 workers up in %d ms; %d of %d sink tasks on the worker to be killed (%s)%n",
                    (System.nanoTime() - startedFrom) / 1_000_000, onChild, TASKS, child.workerId());

            List<Thread> writers = workload.start(THREADS, DURATION);
            Thread.sleep(DURATION.toMillis() / 2);
            child.kill();
            long killedAt = System.nanoTime();
            for (Thread writer : writers) {
                writer.join();
            }
            workload.throwIfFailed();
            Awaitility.await("every sink task running on the surviving worker")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> sinks.sinkTasks().size() == TASKS
                            && !workersOf(sinks.sinkTasks()).contains(child.workerId())
                            && sinks.sinkTasks().stream()
                                    .allMatch(t -> t.state().equals("RUNNING")));
            long movedMillis = (System.nanoTime() - killedAt) / 1_000_000;
            SinkConnectorRaceIT.awaitEqual(db, es, name, workload, Duration.ofSeconds(240));
            deployment.awaitCommittedToEnd(Duration.ofSeconds(60));
            List<String> problems = SinkConnectorRaceIT.problems(db, es, name, workload);
            System.out.printf(
                    "WORKER KILL: changes=%d (%d transactions, %d rolled back); tasks running on the survivor %d ms"
                            + " after the kill; problems=%d%n",
                    workload.committedChanges(),
                    workload.committedTransactions(),
                    workload.rolledBackTransactions(),
                    movedMillis,
                    problems.size());
            assertThat(onChild).as("sink tasks on the killed worker").isPositive();
            assertThat(child.isAlive()).isFalse();
            assertThat(workload.committedChanges())
                    .as("the workload committed changes")
                    .isGreaterThan(300);
            assertThat(problems)
                    .as("differences between the tables and the index and history (duplicate versions included)")
                    .isEmpty();
        } finally {
            if (deployment != null) {
                deployment.delete();
            }
            cluster.stop();
            es.deleteIndex(name + "_products_v1");
            es.deleteIndex(name + "_stock_v1");
        }
    }

    private static Set<String> workersOf(List<ConnectorStateInfo.TaskState> tasks) {
        return tasks.stream().map(ConnectorStateInfo.TaskState::workerId).collect(Collectors.toSet());
    }
}
