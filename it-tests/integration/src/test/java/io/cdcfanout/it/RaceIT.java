package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.OnEachPostgresVersion;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.it.support.WalAudit;
import io.cdcfanout.it.support.Workload;
import io.cdcfanout.schema.RowJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The race: 16 writers hammer 20 hot rows in each of two tables with inserts, updates, deletes and
 * re-inserts, single- and multi-row, some rolled back. Afterwards the index, the cache and the history
 * must equal the table exactly, and each key's history must be its commit order.
 *
 * <p>Beside it the naive approach runs the same workload shape on its own tables: each writer commits to
 * Postgres, then writes the document and a map entry itself. Its divergence is reported, not asserted
 * (it depends on timing), in the log and in {@code target/race-report-postgres-<major>.json}.
 *
 * <p>It runs on each supported Postgres version: commit order and TOAST handling are the server's.
 */
@ExtendWith(BackendsExtension.class)
class RaceIT {

    private static final int THREADS = 16;
    private static final Duration DURATION = Duration.ofSeconds(Long.getLong("race.seconds", 30));

    @OnEachPostgresVersion
    void concurrentWritersLeaveIndexCacheAndHistoryEqualToTheTable(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        Workload cdc = new Workload(db, "", null);
        cdc.createTables();
        String prefix = Backends.uniqueName("race");
        String slot = prefix;
        EsDocs es = new EsDocs(elasticsearch.url());
        String sinks = Workload.allSinksYaml(elasticsearch.url(), prefix);

        NaiveFanout naive = new NaiveFanout(es, prefix + "_naive");
        Workload naiveWorkload = new Workload(db, "naive_", naive::apply);
        naiveWorkload.createTables();
        naive.createIndexes(Map.of(
                "products", Rows.read(db, "naive_products", "id"), "stock", Rows.read(db, "naive_stock", "sku")));
        try (RunningService service = RunningService.start(db, slot, "public.products, public.stock", sinks);
                WalAudit audit = WalAudit.open(db, prefix + "_audit")) {
            service.awaitReady();

            List<Thread> writers = new ArrayList<>(cdc.start(THREADS, DURATION));
            writers.addAll(naiveWorkload.start(THREADS, DURATION));
            for (Thread t : writers) {
                t.join();
            }
            cdc.throwIfFailed();
            naiveWorkload.throwIfFailed();
            long caughtUpFrom = System.nanoTime();
            service.awaitCaughtUp(db, Duration.ofSeconds(180));
            long catchUpMillis = (System.nanoTime() - caughtUpFrom) / 1_000_000;

            Equalities.Differences differences = Equalities.allSinks(db, es, prefix, service::get, cdc);
            List<String> problems = differences.all();
            int esAndCacheProblems = differences.esAndCache().size();
            long historyVersions = differences.historyVersions();

            // the naive approach, measured the same way
            Map<String, Map<String, String>> naiveProducts = Rows.read(db, "naive_products", "id");
            Map<String, Map<String, String>> naiveStock = Rows.read(db, "naive_stock", "sku");
            int naiveDocs = Equalities.divergent(es.liveRows(naive.index("products")), naiveProducts)
                    + Equalities.divergent(es.liveRows(naive.index("stock")), naiveStock);
            int naiveCache = Equalities.divergent(naive.cache("products"), naiveProducts)
                    + Equalities.divergent(naive.cache("stock"), naiveStock);

            int postgres = db.server().majorVersion();
            ObjectNode report = RowJson.MAPPER.createObjectNode();
            report.put("postgres", postgres)
                    .put("writer_threads", THREADS)
                    .put("seconds", DURATION.toSeconds())
                    .put("hot_keys_per_table", Workload.KEYS);
            ObjectNode c = report.putObject("cdc_fanout");
            c.put("committed_transactions", cdc.committedTransactions())
                    .put("changes_applied", cdc.committedChanges())
                    .put("rolled_back_transactions", cdc.rolledBackTransactions())
                    .put("deadlocked_transactions", cdc.failedTransactions())
                    .put("history_versions", historyVersions)
                    .put("catch_up_ms", catchUpMillis)
                    .put("divergent_docs_and_cache_entries", esAndCacheProblems)
                    .put("problems", problems.size());
            ObjectNode n = report.putObject("naive");
            n.put("committed_transactions", naiveWorkload.committedTransactions())
                    .put("changes_applied", naiveWorkload.committedChanges())
                    .put("divergent_docs", naiveDocs)
                    .put("divergent_cache_entries", naiveCache);
            Path out = Path.of("target", "race-report-postgres-" + postgres + ".json");
            Files.createDirectories(out.getParent());
            Files.writeString(
                    out, RowJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            System.out.printf(
                    "RACE (Postgres %d): cdc-fanout changes applied=%d (%d transactions, %d rolled back, %d deadlocked), divergent docs/cache entries=%d, history problems=%d;"
                            + " naive changes=%d, divergent docs=%d, divergent cache entries=%d%n",
                    postgres,
                    cdc.committedChanges(),
                    cdc.committedTransactions(),
                    cdc.rolledBackTransactions(),
                    cdc.failedTransactions(),
                    esAndCacheProblems,
                    problems.size() - esAndCacheProblems,
                    naiveWorkload.committedChanges(),
                    naiveDocs,
                    naiveCache);

            assertThat(cdc.committedChanges())
                    .as("the workload committed changes")
                    .isGreaterThan(500);
            assertThat(cdc.rolledBackTransactions())
                    .as("the workload rolled some transactions back")
                    .isPositive();
            assertThat(problems)
                    .as(
                            "differences between the table and its derived views%s",
                            diagnosis(db, audit, service, problems))
                    .isEmpty();
        } finally {
            es.deleteIndex(prefix + "_products_v1");
            es.deleteIndex(prefix + "_stock_v1");
            naive.deleteIndexes();
        }
    }

    /**
     * For each key a problem names: what Postgres decoded for it (the audit slot), the history's versions with
     * their LSN and transaction, and the dead letters, so a failure shows where a change was lost.
     */
    private static String diagnosis(TestDatabase db, WalAudit audit, RunningService service, List<String> problems) {
        StringBuilder out = new StringBuilder();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(products|stock) (\\S+):").matcher(String.join("\n", problems));
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (m.find() && seen.size() < 3) {
            if (!seen.add(m.group())) {
                continue; // a key named by two problems is shown once
            }
            boolean products = m.group(1).equals("products");
            String key = m.group(2);
            out.append("\n--- ").append(m.group(1)).append(' ').append(key).append(": decoded by Postgres\n");
            audit.linesOf(m.group(1), products ? "id\\[integer\\]:" + key + "( |$)" : "sku\\[text\\]:'" + key + "'")
                    .forEach(l -> out.append(l).append('\n'));
            out.append("--- history (lsn, tx_id, valid_from, deleted, data)\n");
            db.rows("SELECT lsn::text, tx_id::text, valid_from::text, deleted::text, data::text FROM history."
                            + m.group(1) + " WHERE " + (products ? "id = " + key : "sku = '" + key + "'")
                            + " ORDER BY lsn")
                    .forEach(r -> out.append(String.join(" ", r)).append('\n'));
        }
        if (!problems.isEmpty()) {
            out.append("--- changes decoded by Postgres, by table and operation\n");
            audit.counts()
                    .forEach((what, n) -> out.append(what).append(' ').append(n).append('\n'));
            out.append("--- changes each sink applied (replays count again)\n");
            service.get("/metrics")
                    .body()
                    .lines()
                    .filter(l -> l.startsWith("cdc_events_applied"))
                    .forEach(l -> out.append(l).append('\n'));
            out.append("--- dead letters\n");
            db.rows("SELECT sink, table_name, row_key, reason FROM cdc_fanout.dead_letters")
                    .forEach(r -> out.append(String.join(" | ", r)).append('\n'));
        }
        return out.toString();
    }

    /** The naive fan-out: after each commit, the writer thread writes the document and the map entry itself. */
    private static final class NaiveFanout {
        private final EsDocs es;
        private final String prefix;
        private final Map<String, Map<String, Map<String, String>>> cache = new ConcurrentHashMap<>();

        NaiveFanout(EsDocs es, String prefix) {
            this.es = es;
            this.prefix = prefix;
        }

        String index(String table) {
            return prefix + "_" + table;
        }

        /** Creates the indexes and loads them and the map with the tables' initial rows. */
        void createIndexes(Map<String, Map<String, Map<String, String>>> initial) throws Exception {
            for (String table : List.of("products", "stock")) {
                es.send("PUT", "/" + index(table), "{\"mappings\": {\"dynamic\": true}}");
                cache.put(table, new ConcurrentHashMap<>());
                for (var row : initial.get(table).entrySet()) {
                    es.put(index(table), row.getKey(), RowJson.MAPPER.writeValueAsString(row.getValue()));
                    cache.get(table).put(row.getKey(), row.getValue());
                }
            }
        }

        void apply(Map<Workload.Key, Map<String, String>> finals) throws Exception {
            for (var e : finals.entrySet()) {
                String table = e.getKey().table();
                String id = e.getKey().key();
                if (e.getValue() == null) {
                    es.delete(index(table), id);
                    cache.get(table).remove(id);
                } else {
                    es.put(index(table), id, RowJson.MAPPER.writeValueAsString(e.getValue()));
                    cache.get(table).put(id, e.getValue());
                }
            }
        }

        Map<String, Map<String, String>> cache(String table) {
            return new TreeMap<>(cache.get(table));
        }

        void deleteIndexes() {
            es.deleteIndex(index("products"));
            es.deleteIndex(index("stock"));
        }
    }
}
