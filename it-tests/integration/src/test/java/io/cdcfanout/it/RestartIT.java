package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RecordingSink;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.it.support.Slots;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A stopped service resumes from its stored offsets: no second snapshot, nothing missed, the slot confirmed further. */
@ExtendWith(BackendsExtension.class)
class RestartIT {

    @Test
    void resumesFromOffsetsWithoutResnapshotting(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE items (id int PRIMARY KEY, v text)",
                "INSERT INTO items SELECT g, 'before-' || g FROM generate_series(1, 5) g");
        String slot = Backends.uniqueName("restart");
        String firstRun = slot + "_1";
        String secondRun = slot + "_2";

        try (RunningService service = RunningService.start(db, slot, "public.items", recording(firstRun))) {
            service.awaitReady();
            db.execute("INSERT INTO items VALUES (6, 'streamed-6')", "UPDATE items SET v = 'updated-1' WHERE id = 1");
            service.awaitCaughtUp(db);
        }
        List<ChangeEvent> first = RecordingSink.events(firstRun);
        assertThat(first).filteredOn(e -> e.op() == Operation.SNAPSHOT).hasSize(5);
        assertThat(first)
                .filteredOn(e -> e.op() != Operation.SNAPSHOT)
                .extracting(ChangeEvent::op)
                .containsExactly(Operation.INSERT, Operation.UPDATE);
        Lsn flushedAfterFirstRun = Slots.confirmedFlushLsn(db, slot);
        assertThat(offsetRows(db, slot)).isPositive();

        // written while the service is down: must arrive after restart, in order
        db.execute(
                "INSERT INTO items VALUES (7, 'offline-7')",
                "DELETE FROM items WHERE id = 2",
                "UPDATE items SET v = 'offline-3' WHERE id = 3");

        try (RunningService service = RunningService.start(db, slot, "public.items", recording(secondRun))) {
            service.awaitReady();
            service.awaitCaughtUp(db);
            db.execute("INSERT INTO items VALUES (8, 'streamed-8')");
            service.awaitCaughtUp(db);
        }
        List<ChangeEvent> second = RecordingSink.events(secondRun);
        assertThat(second)
                .extracting(e -> e.op() + ":" + e.key().asText())
                .containsExactly("INSERT:7", "DELETE:2", "UPDATE:3", "INSERT:8");
        assertThat(second.get(2).after().get("v")).isEqualTo("offline-3");
        assertThat(Slots.confirmedFlushLsn(db, slot)).isGreaterThan(flushedAfterFirstRun);
    }

    /**
     * Transaction B is open across the restart, and one of its changes sits right after the commit of A, the
     * last transaction applied before the stop. Debezium's own resume search mistakes that change for the
     * last one applied and filters B out (see ResumeOffsets); B must arrive whole.
     */
    @Test
    void aTransactionOpenAcrossTheRestartArrivesWhole(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE items (id int PRIMARY KEY, v text)");
        String slot = Backends.uniqueName("restart_tx");
        String firstRun = slot + "_1";
        String secondRun = slot + "_2";

        try (Connection b = db.connect()) {
            b.setAutoCommit(false);
            try (RunningService service = RunningService.start(db, slot, "public.items", recording(firstRun))) {
                service.awaitReady();
                service.awaitCaughtUp(db);
                execute(b, "INSERT INTO items VALUES (10, 'b-first')");
                db.execute("INSERT INTO items VALUES (20, 'a')");
                Lsn endOfA = RunningService.currentWalLsn(db);
                execute(b, "INSERT INTO items VALUES (11, 'b-second')");
                // no fence here: its commit would become the last one applied and hide the case
                Awaitility.await("A applied and confirmed")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> !endOfA.isAfter(Slots.confirmedFlushLsn(db, slot)));
            }
            assertThat(RecordingSink.events(firstRun))
                    .extracting(e -> e.key().asText())
                    .containsExactly("20");
            b.commit();
        }

        try (RunningService service = RunningService.start(db, slot, "public.items", recording(secondRun))) {
            service.awaitReady();
            service.awaitCaughtUp(db);
        }
        assertThat(RecordingSink.events(secondRun))
                .extracting(e -> e.op() + ":" + e.key().asText())
                .containsExactly("INSERT:10", "INSERT:11");
    }

    private static void execute(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String recording(String id) {
        return """
                  rec:
                    type: recording
                    id: %s
                    tables: [public.items]
                """.formatted(id);
    }

    private static int offsetRows(TestDatabase db, String slot) throws Exception {
        try (Connection c = db.connect();
                PreparedStatement ps =
                        c.prepareStatement("SELECT count(*) FROM cdc_fanout.offsets WHERE instance = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
