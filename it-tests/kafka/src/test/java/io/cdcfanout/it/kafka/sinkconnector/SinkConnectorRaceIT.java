package io.cdcfanout.it.kafka.sinkconnector;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.kafka.backend.KafkaBackendExtension;
import io.cdcfanout.it.kafka.backend.KafkaConnectBackend;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.HistoryCheck;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sink connector under the race: Debezium's Postgres connector in a Connect worker feeds the workload's two
 * tables into 6 partitions each, keyed by primary key; the cdc-fanout sink connector with 3 tasks applies them to
 * a real Elasticsearch index and SCD2 history in real Postgres while {@value #THREADS} writers hammer
 * {@value Workload#KEYS} hot keys per table. Afterwards every live document equals its row, and each key's
 * history holds exactly the committed versions, in commit order, none twice.
 */
@ExtendWith({BackendsExtension.class, KafkaBackendExtension.class})
class SinkConnectorRaceIT {

    private static final int THREADS = 8;
    private static final int TASKS = 3;
    private static final Duration DURATION = Duration.ofSeconds(Long.getLong("race.seconds", 20));

    @Test
    void threeTasksOverSixPartitionsKeepIndexAndHistoryEqualToTheTable(
            TestDatabase db, ElasticsearchBackend elasticsearch, KafkaConnectBackend kafka) throws Exception {
        Workload workload = new Workload(db, "", null);
        workload.createTables();
        String name = Backends.uniqueName("sinkrace");
        EsDocs es = new EsDocs(elasticsearch.url());
        SinkConnectorDeployment deployment =
                SinkConnectorDeployment.source(kafka, db, name, List.of("public.products", "public.stock"));
        try {
            deployment.deploySink(db, TASKS, sinksYaml(elasticsearch.url(), name));

            long from = System.nanoTime();
            workload.run(THREADS, DURATION);
            workload.throwIfFailed();
            long caughtUpFrom = System.nanoTime();
            awaitEqual(db, es, name, workload, Duration.ofSeconds(240));
            long catchUpMillis = (System.nanoTime() - caughtUpFrom) / 1_000_000;
            // then nothing is left to come: every record of the topics is applied and committed
            deployment.awaitCommittedToEnd(Duration.ofSeconds(60));
            List<String> problems = problems(db, es, name, workload);

            System.out.printf(
                    "SINK CONNECTOR RACE: %d tasks over %d partitions per table, %d writers for %d s: changes=%d"
                            + " (%d transactions, %d rolled back, %d deadlocked), caught up %d ms after the writers"
                            + " stopped (%d ms in all), problems=%d%n",
                    TASKS,
                    SinkConnectorDeployment.PARTITIONS,
                    THREADS,
                    DURATION.toSeconds(),
                    workload.committedChanges(),
                    workload.committedTransactions(),
                    workload.rolledBackTransactions(),
                    workload.failedTransactions(),
                    catchUpMillis,
                    (System.nanoTime() - from) / 1_000_000,
                    problems.size());
            assertThat(workload.committedChanges())
                    .as("the workload committed changes")
                    .isGreaterThan(300);
            assertThat(workload.rolledBackTransactions())
                    .as("some transactions rolled back")
                    .isPositive();
            assertThat(kafka.cluster().connectorStatus(deployment.sinkName()).tasks())
                    .as("the sink connector's tasks")
                    .hasSize(TASKS)
                    .allSatisfy(t -> assertThat(t.state()).isEqualTo("RUNNING"));
            assertThat(problems)
                    .as("differences between the tables and the index and history")
                    .isEmpty();
        } finally {
            deployment.delete();
            es.deleteIndex(name + "_products_v1");
            es.deleteIndex(name + "_stock_v1");
        }
    }

    static String sinksYaml(String elasticsearchUrl, String indexPrefix) {
        return """
                search:
                  type: elasticsearch
                  url: %s
                  tables:
                    public.products: { index: %s_products }
                    public.stock: { index: %s_stock }
                history:
                  type: scd2
                  tables:
                    public.products: { history-table: history.products }
                    public.stock: { history-table: history.stock }
                """.formatted(elasticsearchUrl, indexPrefix, indexPrefix);
    }

    /** Waits until index and history equal the tables, at most {@code atMost}; the caller compares again. */
    static void awaitEqual(TestDatabase db, EsDocs es, String prefix, Workload workload, Duration atMost) {
        try {
            Awaitility.await("index and history equal to the tables")
                    .atMost(atMost)
                    .pollInterval(Duration.ofSeconds(2))
                    .ignoreExceptions()
                    .until(() -> problems(db, es, prefix, workload).isEmpty());
        } catch (ConditionTimeoutException e) {
            // the caller's assertion reports the differences
        }
    }

    static List<String> problems(TestDatabase db, EsDocs es, String prefix, Workload workload) {
        Map<String, Map<String, String>> products = Rows.read(db, "products", "id");
        Map<String, Map<String, String>> stock = Rows.read(db, "stock", "sku");
        List<String> problems = new ArrayList<>();
        problems.addAll(diff("es products", es.liveRows(prefix + "_products"), products));
        problems.addAll(diff("es stock", es.liveRows(prefix + "_stock"), stock));
        var productHistory = HistoryCheck.read(db, "history.products", "id");
        var stockHistory = HistoryCheck.read(db, "history.stock", "sku");
        problems.addAll(HistoryCheck.problems(productHistory, products));
        problems.addAll(HistoryCheck.problems(stockHistory, stock));
        problems.addAll(HistoryCheck.againstWorkload(productHistory, "products", workload));
        problems.addAll(HistoryCheck.againstWorkload(stockHistory, "stock", workload));
        return problems;
    }

    /** Two keyed row sets; each differing key is one line (as the integration suite's Equalities.diff). */
    static List<String> diff(
            String what, Map<String, Map<String, String>> actual, Map<String, Map<String, String>> expected) {
        List<String> problems = new ArrayList<>();
        java.util.TreeSet<String> keys = new java.util.TreeSet<>(actual.keySet());
        keys.addAll(expected.keySet());
        for (String key : keys) {
            Map<String, String> a = actual.get(key);
            Map<String, String> e = expected.get(key);
            if (e == null) {
                problems.add(what + " " + key + ": extra " + a + " (row is gone)");
            } else if (a == null) {
                problems.add(what + " " + key + ": missing, row is " + e);
            } else if (!a.equals(e)) {
                problems.add(what + " " + key + ": " + a + " != row " + e);
            }
        }
        return problems;
    }
}
