package io.cdcfanout.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The figures and ratios of W1K (W1's backlog through Kafka) from its measured windows: the direct sidecar with
 * the connector's two sinks, Debezium's source connector filling the topics, and the sink connector draining them
 * with 1, 2 and 3 tasks.
 */
final class KafkaFigures {

    static final String WORKLOAD = "W1K";
    static final double SIZING_TARGET = 100_000;

    private KafkaFigures() {}

    /**
     * A window measured on the Kafka side.
     *
     * @param changes    records (= changes) that went through
     * @param seconds    the window's wall time
     * @param cpuSeconds CPU the Kafka side's JVM (broker, worker, connector tasks) used in it, -1 if unknown
     */
    record Window(long changes, double seconds, double cpuSeconds) {
        double perSecond() {
            return seconds <= 0 ? 0 : changes / seconds;
        }

        double cpuPer1000() {
            return cpuSeconds < 0 || changes == 0 ? -1 : cpuSeconds / changes * 1000;
        }
    }

    /** One drain by the sink connector. */
    record SinkRun(int tasks, Window window) {}

    static Figure source(Window w, double loadAverage) {
        return new Figure(
                WORKLOAD,
                "Debezium source -> Kafka (1 task)",
                w.changes(),
                w.seconds(),
                Map.of(),
                w.cpuPer1000(),
                -1,
                -1,
                -1,
                loadAverage,
                "first to last record in the topic, 6 partitions; CPU = the Kafka JVM");
    }

    static Figure sink(SinkRun run, double loadAverage) {
        return new Figure(
                WORKLOAD,
                "sink connector es+scd2, " + run.tasks() + " task" + (run.tasks() == 1 ? "" : "s"),
                run.window().changes(),
                run.window().seconds(),
                Map.of(),
                run.window().cpuPer1000(),
                -1,
                -1,
                -1,
                loadAverage,
                "first record read -> every offset committed; CPU = the Kafka JVM");
    }

    /**
     * The ratio lines: each sink-connector drain and the source against the direct sidecar with the same sinks,
     * the scaling over one task, and what 100k changes/s would take at this run's rates.
     */
    static List<String> ratios(
            Figure direct, Window source, List<SinkRun> sinks, long startupMillis, double launchSeconds) {
        List<String> out = new ArrayList<>();
        out.add(String.format(
                "W1K Kafka side (1 KRaft broker + 1 Connect worker, own JVM): broker and worker started in %.1f s,"
                        + " %.1f s from launch to ready",
                startupMillis / 1000.0, launchSeconds));
        if (source != null && direct != null) {
            out.add(String.format(
                    "W1K Debezium source into Kafka / direct sidecar (es+scd2) = %.2f",
                    source.perSecond() / direct.perSecond()));
        }
        SinkRun one = sinks.stream().filter(s -> s.tasks() == 1).findFirst().orElse(null);
        for (SinkRun s : sinks) {
            StringBuilder line = new StringBuilder(String.format(
                    "W1K sink connector %d task%s / direct sidecar (es+scd2) = %s",
                    s.tasks(),
                    s.tasks() == 1 ? "" : "s",
                    direct == null ? "-" : String.format("%.2f", s.window().perSecond() / direct.perSecond())));
            if (one != null && s.tasks() != one.tasks()) {
                line.append(String.format(
                        "; / 1 task = %.2f",
                        s.window().perSecond() / one.window().perSecond()));
            }
            out.add(line.toString());
        }
        if (one != null && source != null) {
            out.add(String.format(
                    "W1K at this run's rates, %,.0f changes/s needs %d sink tasks (1 task: %,.0f changes/s);"
                            + " one Debezium task gives %.0f%% of it",
                    SIZING_TARGET,
                    tasksFor(SIZING_TARGET, one.window().perSecond()),
                    one.window().perSecond(),
                    100 * source.perSecond() / SIZING_TARGET));
        }
        return out;
    }

    /** The topic's size per change, and what it means at {@link #SIZING_TARGET}. */
    static String topicSize(long bytes, long records) {
        double perRecord = records == 0 ? 0 : (double) bytes / records;
        return String.format(
                "W1K topic: %,.0f bytes per change on the broker (JSON with schemas, uncompressed);"
                        + " at %,.0f changes/s that is %,.0f MB/s into Kafka per replica",
                perRecord, SIZING_TARGET, perRecord * SIZING_TARGET / 1e6);
    }

    /** Tasks needed for {@code target} changes/s at {@code perTask} each (at least 1). */
    static int tasksFor(double target, double perTask) {
        if (perTask <= 0) {
            throw new IllegalArgumentException("no rate per task");
        }
        return (int) Math.max(1, Math.ceil(target / perTask));
    }
}
