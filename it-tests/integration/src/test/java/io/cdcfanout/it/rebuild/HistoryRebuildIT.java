package io.cdcfanout.it.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.HistoryCheck;
import io.cdcfanout.it.support.HistoryCheck.Version;
import io.cdcfanout.it.support.RebuildCalls;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A history rebuild reconciles in place: after changes the stream never delivered (the slot was re-created past
 * them while the service was stopped), every changed row gets one version and every deleted row a deletion
 * version, equal rows get nothing, a transaction that wrote a row before the rebuild read it and committed after
 * still wins, and a rebuild after a TRUNCATE leaves exactly the current rows live.
 */
@ExtendWith(BackendsExtension.class)
class HistoryRebuildIT {

    private static final int ROWS = 30;

    @Test
    void aRebuildAfterAGapAddsTheMissedVersionsAndAWriteInFlightDuringTheCopyStillWins(TestDatabase db)
            throws Exception {
        db.execute(
                "CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)",
                "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL",
                "INSERT INTO docs SELECT g, 't' || g, repeat(md5(g::text), 400) FROM generate_series(1, " + ROWS
                        + ") g");
        String slot = Backends.uniqueName("histrebuild");
        String yaml = RunningService.configYaml(db, slot, "public.docs", """
                  history:
                    type: scd2
                    tables:
                      public.docs: { history-table: history.docs }
                """);
        try (RunningService service = RunningService.start(yaml)) {
            service.awaitReady();
            service.awaitCaughtUp(db);
        }
        // the gap: changes made while the service is stopped, which the slot then skips
        db.execute(
                "UPDATE docs SET title = 'changed in the gap' WHERE id IN (3, 4, 5)",
                "UPDATE docs SET title = 'first of two' WHERE id = 6",
                "UPDATE docs SET title = 'second of two', body = 'short now' WHERE id = 6",
                "DELETE FROM docs WHERE id IN (10, 11)",
                "DELETE FROM docs WHERE id = 12",
                "INSERT INTO docs VALUES (12, 're-inserted in the gap', 'b12')",
                "INSERT INTO docs VALUES (31, 'new in the gap', 'b31'), (32, 'also new', 'b32')");
        Awaitility.await("slot released")
                .atMost(Duration.ofSeconds(30))
                .until(() -> db.rows("SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'")
                        .get(0)
                        .get(0)
                        .equals("f"));
        // a slot created now cannot decode the WAL before it: the stored offsets resume past the gap
        db.execute(
                "SELECT pg_drop_replication_slot('" + slot + "')",
                "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");

        try (RunningService service = RunningService.start(yaml);
                Connection writer = db.connect()) {
            service.awaitReady();
            service.awaitCaughtUp(db);
            assertThat(newest(db).get("3").data().get("title"))
                    .as("history missed the gap")
                    .isEqualTo("t3");

            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                // its change's LSN is below everything the rebuild reads; it commits after the rebuild reconciled
                // row 5 (changed in the gap), so the reconciled version must not outrank it
                s.executeUpdate("UPDATE docs SET title = 'written before the read, committed after' WHERE id = 5");
            }
            RebuildCalls calls = new RebuildCalls(service, "history");
            List<Long> ids = calls.queue("?table=public.docs&chunk_size=2&rows_per_second=4");
            // committed during the copy, to rows not read yet: a delete, and an update whose TOASTed body the WAL
            // leaves out
            db.execute("DELETE FROM docs WHERE id = 25", "UPDATE docs SET title = 'retitled' WHERE id = 26");
            Awaitility.await("rows 1 to 6 reconciled")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> calls.rebuild(ids.get(0)).path("rows_copied").asLong() >= 6);
            writer.commit();
            JsonNode done = calls.awaitFinal(ids).get(0);
            assertThat(done.path("phase").asText()).as(done.toString()).isEqualTo("DONE");
            service.awaitCaughtUp(db);

            Map<String, List<Version>> history = HistoryCheck.read(db, "history.docs", "id");
            Map<String, Map<String, String>> table = Rows.read(db, "docs", "id");
            List<String> problems = new ArrayList<>();
            history.forEach((key, versions) -> {
                Version newest = versions.get(versions.size() - 1);
                Map<String, String> row = table.get(key);
                if (row == null ? !newest.deleted() : newest.deleted() || !row.equals(newest.data())) {
                    problems.add(key + ": newest " + newest + " but row " + row);
                }
                for (int i = 1; i < versions.size(); i++) {
                    if (!versions.get(i - 1).validTo().equals(versions.get(i).validFrom())) {
                        problems.add(key + ": versions not contiguous at "
                                + versions.get(i).lsn());
                    }
                }
            });
            table.keySet().stream()
                    .filter(k -> !history.containsKey(k))
                    .forEach(k -> problems.add(k + ": row has no history"));
            long reconciled = db.queryLong("SELECT count(*) FROM history.docs WHERE tx_id = 0");
            System.out.printf(
                    "HISTORY REBUILD after a gap: %s; %d versions reconciled, %d problems%n",
                    done, reconciled, problems.size());
            assertThat(problems).isEmpty();

            assertThat(titles(history, "3")).containsExactly("t3", "changed in the gap");
            assertThat(titles(history, "5"))
                    .containsExactly("t5", "changed in the gap", "written before the read, committed after");
            assertThat(titles(history, "6"))
                    .as("the gap's intermediate version is lost; its last one is kept")
                    .containsExactly("t6", "second of two");
            for (String deleted : List.of("10", "11")) {
                assertThat(history.get(deleted)).hasSize(2);
                assertThat(history.get(deleted).get(1).deleted()).isTrue();
            }
            assertThat(titles(history, "12")).containsExactly("t12", "re-inserted in the gap");
            assertThat(titles(history, "31")).containsExactly("new in the gap");
            assertThat(history.get("25").get(history.get("25").size() - 1).deleted())
                    .isTrue();
            assertThat(history.get("26")
                            .get(history.get("26").size() - 1)
                            .data()
                            .get("body"))
                    .as("the TOASTed body carried into the streamed version")
                    .hasSize(32 * 400);
            Set<String> touched = Set.of("3", "4", "5", "6", "10", "11", "12", "25", "26", "31", "32");
            IntStream.rangeClosed(1, ROWS)
                    .mapToObj(String::valueOf)
                    .filter(k -> !touched.contains(k))
                    .forEach(k -> assertThat(history.get(k))
                            .as("versions of untouched row " + k)
                            .hasSize(1));
            assertThat(reconciled)
                    .as("3, 4, 5, 6, 12, 31, 32 changed or new; 10, 11 deleted")
                    .isEqualTo(9);

            // TRUNCATE then rebuild: exactly the current rows are live, and nothing is reconciled twice
            db.execute("TRUNCATE docs", "INSERT INTO docs VALUES (100, 'a', 'x'), (101, 'b', 'y')");
            service.awaitCaughtUp(db);
            List<Long> again = calls.queue("");
            assertThat(calls.awaitFinal(again).get(0).path("phase").asText()).isEqualTo("DONE");
            assertThat(db.rows("SELECT id::text FROM history.docs WHERE valid_to IS NULL AND NOT deleted ORDER BY id"))
                    .containsExactly(List.of("100"), List.of("101"));
            assertThat(db.queryLong("SELECT count(*) FROM history.docs WHERE tx_id = 0"))
                    .isEqualTo(reconciled);
        }
    }

    private static Map<String, Version> newest(TestDatabase db) {
        Map<String, Version> newest = new java.util.TreeMap<>();
        HistoryCheck.read(db, "history.docs", "id").forEach((k, v) -> newest.put(k, v.get(v.size() - 1)));
        return newest;
    }

    private static List<String> titles(Map<String, List<Version>> history, String key) {
        return history.get(key).stream().map(v -> v.data().get("title")).toList();
    }
}
