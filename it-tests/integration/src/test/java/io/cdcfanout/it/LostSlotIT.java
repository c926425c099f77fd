package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.engine.StartupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slot goes away while the service is stopped and rows are written meanwhile: whichever store holds the
 * offsets, the next start refuses, saying changes were lost and how to rebuild, instead of letting Debezium
 * create a new slot at the current position and skip the rows in between.
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
                .hasMessageContaining("DELETE FROM cdc_fanout.offsets WHERE instance = '" + slot + "'");
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

        Files.delete(offsets); // what the message says to do: start afresh, from a new snapshot
        try (RunningService service = RunningService.start(yaml)) {
            service.awaitReady();
            service.awaitCaughtUp(db);
            assertThat(service.get("/cache/public.items/2").statusCode())
                    .as("the row written while the slot was gone")
                    .isEqualTo(200);
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
