package io.cdcfanout.bench;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Commit-to-applied latency per sink name, in HdrHistograms (microseconds, 3 significant digits), plus the
 * number of changes each sink has applied and when the first batch reached any sink. Filled by
 * {@link TimedSink}; read and reset by the benchmark between measurement windows.
 */
final class LatencyRecorder {

    static final LatencyRecorder GLOBAL = new LatencyRecorder();

    private static final long HIGHEST_MICROS = 3_600_000_000L;

    private final Map<String, Histogram> histograms = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> applied = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> busyNanos = new ConcurrentHashMap<>();
    private final AtomicLong firstBatchNanos = new AtomicLong();
    private final AtomicLong lastAppliedNanos = new AtomicLong();
    private volatile LatencySamples samples;

    void batchStarted(long nanos) {
        firstBatchNanos.compareAndSet(0, nanos);
    }

    /** Records one applied change of {@code sink} that committed at {@code commitTime}. */
    void record(String sink, Instant commitTime, Instant appliedAt) {
        long micros = Math.max(
                0,
                (appliedAt.getEpochSecond() - commitTime.getEpochSecond()) * 1_000_000L
                        + (appliedAt.getNano() - commitTime.getNano()) / 1_000);
        Histogram h = histograms.computeIfAbsent(sink, k -> new Histogram(HIGHEST_MICROS, 3));
        synchronized (h) {
            h.recordValue(Math.min(micros, HIGHEST_MICROS));
        }
        LatencySamples s = samples;
        if (s != null) {
            s.record(sink, LatencySamples.micros(appliedAt), micros);
        }
    }

    /** Also keeps every change's sample in {@code samples} until {@link #stopSampling()}. */
    void sampleInto(LatencySamples samples) {
        this.samples = samples;
    }

    void stopSampling() {
        this.samples = null;
    }

    void applied(String sink, int changes, long nanos) {
        applied.computeIfAbsent(sink, k -> new AtomicLong()).addAndGet(changes);
        lastAppliedNanos.accumulateAndGet(nanos, Math::max);
    }

    /** Adds time {@code sink} spent applying a batch: a sink busy all the time is what holds the pipeline back. */
    void busy(String sink, long nanos) {
        busyNanos.computeIfAbsent(sink, k -> new AtomicLong()).addAndGet(nanos);
    }

    /** Seconds each sink spent applying batches since the last reset. */
    Map<String, Double> busySeconds() {
        Map<String, Double> seconds = new TreeMap<>();
        busyNanos.forEach((sink, nanos) -> seconds.put(sink, nanos.get() / 1e9));
        return seconds;
    }

    long appliedBy(String sink) {
        AtomicLong n = applied.get(sink);
        return n == null ? 0 : n.get();
    }

    long firstBatchNanos() {
        return firstBatchNanos.get();
    }

    long lastAppliedNanos() {
        return lastAppliedNanos.get();
    }

    /** A copy of each sink's histogram. */
    Map<String, Histogram> snapshot() {
        Map<String, Histogram> copy = new TreeMap<>();
        histograms.forEach((sink, h) -> {
            synchronized (h) {
                copy.put(sink, h.copy());
            }
        });
        return copy;
    }

    void reset() {
        histograms.clear();
        applied.clear();
        busyNanos.clear();
        firstBatchNanos.set(0);
        lastAppliedNanos.set(0);
    }
}
