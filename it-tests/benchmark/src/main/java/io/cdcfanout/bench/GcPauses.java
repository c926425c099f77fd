package io.cdcfanout.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The longest collection and the total collection time of this JVM while open, from the collectors' own
 * notifications. For a stop-the-world collector (ParallelGC, G1's pauses) a collection's duration is its pause;
 * for a concurrent one (ZGC's cycles) it is the cycle, longer than any pause.
 */
final class GcPauses implements AutoCloseable {

    private final AtomicLong longestMs = new AtomicLong();
    private final AtomicLong totalMs = new AtomicLong();
    private final AtomicLong count = new AtomicLong();
    private final List<Runnable> unsubscribe = new ArrayList<>();
    private final List<long[]> collections = new ArrayList<>(); // end epoch ms, duration ms
    private final long jvmStartMs = ManagementFactory.getRuntimeMXBean().getStartTime();

    GcPauses() {
        NotificationListener listener = (notification, handback) -> {
            if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                return;
            }
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            long ms = info.getGcInfo().getDuration();
            longestMs.accumulateAndGet(ms, Math::max);
            totalMs.addAndGet(ms);
            count.incrementAndGet();
            synchronized (collections) {
                collections.add(new long[] {jvmStartMs + info.getGcInfo().getEndTime(), ms});
            }
        };
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                unsubscribe.add(() -> {
                    try {
                        emitter.removeNotificationListener(listener);
                    } catch (javax.management.ListenerNotFoundException e) {
                        // already gone
                    }
                });
            }
        }
    }

    /** For a figure's note: {@code "GC: 12 collections, longest 85 ms, total 310 ms"}. */
    String summary() {
        return "GC: " + count.get() + " collections, longest " + longestMs.get() + " ms, total " + totalMs.get()
                + " ms";
    }

    /** For a window's note: the collections that ended in [{@code from}, {@code to}). */
    String summaryBetween(Instant from, Instant to) {
        long longest = 0;
        long total = 0;
        int n = 0;
        synchronized (collections) {
            for (long[] c : collections) {
                if (c[0] >= from.toEpochMilli() && c[0] < to.toEpochMilli()) {
                    longest = Math.max(longest, c[1]);
                    total += c[1];
                    n++;
                }
            }
        }
        return "GC: " + n + " collections, longest " + longest + " ms, total " + total + " ms";
    }

    @Override
    public void close() {
        unsubscribe.forEach(Runnable::run);
    }
}
