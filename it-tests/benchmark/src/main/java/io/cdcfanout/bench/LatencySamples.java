package io.cdcfanout.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Every applied change's (applied at, latency) per sink while open, so latency can be cut into windows of
 * apply time afterwards: the burst workload only knows when its burst ended once the burst is over.
 */
final class LatencySamples {

    private static final long HIGHEST_MICROS = 3_600_000_000L;

    private final Map<String, long[]> samples = new TreeMap<>(); // pairs: applied epoch µs, latency µs
    private final Map<String, Integer> sizes = new TreeMap<>();

    synchronized void record(String sink, long appliedEpochMicros, long latencyMicros) {
        long[] s = samples.computeIfAbsent(sink, k -> new long[1 << 16]);
        int n = sizes.getOrDefault(sink, 0);
        if (n + 2 > s.length) {
            s = Arrays.copyOf(s, s.length * 2);
            samples.put(sink, s);
        }
        s[n] = appliedEpochMicros;
        s[n + 1] = latencyMicros;
        sizes.put(sink, n + 2);
    }

    /** Per sink, the latencies of the changes applied in [{@code from}, {@code from + width}). */
    synchronized Map<String, Histogram> window(Instant from, Duration width) {
        long start = micros(from);
        long end = start + width.toNanos() / 1000;
        Map<String, Histogram> window = new TreeMap<>();
        samples.forEach((sink, s) -> {
            Histogram h = new Histogram(HIGHEST_MICROS, 3);
            int n = sizes.get(sink);
            for (int i = 0; i < n; i += 2) {
                if (s[i] >= start && s[i] < end) {
                    h.recordValue(Math.min(s[i + 1], HIGHEST_MICROS));
                }
            }
            window.put(sink, h);
        });
        return window;
    }

    static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
