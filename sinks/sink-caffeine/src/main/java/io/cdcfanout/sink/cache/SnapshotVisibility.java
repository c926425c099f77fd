package io.cdcfanout.sink.cache;

import java.util.HashSet;
import java.util.Set;

/**
 * Which transactions a Postgres MVCC snapshot ({@code pg_current_snapshot()}, text form
 * {@code xmin:xmax:xip,...}) already sees. A streamed change whose transaction the load's snapshot
 * saw is already in the loaded rows and must be skipped; any other is newer and must be applied.
 */
record SnapshotVisibility(long xmin, long xmax, Set<Long> inProgress) {

    static SnapshotVisibility parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a pg_snapshot: " + text);
        }
        Set<Long> xip = new HashSet<>();
        if (!parts[2].isEmpty()) {
            for (String id : parts[2].split(",")) {
                xip.add(Long.parseLong(id));
            }
        }
        return new SnapshotVisibility(Long.parseLong(parts[0]), Long.parseLong(parts[1]), xip);
    }

    /**
     * @param xid a 32-bit transaction id as decoded from the WAL; widened with this snapshot's epoch
     */
    boolean sawTransaction(long xid) {
        long full = widen(xid);
        if (full < xmin) {
            return true;
        }
        return full < xmax && !inProgress.contains(full);
    }

    /** True when the transaction began after the snapshot was taken, and so did every later one. */
    boolean startedAfter(long xid) {
        return widen(xid) >= xmax;
    }

    private long widen(long xid32) {
        long epoch = xmax >>> 32;
        long candidate = (epoch << 32) | (xid32 & 0xFFFFFFFFL);
        // An id far above xmax belongs to the previous epoch.
        if (candidate > xmax + (1L << 31) && epoch > 0) {
            candidate -= 1L << 32;
        }
        return candidate;
    }
}
