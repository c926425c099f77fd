package io.cdcfanout.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One line of the report: a workload run by one variant (the pipeline or a baseline).
 *
 * @param workload   W1..W4
 * @param variant    what ran, e.g. {@code pipeline es+caffeine+scd2} or {@code (a) pg_recvlogical}
 * @param changes    changes (or documents, for the bulk baseline) processed
 * @param seconds    wall time of the measured window
 * @param latencyMs  per sink: p50, p95, p99, max in milliseconds (commit to applied); empty for baselines
 * @param cpuSecondsPer1000 process CPU seconds per 1,000 changes, -1 when not measured
 * @param peakRssMb  peak resident set of the benchmark JVM during the window, -1 when not measured
 * @param peakHeapMb peak used heap during the window, -1 when not measured
 * @param peakSlotLagMb peak WAL retained by the run's slot, -1 when not measured
 * @param loadAverage 1-minute load average at the end of the window
 * @param note       anything needed to read the line honestly
 */
record Figure(
        String workload,
        String variant,
        long changes,
        double seconds,
        Map<String, double[]> latencyMs,
        double cpuSecondsPer1000,
        double peakRssMb,
        double peakHeapMb,
        double peakSlotLagMb,
        double loadAverage,
        String note) {

    Figure withVariant(String newVariant) {
        return with(newVariant, note);
    }

    Figure withNote(String newNote) {
        return with(variant, newNote);
    }

    private Figure with(String newVariant, String newNote) {
        return new Figure(
                workload,
                newVariant,
                changes,
                seconds,
                latencyMs,
                cpuSecondsPer1000,
                peakRssMb,
                peakHeapMb,
                peakSlotLagMb,
                loadAverage,
                newNote);
    }

    double perSecond() {
        return seconds <= 0 ? 0 : changes / seconds;
    }

    static Figure of(String workload, String variant, Drain.Measured m, String note) {
        Map<String, double[]> latency = new LinkedHashMap<>();
        m.latency().forEach((sink, h) -> latency.put(sink, percentiles(h)));
        ResourceSampler.Window w = m.resources();
        return new Figure(
                workload,
                variant,
                m.changes(),
                m.seconds(),
                latency,
                w.cpuNanos() / 1e9 / m.changes() * 1000,
                w.peakRssBytes() / 1048576.0,
                w.peakHeapBytes() / 1048576.0,
                w.peakSlotLagBytes() / 1048576.0,
                LoadAverage.now(),
                note);
    }

    static Figure baseline(
            String workload, String variant, long changes, double seconds, double cpuSecondsPer1000, String note) {
        return new Figure(
                workload, variant, changes, seconds, Map.of(), cpuSecondsPer1000, -1, -1, -1, LoadAverage.now(), note);
    }

    static double[] percentiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new double[] {0, 0, 0, 0};
        }
        return new double[] {
            h.getValueAtPercentile(50) / 1000.0,
            h.getValueAtPercentile(95) / 1000.0,
            h.getValueAtPercentile(99) / 1000.0,
            h.getMaxValue() / 1000.0
        };
    }
}
