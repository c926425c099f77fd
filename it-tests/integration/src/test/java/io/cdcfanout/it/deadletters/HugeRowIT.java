package io.cdcfanout.it.deadletters;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RunningService;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A row too large for {@code jsonb} (a 260 MiB text value; a jsonb string holds at most 256 MiB - 1 bytes):
 * the history sink refuses it, and its dead letter, which could not hold the row either, is stored with the
 * payload cut down (key, LSN and reason kept, the cut noted), so the pipeline goes on with the next change.
 *
 * <p>The service runs in this JVM; the test prints the heap it peaked at (Debezium decodes the value, so a few
 * copies of it are alive at once; the history sink refuses it by a size bound, without rendering it). Measured:
 * it passes with {@code -DargLine=-Xmx1g}, peak heap 848 MiB (before the size bound it needed about 1.4 GiB and
 * ran out of memory at 1 GiB). Without {@code argLine} failsafe's JVM gets the default heap (a quarter of RAM).
 */
@ExtendWith(BackendsExtension.class)
class HugeRowIT {

    private static final int HUGE_CHARS = 260 << 20;

    @Test
    void aRowTooLargeForJsonbIsDeadLetteredCutDownAndThePipelineGoesOn(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE blobs (id int PRIMARY KEY, data text)");
        String slot = Backends.uniqueName("huge_row");
        try (RunningService service = RunningService.start(db, slot, "public.blobs", """
                  history: { type: scd2, tables: { public.blobs: { history-table: history.blobs } } }
                """)) {
            service.awaitReady();
            service.awaitCaughtUp(db);

            db.execute(
                    "INSERT INTO blobs VALUES (1, repeat('x', " + HUGE_CHARS + "))",
                    "INSERT INTO blobs VALUES (2, 'after the huge row')");
            service.awaitCaughtUp(db, Duration.ofMinutes(5));

            try (Connection c = db.connect();
                    Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery(
                        "SELECT reason, payload_truncated, payload_size, length(payload::text), payload->'cut'->'data'->>'size'"
                                + " FROM cdc_fanout.dead_letters WHERE sink = 'history' AND table_name = 'public.blobs' AND row_key = '1'")) {
                    assertThat(rs.next())
                            .as("history's dead letter of the huge row")
                            .isTrue();
                    System.out.println("HUGE ROW dead letter: reason=" + rs.getString(1) + " truncated="
                            + rs.getBoolean(2) + " size=" + rs.getLong(3) + " stored chars=" + rs.getLong(4));
                    assertThat(rs.getString(1)).isNotBlank();
                    assertThat(rs.getBoolean(2)).as("payload_truncated").isTrue();
                    assertThat(rs.getLong(3))
                            .as("payload_size: the JSON text the whole row would take")
                            .isGreaterThan(HUGE_CHARS);
                    assertThat(rs.getLong(4)).as("the stored payload is small").isLessThan(1 << 20);
                    assertThat(rs.getLong(5))
                            .as("the cut column and its size are noted")
                            .isEqualTo(HUGE_CHARS + 2L);
                }
                try (ResultSet rs =
                        s.executeQuery("SELECT data->>'data' FROM history.blobs WHERE id = 2 AND valid_to IS NULL")) {
                    assertThat(rs.next())
                            .as("the change after the huge row reached history")
                            .isTrue();
                    assertThat(rs.getString(1)).isEqualTo("after the huge row");
                }
            }
        } finally {
            System.out.printf(
                    "HUGE ROW heap: max %d MiB, peak used %d MiB%n",
                    Runtime.getRuntime().maxMemory() >> 20, peakHeap() >> 20);
        }
    }

    private static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}
