package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.it.support.Slots;
import io.cdcfanout.schema.Lsn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A database whose captured tables are idle while another table of it is busy: the slot must not retain
 * that WAL forever. Postgres' pgoutput sends nothing for transactions that touch no published table, so
 * only the service's heartbeat can move the slot's {@code confirmed_flush_lsn}.
 */
@ExtendWith(BackendsExtension.class)
class IdleSlotIT {

    private static final Duration RUN = Duration.ofSeconds(30);

    @Test
    void slotRetainsBoundedWalWhileOnlyUncapturedTablesChange(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE items (id int PRIMARY KEY, v text)",
                "INSERT INTO items VALUES (1, 'one')",
                "CREATE TABLE noise (id bigserial PRIMARY KEY, payload text)");
        String slot = Backends.uniqueName("idle");
        String yaml = RunningService.configYaml(db, slot, "public.items", """
                  cache:
                    type: caffeine
                    tables: [public.items]
                """)
                .replace("  slot: ", "  heartbeat-interval: 1s\n  slot: ");
        try (RunningService service = RunningService.start(yaml);
                Connection c = db.connect();
                PreparedStatement noise = c.prepareStatement(
                        "INSERT INTO noise (payload) SELECT repeat(md5(random()::text), 32) FROM generate_series(1, 20)")) {
            service.awaitReady();
            Lsn startFlushed = Slots.confirmedFlushLsn(db, slot);
            Lsn start = RunningService.currentWalLsn(db);
            long end = System.nanoTime() + RUN.toNanos();
            long maxRetainedLastHalf = 0;
            Lsn markTwoThirds = null;
            while (System.nanoTime() < end) {
                noise.executeUpdate(); // ~20 kB of WAL for a table the slot does not publish
                Thread.sleep(100);
                long left = end - System.nanoTime();
                if (left < RUN.toNanos() / 2) {
                    maxRetainedLastHalf = Math.max(maxRetainedLastHalf, Slots.retainedBytes(db, slot));
                }
                if (markTwoThirds == null && left < RUN.toNanos() / 3) {
                    markTwoThirds = RunningService.currentWalLsn(db);
                }
            }
            Lsn endLsn = RunningService.currentWalLsn(db);
            long written = endLsn.value() - start.value();
            Lsn flushed = Slots.confirmedFlushLsn(db, slot);
            long retainedAtEnd = Slots.retainedBytes(db, slot);
            System.out.printf(
                    "IDLE SLOT: WAL written %d bytes in %d s; confirmed_flush_lsn %s -> %s; retained at end %d bytes, max over the last half %d bytes%n",
                    written, RUN.toSeconds(), startFlushed, flushed, retainedAtEnd, maxRetainedLastHalf);

            assertThat(written).as("the noise wrote WAL").isGreaterThan(1_000_000);
            assertThat(flushed)
                    .as("confirmed_flush_lsn moved while captured tables were idle")
                    .isGreaterThan(start);
            assertThat(flushed)
                    .as("confirmed_flush_lsn is recent (at or beyond the WAL position of 10 s before the end)")
                    .isGreaterThanOrEqualTo(markTwoThirds);
            assertThat(maxRetainedLastHalf)
                    .as("retained WAL stays bounded, well below what was written")
                    .isLessThan(written / 2);

            // and the stream still works
            db.execute("UPDATE items SET v = 'two' WHERE id = 1");
            service.awaitCaughtUp(db);
            assertThat(service.getJson("/cache/public.items/1")
                            .get("row")
                            .get("v")
                            .asText())
                    .isEqualTo("two");
        }
    }
}
