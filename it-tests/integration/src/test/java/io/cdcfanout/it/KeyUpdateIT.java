package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.HistoryCheck;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Updates of the primary key, streamed to all three sinks. Debezium emits {@code UPDATE docs SET id = 10 WHERE
 * id = 1} as a DELETE of key 1 and an INSERT of key 10, and when a TOASTed column is unchanged the INSERT does
 * not carry it: its value must come from the row's image under the old key. Afterwards the index, the cache and
 * the newest history versions must equal the table, with nothing dead-lettered: a single-column key (with and
 * without a TOASTed column), a composite key, and a swap of two keys in one transaction (through a third key, as
 * Postgres checks a non-deferrable key per row). Run with the default replica identity and with {@code FULL}.
 */
@ExtendWith(BackendsExtension.class)
class KeyUpdateIT {

    /** 12 kB that does not compress: stored out of line, so an update that does not change it leaves it unsent. */
    private static final String TOASTED =
            "(SELECT string_agg(md5(x::text || ':' || %s), '') FROM generate_series(1, 375) x)";

    @ParameterizedTest(name = "replica identity {0}")
    @ValueSource(strings = {"DEFAULT", "FULL"})
    void keyUpdatesLeaveEverySinkEqualToTheTable(
            String replicaIdentity, TestDatabase db, ElasticsearchBackend elasticsearch) throws Exception {
        db.execute(
                "CREATE TABLE docs (id int PRIMARY KEY, title text, body text)",
                "CREATE TABLE lines (order_id int, line int, note text, body text, PRIMARY KEY (order_id, line))",
                "ALTER TABLE docs REPLICA IDENTITY " + replicaIdentity,
                "ALTER TABLE lines REPLICA IDENTITY " + replicaIdentity);
        String prefix = Backends.uniqueName("keyupd");
        EsDocs es = new EsDocs(elasticsearch.url());
        String sinks = """
                  search:
                    type: elasticsearch
                    url: %s
                    tables:
                      public.docs: { index: %s_docs }
                      public.lines: { index: %s_lines, id: "{order_id}:{line}" }
                  cache:
                    type: caffeine
                    tables: [public.docs, public.lines]
                  history:
                    type: scd2
                    tables:
                      public.docs: { history-table: history.docs }
                      public.lines: { history-table: history.lines }
                """.formatted(elasticsearch.url(), prefix, prefix);
        try (RunningService service = RunningService.start(db, prefix, "public.docs, public.lines", sinks)) {
            service.awaitReady();
            service.awaitCaughtUp(db);

            db.execute(
                    "INSERT INTO docs SELECT g, 'title ' || g, " + TOASTED.formatted("g")
                            + " FROM generate_series(1, 6) g",
                    "INSERT INTO docs VALUES (20, 'small', 'short body')",
                    "INSERT INTO lines SELECT 1, g, 'note ' || g, " + TOASTED.formatted("g")
                            + " FROM generate_series(1, 3) g");
            service.awaitCaughtUp(db);

            db.execute(
                    "UPDATE docs SET id = 10 WHERE id = 1", // the case: body unchanged, not sent
                    "UPDATE docs SET id = 11, title = 'moved and retitled' WHERE id = 3",
                    "UPDATE docs SET id = 21 WHERE id = 20", // nothing TOASTed
                    "UPDATE lines SET line = 7 WHERE order_id = 1 AND line = 1", // composite key, one column moves
                    "UPDATE lines SET order_id = 2, line = 9 WHERE order_id = 1 AND line = 2", // both columns move
                    // swap 4 and 5 in one transaction
                    "BEGIN; UPDATE docs SET id = -1 WHERE id = 4; UPDATE docs SET id = 4 WHERE id = 5;"
                            + " UPDATE docs SET id = 5 WHERE id = -1; COMMIT",
                    // moved twice in one transaction, then updated without touching body
                    "BEGIN; UPDATE docs SET id = 30 WHERE id = 6; UPDATE docs SET id = 31 WHERE id = 30; COMMIT",
                    "UPDATE docs SET title = 'after the moves' WHERE id = 31");
            service.awaitCaughtUp(db);

            Map<String, Map<String, String>> docs = Rows.read(db, "docs", "id");
            assertThat(docs.keySet()).containsExactlyInAnyOrder("2", "4", "5", "10", "11", "21", "31");
            assertThat(docs.get("10").get("body")).hasSize(12_000);
            assertThat(docs.get("4").get("body"))
                    .as("each row has its own body")
                    .isNotEqualTo(docs.get("5").get("body"));
            Map<String, Map<String, String>> lines = linesByDocumentId(db);

            List<String> problems = new ArrayList<>();
            problems.addAll(Equalities.esProblems(es, prefix + "_docs", docs));
            problems.addAll(Equalities.esProblems(es, prefix + "_lines", lines));
            problems.addAll(Equalities.cacheProblems(
                    service::get,
                    "public.docs",
                    List.of("1", "2", "3", "4", "5", "6", "10", "11", "20", "21", "30", "31", "-1"),
                    docs));
            for (String id : List.of("1:1", "1:2", "1:3", "1:7", "2:9")) {
                String[] parts = id.split(":");
                var response = service.get("/cache/public.lines?order_id=" + parts[0] + "&line=" + parts[1]);
                Map<String, String> row = lines.get(id);
                if (row == null
                        ? response.statusCode() != 404
                        : response.statusCode() != 200
                                || !Rows.fromJson(service.getJson("/cache/public.lines?order_id=" + parts[0] + "&line="
                                                        + parts[1])
                                                .get("row"))
                                        .equals(row)) {
                    problems.add("cache public.lines " + id + ": " + response.statusCode() + " " + response.body()
                            + ", row is " + row);
                }
            }
            problems.addAll(newestHistoryProblems(HistoryCheck.read(db, "history.docs", "id"), docs));
            problems.addAll(newestHistoryProblems(linesHistory(db), lines));
            problems.addAll(deadLetters(db));
            // a 12 kB body makes a report unreadable: show a fingerprint instead
            problems.replaceAll(p -> p.replaceAll("([0-9a-f]{32})[0-9a-f]{11000,}", "$1…"));
            assertThat(problems)
                    .as("differences between the tables and the sinks, and dead letters")
                    .isEmpty();
        } finally {
            es.deleteIndex(prefix + "_docs_v1");
            es.deleteIndex(prefix + "_lines_v1");
        }
    }

    /** The lines table keyed like its documents, {@code order_id:line}. */
    private static Map<String, Map<String, String>> linesByDocumentId(TestDatabase db) {
        Map<String, Map<String, String>> byId = new TreeMap<>();
        Rows.read(db, "lines", "line")
                .values()
                .forEach(row -> byId.put(row.get("order_id") + ":" + row.get("line"), row));
        return byId;
    }

    private static Map<String, List<HistoryCheck.Version>> linesHistory(TestDatabase db) {
        return HistoryCheck.read(db, "history.lines", "order_id::text || ':' || line");
    }

    /** Each key's newest version equals its row (a deletion when the row is gone); every row has history. */
    private static List<String> newestHistoryProblems(
            Map<String, List<HistoryCheck.Version>> history, Map<String, Map<String, String>> table) {
        List<String> problems = new ArrayList<>();
        history.forEach((key, versions) -> {
            HistoryCheck.Version newest = versions.get(versions.size() - 1);
            Map<String, String> row = table.get(key);
            if (row == null && !newest.deleted()) {
                problems.add("history " + key + ": row is gone, newest version is " + newest.data());
            } else if (row != null && (newest.deleted() || !row.equals(newest.data()))) {
                problems.add("history " + key + ": newest version " + (newest.deleted() ? "(deleted) " : "")
                        + newest.data() + " != row " + row);
            }
        });
        table.keySet().stream()
                .filter(k -> !history.containsKey(k))
                .forEach(k -> problems.add("history " + k + ": row has no history"));
        return problems;
    }

    private static List<String> deadLetters(TestDatabase db) throws Exception {
        List<String> letters = new ArrayList<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT sink, table_name, row_key, reason FROM cdc_fanout.dead_letters")) {
            while (rs.next()) {
                letters.add("dead letter " + rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + ": "
                        + rs.getString(4));
            }
        }
        return letters;
    }
}
