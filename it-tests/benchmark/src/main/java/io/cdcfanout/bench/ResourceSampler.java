package io.cdcfanout.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples, every 100 ms while a measurement window is open, this JVM's resident set size and used heap
 * and the replication slots' lag, keeping the peaks; and reads this process's CPU time at the window's
 * ends. The service runs in this JVM, so the figures include the benchmark's own (small) share.
 */
final class ResourceSampler implements AutoCloseable {

    /** The peaks and CPU of one window. */
    record Window(long cpuNanos, long peakRssBytes, long peakHeapBytes, long peakSlotLagBytes) {}

    private final BenchDatabase db;
    private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicLong peakRss = new AtomicLong();
    private final AtomicLong peakHeap = new AtomicLong();
    private final AtomicLong peakLag = new AtomicLong();
    private final Thread thread;
    private volatile List<String> slots = List.of();
    private volatile boolean running = true;
    private long cpuAtOpen;

    ResourceSampler(BenchDatabase db) {
        this.db = db;
        this.thread = new Thread(this::loop, "bench-sampler");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Starts a window watching {@code slots}. */
    void openWindow(List<String> slots) {
        this.slots = List.copyOf(slots);
        peakRss.set(0);
        peakHeap.set(0);
        peakLag.set(0);
        cpuAtOpen = os.getProcessCpuTime();
        sample(null);
    }

    Window closeWindow() {
        sample(null);
        return new Window(os.getProcessCpuTime() - cpuAtOpen, peakRss.get(), peakHeap.get(), peakLag.get());
    }

    private void loop() {
        Connection c = null;
        while (running) {
            try {
                if (c == null) {
                    c = db.connect();
                }
                sample(c);
            } catch (SQLException e) {
                c = null;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample(Connection c) {
        peakRss.accumulateAndGet(rssBytes(), Math::max);
        peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        if (c != null) {
            for (String slot : slots) {
                try {
                    peakLag.accumulateAndGet(db.slotLagBytes(c, slot), Math::max);
                } catch (SQLException e) {
                    // next sample
                }
            }
        }
    }

    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
