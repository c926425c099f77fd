package io.cdcfanout.it.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.HistoryCheck;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A table added to a sink after the first start has its existing rows backfilled for that sink alone (the
 * index, the cache and history), TOAST columns included; a removed one is forgotten and reported once.
 */
@ExtendWith(BackendsExtension.class)
class TableAddedLaterIT {

    @Test
    void rowsThatExistedBeforeATableWasAddedReachTheNewIndexAndTheCache(
            TestDatabase db, ElasticsearchBackend elasticsearch) throws Exception {
        db.execute(
                "CREATE TABLE a (id int PRIMARY KEY, v text NOT NULL)",
                "CREATE TABLE b (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)",
                "ALTER TABLE b ALTER COLUMN body SET STORAGE EXTERNAL",
                "INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, 5) g");
        String prefix = Backends.uniqueName("added");
        EsDocs es = new EsDocs(elasticsearch.url());
        try {
            try (RunningService first =
                    RunningService.start(db, prefix, "public.a", sinks(elasticsearch, prefix, "public.a"))) {
                first.awaitReady();
                db.execute("INSERT INTO b SELECT g, 't' || g, repeat(md5(g::text), 400) FROM generate_series(1, 50) g");
                first.awaitCaughtUp(db);
            }
            assertThat(db.rows("SELECT sink, table_name FROM cdc_fanout.sink_tables WHERE instance = '" + prefix
                            + "' ORDER BY 1, 2"))
                    .containsExactly(
                            List.of("cache", "public.a"),
                            List.of("history", "public.a"),
                            List.of("search", "public.a"));

            try (RunningService second = RunningService.start(
                    db, prefix, "public.a, public.b", sinks(elasticsearch, prefix, "public.a, public.b"))) {
                second.awaitReady();
                JsonNode rebuild = Awaitility.await("the backfill of public.b for search")
                        .atMost(Duration.ofSeconds(60))
                        .until(
                                () -> second.getJson("/sinks/search/rebuild").path("rebuilds"),
                                r -> r.size() == 1
                                        && r.get(0).path("phase").asText().equals("DONE"))
                        .get(0);
                assertThat(rebuild.path("table").asText()).isEqualTo("public.b");
                assertThat(rebuild.path("rows_copied").asLong()).isEqualTo(50);
                JsonNode reconciled = Awaitility.await("the backfill of public.b for history")
                        .atMost(Duration.ofSeconds(60))
                        .until(
                                () -> second.getJson("/sinks/history/rebuild").path("rebuilds"),
                                r -> r.size() == 1
                                        && r.get(0).path("phase").asText().equals("DONE"))
                        .get(0);
                assertThat(reconciled.path("table").asText()).isEqualTo("public.b");
                assertThat(second.getJson("/sinks/cache/rebuild")
                                .path("rebuilds")
                                .size())
                        .as("the cache loads its tables at start; it needs no rebuild")
                        .isZero();
                // an update that leaves the TOASTed body out of the WAL finds it in the backfilled document
                db.execute("UPDATE b SET title = 'changed after it was added' WHERE id = 3");
                second.awaitCaughtUp(db);

                Map<String, Map<String, String>> rows = Rows.read(db, "b", "id");
                assertThat(rows).hasSize(50);
                assertThat(Equalities.esProblems(es, prefix + "_b", rows)).isEmpty();
                assertThat(Equalities.cacheProblems(second::get, "public.b", rows.keySet(), rows))
                        .isEmpty();
                assertThat(es.get(prefix + "_b", "3")
                                .path("_source")
                                .path("body")
                                .asText())
                        .hasSize(32 * 400);
                var history = HistoryCheck.read(db, "history.added_b", "id");
                assertThat(history).hasSize(50);
                history.forEach((key, versions) -> assertThat(
                                versions.get(versions.size() - 1).data())
                        .as("history of b " + key)
                        .isEqualTo(rows.get(key)));
                assertThat(history.get("3"))
                        .as("the backfilled version, then the update with the body carried from it")
                        .hasSize(2);
            }
            assertThat(db.rows("SELECT table_name FROM cdc_fanout.sink_tables WHERE instance = '" + prefix
                            + "' AND sink = 'search' ORDER BY 1"))
                    .containsExactly(List.of("public.a"), List.of("public.b"));

            try (RunningService third =
                    RunningService.start(db, prefix, "public.a, public.b", sinks(elasticsearch, prefix, "public.a"))) {
                third.awaitReady();
                assertThat(third.getJson("/sinks/search/rebuild")
                                .path("rebuilds")
                                .size())
                        .isZero();
            }
            assertThat(db.rows("SELECT table_name FROM cdc_fanout.sink_tables WHERE instance = '" + prefix
                            + "' AND sink = 'search' ORDER BY 1"))
                    .as("the removed table is forgotten")
                    .containsExactly(List.of("public.a"));
        } finally {
            for (String t : List.of("a", "b")) {
                for (int n = 1; n <= 2; n++) {
                    es.deleteIndex(prefix + "_" + t + "_v" + n);
                }
            }
        }
    }

    private static String sinks(ElasticsearchBackend elasticsearch, String prefix, String tables) {
        StringBuilder search = new StringBuilder();
        StringBuilder history = new StringBuilder();
        for (String t : tables.split(",\\s*")) {
            String name = t.substring(t.indexOf('.') + 1);
            search.append("      ")
                    .append(t)
                    .append(": { index: ")
                    .append(prefix)
                    .append('_')
                    .append(name)
                    .append(" }\n");
            history.append("      ")
                    .append(t)
                    .append(": { history-table: history.added_")
                    .append(name)
                    .append(" }\n");
        }
        return """
                  search:
                    type: elasticsearch
                    url: %s
                    tables:
                %s  cache:
                    type: caffeine
                    tables: [%s]
                  history:
                    type: scd2
                    tables:
                %s""".formatted(elasticsearch.url(), search, tables, history);
    }
}
