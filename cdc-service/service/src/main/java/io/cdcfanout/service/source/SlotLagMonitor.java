package io.cdcfanout.service.source;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.ReconnectingConnection;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches how much WAL the replication slot retains beyond what every sink confirmed: polls
 * {@code pg_replication_slots} every few seconds on a connection it keeps, and publishes the figure as
 * the gauge {@code cdc.slot.lag.bytes} and for {@code /status}. A failed poll leaves the last figures.
 */
public final class SlotLagMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlotLagMonitor.class);
    private static final long POLL_SECONDS = 5;

    private final ReconnectingConnection connection;
    private final String slot;
    private final AtomicLong lagBytes = new AtomicLong(-1);
    private volatile Lsn confirmedFlushLsn;
    private volatile Lsn currentWalLsn;
    private ScheduledFuture<?> polling;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "slot-lag");
        t.setDaemon(true);
        return t;
    });

    public SlotLagMonitor(SourceDatabase source, String slot, MeterRegistry meters) {
        this.connection = new ReconnectingConnection(source, "cdc-fanout slot lag", true);
        this.slot = slot;
        Gauge.builder("cdc.slot.lag.bytes", lagBytes, AtomicLong::get)
                .description("WAL the replication slot retains beyond what every sink confirmed")
                .register(meters);
    }

    /** Polls now and then every few seconds until {@link #close()}. */
    public synchronized void start() {
        polling = poller.scheduleWithFixedDelay(this::poll, 0, POLL_SECONDS, TimeUnit.SECONDS);
    }

    /** Bytes of WAL the slot retains beyond its confirmed flush position; -1 until the first successful poll. */
    public long lagBytes() {
        return lagBytes.get();
    }

    /** The source's current WAL position at the last poll; null until the first successful poll. */
    public Lsn currentWalLsn() {
        return currentWalLsn;
    }

    /** The slot's {@code confirmed_flush_lsn}; null until the first successful poll. */
    public Lsn confirmedFlushLsn() {
        return confirmedFlushLsn;
    }

    private void poll() {
        try (PreparedStatement ps = connection
                .get()
                .prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, "
                        + "confirmed_flush_lsn::text, pg_current_wal_lsn()::text FROM pg_replication_slots"
                        + " WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    lagBytes.set(rs.getLong(1));
                    String flushed = rs.getString(2);
                    confirmedFlushLsn = flushed == null ? null : Lsn.parse(flushed);
                    currentWalLsn = Lsn.parse(rs.getString(3));
                }
            }
        } catch (SQLException e) {
            connection.drop();
            LOG.debug("cannot read slot lag: {}", e.getMessage());
        } catch (RuntimeException e) {
            // a scheduled task that throws is never run again: log it and keep polling
            connection.drop();
            LOG.warn("cannot read slot lag", e);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (polling != null) {
                polling.cancel(true);
            }
        }
        poller.shutdownNow();
        try {
            poller.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connection.close();
    }
}
