package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.HistoryCheck;
import io.cdcfanout.it.support.RebuildCalls;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.engine.StartupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slot goes away while the service is stopped and rows are written meanwhile: whichever store holds the
 * offsets, the next start refuses, saying changes were lost and how to recover, instead of letting Debezium
 * create a new slot at the current position and skip the rows in between. The recovery ({@code run --resnapshot},
 * or {@code source.on-lost-slot: resnapshot}) leaves every sink equal to the table.
 */
@ExtendWith(BackendsExtension.class)
class LostSlotIT {

    private static final String CACHE = """
              cache:
                type: caffeine
                tables: [public.items]
            """;

    @Test
    void missingSlotWithOffsetsInPostgresIsRefused(TestDatabase db) throws Exception {
        String slot = Backends.uniqueName("lostpg");
        String yaml = RunningService.configYaml(db, slot, "public.items", CACHE);
        runThenDropSlot(db, slot, yaml);
        assertThatThrownBy(() -> CdcService.start(RunningService.parse(yaml)).close())
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("replication slot '" + slot + "' does not exist")
                .hasMessageContaining("--resnapshot")
                .hasMessageContaining("on-lost-slot: resnapshot");
        assertThat(slotExists(db, slot)).as("no new slot was created").isFalse();
    }

    @Test
    void missingSlotWithOffsetsInAFileIsRefused(TestDatabase db, @TempDir Path dir) throws Exception {
        String slot = Backends.uniqueName("lostfile");
        Path offsets = dir.resolve("offsets.dat");
        String yaml = RunningService.configYaml(db, slot, "public.items", CACHE) + "offsets: { store: file, path: \""
                + offsets + "\" }\n";
        runThenDropSlot(db, slot, yaml);
        assertThat(offsets).as("offsets were written to the file").isNotEmptyFile();
        assertThatThrownBy(() -> CdcService.start(RunningService.parse(yaml)).close())
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("replication slot '" + slot + "' does not exist")
                .hasMessageContaining(offsets.toString());
        assertThat(slotExists(db, slot)).as("no new slot was created").isFalse();

        // the automatic recovery the message offers
        String recovering = yaml.replace(
                "\n  publication: " + slot + "\n", "\n  publication: " + slot + "\n  on-lost-slot: resnapshot\n");
        assertThat(recovering).contains("on-lost-slot");
        try (RunningService service = RunningService.start(recovering)) {
            service.awaitReady();
            service.awaitCaughtUp(db);
            assertThat(service.get("/cache/public.items/2").statusCode())
                    .as("the row written while the slot was gone")
                    .isEqualTo(200);
        }
        assertThat(Files.exists(offsets)).as("offsets of the fresh slot").isTrue();
        try (RunningService service = RunningService.start(yaml)) { // a normal start resumes from them
            service.awaitReady();
            db.execute("INSERT INTO items VALUES (4, 'after the recovery')");
            service.awaitCaughtUp(db);
            assertThat(service.get("/cache/public.items/4").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void resnapshotAfterALostSlotLeavesEverySinkEqualToTheTable(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        db.execute(
                "CREATE TABLE notes (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)",
                "ALTER TABLE notes ALTER COLUMN body SET STORAGE EXTERNAL",
                "INSERT INTO notes SELECT g, 't' || g, repeat(md5(g::text), 300) FROM generate_series(1, 60) g");
        String slot = Backends.uniqueName("resnap");
        EsDocs es = new EsDocs(elasticsearch.url());
        String index = slot + "_notes";
        String yaml = RunningService.configYaml(db, slot, "public.notes", """
                  search:
                    type: elasticsearch
                    url: %s
                    tables:
                      public.notes: { index: %s }
                  cache:
                    type: caffeine
                    tables: [public.notes]
                  history:
                    type: scd2
                    tables:
                      public.notes: { history-table: history.notes }
                """.formatted(elasticsearch.url(), index));
        try {
            try (RunningService service = RunningService.start(yaml)) {
                service.awaitReady();
                db.execute("UPDATE notes SET title = 'streamed' WHERE id = 1");
                service.awaitCaughtUp(db);
            }
            // the gap: updates, deletes and inserts while stopped, then the slot is dropped
            db.execute(
                    "UPDATE notes SET title = 'changed in the gap' WHERE id BETWEEN 2 AND 6",
                    "UPDATE notes SET title = 'retitled in the gap, body kept' WHERE id = 7",
                    "DELETE FROM notes WHERE id BETWEEN 50 AND 52",
                    "INSERT INTO notes SELECT g, 'new in the gap', 'short' FROM generate_series(61, 64) g");
            Awaitility.await("slot released").atMost(Duration.ofSeconds(30)).until(() -> !slotActive(db, slot));
            db.execute("SELECT pg_drop_replication_slot('" + slot + "')");
            assertThatThrownBy(
                            () -> CdcService.start(RunningService.parse(yaml)).close())
                    .isInstanceOf(StartupException.class)
                    .hasMessageContaining("--resnapshot");

            try (RunningService service = RunningService.startResnapshot(yaml)) {
                service.awaitReady();
                // the stream flows during the rebuilds
                db.execute(
                        "UPDATE notes SET title = 'during the rebuild' WHERE id IN (3, 20)",
                        "DELETE FROM notes WHERE id = 21");
                for (String sink : List.of("search", "history")) {
                    RebuildCalls calls = new RebuildCalls(service, sink);
                    List<Long> ids = new ArrayList<>();
                    service.getJson("/sinks/" + sink + "/rebuild")
                            .path("rebuilds")
                            .forEach(r -> ids.add(r.path("id").asLong()));
                    assertThat(ids).as(sink + " is rebuilt").hasSize(1);
                    assertThat(calls.awaitFinal(ids).get(0).path("phase").asText())
                            .isEqualTo("DONE");
                }
                service.awaitCaughtUp(db);

                Map<String, Map<String, String>> table = Rows.read(db, "notes", "id");
                List<String> problems = new ArrayList<>(Equalities.esProblems(es, index, table));
                problems.addAll(Equalities.cacheProblems(
                        service::get,
                        "public.notes",
                        IntStream.rangeClosed(1, 64).mapToObj(String::valueOf).toList(),
                        table));
                var history = HistoryCheck.read(db, "history.notes", "id");
                table.forEach((key, row) -> {
                    var versions = history.get(key);
                    var newest = versions == null ? null : versions.get(versions.size() - 1);
                    if (newest == null || newest.deleted() || !row.equals(newest.data())) {
                        problems.add("history " + key + ": newest " + newest + " != row " + row);
                    }
                });
                for (int id = 2; id <= 7; id++) {
                    if (history.get(String.valueOf(id)).size() < 2) {
                        problems.add("history " + id + ": no version for the change in the gap");
                    }
                }
                for (String gone : List.of("50", "51", "52", "21")) {
                    var versions = history.get(gone);
                    if (!versions.get(versions.size() - 1).deleted()) {
                        problems.add("history " + gone + ": no deletion version");
                    }
                }
                System.out.printf(
                        "RESNAPSHOT after a lost slot: %d rows, %d problems across search, cache and history%n",
                        table.size(), problems.size());
                assertThat(problems).isEmpty();
                assertThat(es.get(index, "7").path("_source").path("body").asText())
                        .hasSize(32 * 300);
                assertThat(es.send("GET", "/_alias/" + index, null).has(index + "_v2"))
                        .as("search is served by the rebuilt index")
                        .isTrue();
            }
            try (RunningService service = RunningService.start(yaml)) { // later starts resume normally
                service.awaitReady();
                db.execute("UPDATE notes SET title = 'after' WHERE id = 8");
                service.awaitCaughtUp(db);
                assertThat(es.get(index, "8").path("_source").path("title").asText())
                        .isEqualTo("after");
            }
        } finally {
            for (int n = 1; n <= 3; n++) {
                es.deleteIndex(index + "_v" + n);
            }
        }
    }

    /** Runs the service until it has applied a row, stops it, writes another row, and drops the slot. */
    private static void runThenDropSlot(TestDatabase db, String slot, String yaml) throws Exception {
        db.execute("CREATE TABLE items (id int PRIMARY KEY, v text)", "INSERT INTO items VALUES (1, 'a')");
        try (RunningService service = RunningService.start(yaml)) {
            service.awaitReady();
            db.execute("INSERT INTO items VALUES (3, 'c')");
            service.awaitCaughtUp(db);
        }
        db.execute("INSERT INTO items VALUES (2, 'written while stopped')");
        Awaitility.await("slot released").atMost(Duration.ofSeconds(30)).until(() -> !slotActive(db, slot));
        db.execute("SELECT pg_drop_replication_slot('" + slot + "')");
    }

    private static boolean slotExists(TestDatabase db, String slot) throws Exception {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next();
        }
    }

    private static boolean slotActive(TestDatabase db, String slot) throws Exception {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next() && rs.getBoolean(1);
        }
    }
}
