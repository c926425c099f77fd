package io.cdcfanout.it.views;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.schema.RowJson;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The race on a denormalized view (issue #17): 16 writers hammer the six tables of the {@code orders} view
 * ({@link ViewShop}: renames, quantities, lines moved between orders, orders, customers, products and tags deleted
 * and re-inserted, products retagged, multi-table transactions, some rolled back) while the service keeps the view
 * in an Elasticsearch index and in the cache. Afterwards every document in the index and every cache entry must
 * equal the document one SQL query renders from the tables, field by field, with no document missing and none left
 * over for an order that no longer exists. Then each kind of write the writers make is made once more alone, and
 * the index and the cache compared again after each, so a kind that re-renders too few documents cannot hide behind
 * a later change of the same orders.
 *
 * <p>Beside it, 16 more writers run the same workload on a copy of the tables as a naive dual write does it: after
 * each commit the writer re-renders the orders it touched with the same SQL and writes them to a plain index. How
 * many of those documents end wrong is reported, not asserted (it depends on timing).
 *
 * <p>The writers run 30 s, as issue #17 asks ({@code -Dviews.race.seconds=N} changes it); the whole test then takes
 * about 45 s once the backends are up. Figures: the {@code VIEW RACE:} log line and
 * {@code target/view-race-report.json}.
 */
@ExtendWith(BackendsExtension.class)
class ViewRaceIT {

    private static final int THREADS = 16;
    private static final Duration DURATION = Duration.ofSeconds(Long.getLong("views.race.seconds", 30));

    @Test
    void concurrentWritersLeaveEveryViewDocumentEqualToItsRendering(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        long startedAt = System.nanoTime();
        ViewShop shop = new ViewShop(db, "", null);
        shop.createTables();
        String prefix = Backends.uniqueName("viewrace");
        String alias = prefix + "_orders_view";
        EsDocs es = new EsDocs(elasticsearch.url());

        NaiveViews naive = new NaiveViews(es, prefix + "_naive_orders");
        ViewShop naiveShop = new ViewShop(db, "naive_", naive::committed);
        naive.setShop(naiveShop);
        naiveShop.createTables();
        naive.load(naiveShop.expected());

        String yaml = shop.withViews(RunningService.configYaml(
                db, prefix, shop.sourceTables(), ViewShop.sinksYaml(elasticsearch.url(), alias)));
        try (RunningService service = RunningService.start(yaml)) {
            service.awaitReady();
            String committed = RunningService.currentWalLsn(db).toString(); // past every commit so far
            service.awaitCaughtUp(db, Duration.ofSeconds(60));
            List<String> initial = new ArrayList<>();
            AtomicLong ignored = new AtomicLong();
            Map<String, JsonNode> first = shop.expected();
            initial.addAll(ViewShop.differences("initial es " + alias, es.live(alias), first));
            initial.addAll(ViewShop.cacheDifferences(service::get, committed, first, ignored));
            initial.forEach(p -> System.out.println("VIEW RACE initial problem: " + p));

            List<Thread> writers = new ArrayList<>(shop.start(THREADS, DURATION));
            writers.addAll(naiveShop.start(THREADS, DURATION));
            for (Thread t : writers) {
                t.join();
            }
            shop.throwIfFailed();
            naiveShop.throwIfFailed();
            long caughtUpFrom = System.nanoTime();
            committed = RunningService.currentWalLsn(db).toString();
            service.awaitCaughtUp(db, Duration.ofSeconds(180));
            HttpResponse<String> waited = service.get("/wait?lsn=" + committed);
            assertThat(waited.statusCode()).as("/wait: " + waited.body()).isEqualTo(200);
            long catchUpMillis = (System.nanoTime() - caughtUpFrom) / 1_000_000;

            Map<String, JsonNode> expected = shop.expected();
            Map<String, JsonNode> documents = es.live(alias);
            AtomicLong compared = new AtomicLong(documents.size());
            List<String> problems = new ArrayList<>(initial);
            problems.addAll(ViewShop.differences("es " + alias, documents, expected));
            problems.addAll(ViewShop.cacheDifferences(service::get, committed, expected, compared));
            long raceChanges = shop.committedChanges();
            int divergent = problems.size();

            List<String> alone = new ArrayList<>();
            List<String> idle = new ArrayList<>();
            long lastChanges = shop.eachKindAlone((kind, changes) -> {
                if (changes == 0) {
                    idle.add(kind);
                }
                String at = RunningService.currentWalLsn(db).toString();
                service.awaitCaughtUp(db, Duration.ofSeconds(60));
                Map<String, JsonNode> now = shop.expected();
                alone.addAll(ViewShop.differences("after '" + kind + "' alone: es " + alias, es.live(alias), now));
                alone.addAll(ViewShop.cacheDifferences(service::get, at, now, new AtomicLong()).stream()
                        .map(p -> "after '" + kind + "' alone: " + p)
                        .toList());
            });
            problems.addAll(alone);
            if (!idle.isEmpty()) {
                System.out.println("VIEW RACE: one kind at a time, these found no row to change: " + idle);
            }
            int aloneDivergent = problems.size() - divergent;

            Map<String, JsonNode> naiveExpected = naiveShop.expected();
            int naiveDivergent = ViewShop.divergent(es.live(naive.index()), naiveExpected);
            long seconds = (System.nanoTime() - startedAt) / 1_000_000_000;

            ObjectNode report = RowJson.MAPPER.createObjectNode();
            report.put("writer_threads", THREADS).put("seconds", DURATION.toSeconds());
            ObjectNode c = report.putObject("cdc_fanout");
            c.put("committed_transactions", shop.committedTransactions())
                    .put("changes", raceChanges)
                    .put("multi_table_transactions", shop.multiTableTransactions())
                    .put("rolled_back_transactions", shop.rolledBackTransactions())
                    .put("deadlocked_transactions", shop.abortedTransactions())
                    .put("one_kind_at_a_time_changes", lastChanges)
                    .put("orders", expected.size())
                    .put("documents_compared", compared.get())
                    .put("catch_up_ms", catchUpMillis)
                    .put("divergent", divergent)
                    .put("divergent_after_one_kind_alone", aloneDivergent);
            ObjectNode n = report.putObject("naive");
            n.put("committed_transactions", naiveShop.committedTransactions())
                    .put("changes", naiveShop.committedChanges())
                    .put("orders", naiveExpected.size())
                    .put("divergent", naiveDivergent);
            report.put("test_seconds", seconds);
            Path out = Path.of("target", "view-race-report.json");
            Files.createDirectories(out.getParent());
            Files.writeString(
                    out, RowJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            problems.forEach(p -> System.out.println("VIEW RACE problem: " + p));
            System.out.printf(
                    "VIEW RACE: changes=%d documents=%d divergent=%d naive-divergent=%d one-kind-alone-divergent=%d"
                            + " (%d transactions, %d multi-table, %d rolled back, %d deadlocked; %d orders;"
                            + " %d of the changes made one kind at a time at the end;"
                            + " naive changes=%d of %d orders; %d s of writes, catch-up %d ms, test %d s)%n",
                    raceChanges,
                    compared.get(),
                    divergent,
                    naiveDivergent,
                    aloneDivergent,
                    shop.committedTransactions(),
                    shop.multiTableTransactions(),
                    shop.rolledBackTransactions(),
                    shop.abortedTransactions(),
                    expected.size(),
                    lastChanges,
                    naiveShop.committedChanges(),
                    naiveExpected.size(),
                    DURATION.toSeconds(),
                    catchUpMillis,
                    seconds);

            assertThat(raceChanges).as("the workload committed changes").isGreaterThan(500);
            assertThat(shop.rolledBackTransactions())
                    .as("the workload rolled some transactions back")
                    .isPositive();
            assertThat(shop.multiTableTransactions())
                    .as("the workload committed multi-table transactions")
                    .isPositive();
            assertThat(expected).as("some orders exist at the end").isNotEmpty();
            assertThat(problems)
                    .as("differences between the rendered orders and the view's documents / cache entries")
                    .isEmpty();
        } finally {
            es.deleteIndex(alias + "_v1");
            es.send("DELETE", "/cdc-fanout-meta/_doc/" + alias + "_v1", null);
            es.deleteIndex(naive.index());
        }
    }

    /**
     * The naive dual write: after its commit, the writer re-renders the orders it touched (with the oracle's SQL, in
     * a new transaction) and indexes them, or deletes the ones that are gone, with plain index requests.
     */
    private static final class NaiveViews {
        private final EsDocs es;
        private final String index;
        private ViewShop shop;

        NaiveViews(EsDocs es, String index) {
            this.es = es;
            this.index = index;
        }

        void setShop(ViewShop shop) {
            this.shop = shop;
        }

        String index() {
            return index;
        }

        void load(Map<String, JsonNode> documents) {
            es.send("PUT", "/" + index, "{\"mappings\": {\"dynamic\": false}}");
            documents.forEach((id, doc) -> es.put(index, id, doc.toString()));
        }

        void committed(Connection c, Set<Long> orders) throws Exception {
            Map<String, JsonNode> rendered = shop.render(c, orders);
            c.commit();
            for (long order : orders) {
                JsonNode doc = rendered.get(String.valueOf(order));
                if (doc == null) {
                    es.delete(index, String.valueOf(order));
                } else {
                    es.put(index, String.valueOf(order), doc.toString());
                }
            }
        }
    }
}
