package io.cdcfanout.bench;

import io.cdcfanout.service.CdcService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * W2's burst: 20 s at twice the saturation rate, then half saturation for 30 s, with the latency of each
 * 5 s window of apply time around the burst's end and the collections that ended in it. The burst ends when
 * its last transaction has committed (later than 20 s when the writers fell behind); the recovery load starts
 * right then.
 */
final class BurstRecovery {

    static final Duration BURST = Duration.ofSeconds(20);
    static final Duration RECOVERY = Duration.ofSeconds(30);
    static final Duration WINDOW = Duration.ofSeconds(5);
    static final double TARGET_P99_MS = 100;
    static final long TARGET_RECOVERY_S = 15;

    private final SteadyBenchmark steady;
    private final Consumer<String> log;

    BurstRecovery(SteadyBenchmark steady, Consumer<String> log) {
        this.steady = steady;
        this.log = log;
    }

    List<Figure> run(CdcService service, OpenLoopWorkload w2, int saturation, int recoveryRate, List<String> ratios)
            throws Exception {
        int burstRate = 2 * saturation;
        steady.openLoopLevel(service, w2, recoveryRate, Duration.ofSeconds(5)); // warm-up, not reported
        LatencySamples samples = new LatencySamples();
        Instant[] burst = new Instant[2];
        List<Figure> figures = new ArrayList<>();
        try (GcPauses gc = new GcPauses()) {
            Figure whole = steady.measure(
                    service,
                    "W2",
                    "burst " + burstRate + " tx/s for " + BURST.toSeconds() + " s, then " + recoveryRate + " tx/s",
                    () -> {
                        LatencyRecorder.GLOBAL.sampleInto(samples);
                        burst[0] = Instant.now();
                        log.accept("W2: burst at " + burstRate + " tx/s for " + BURST.toSeconds() + " s...");
                        long committed = w2.run(burstRate, BURST).committed();
                        burst[1] = Instant.now();
                        log.accept("W2: recovery at " + recoveryRate + " tx/s for " + RECOVERY.toSeconds() + " s...");
                        return committed + w2.run(recoveryRate, RECOVERY).committed();
                    });
            LatencyRecorder.GLOBAL.stopSampling();
            figures.add(whole.withNote(gc.summary()));
            figures.addAll(windows(samples, gc, burst[0], burst[1], ratios));
        } finally {
            LatencyRecorder.GLOBAL.stopSampling();
        }
        return figures;
    }

    private static List<Figure> windows(
            LatencySamples samples, GcPauses gc, Instant burstStart, Instant burstEnd, List<String> ratios) {
        List<Figure> figures = new ArrayList<>();
        long before = (Duration.between(burstStart, burstEnd).toMillis() + WINDOW.toMillis() - 1) / WINDOW.toMillis();
        long after = RECOVERY.dividedBy(WINDOW);
        Long recoveredAtS = null; // end of the first window from which every later window is under the target
        for (long i = -before; i < after; i++) {
            Instant from = burstEnd.plus(WINDOW.multipliedBy(i));
            Instant to = from.plus(WINDOW);
            Map<String, double[]> latency = new LinkedHashMap<>();
            long[] changes = {0};
            samples.window(from, WINDOW).forEach((sink, h) -> {
                latency.put(sink, Figure.percentiles(h));
                changes[0] = Math.max(changes[0], h.getTotalCount());
            });
            double[] es = latency.get("search");
            boolean under = es != null && es[2] < TARGET_P99_MS;
            if (i >= 0) {
                if (!under) {
                    recoveredAtS = null;
                } else if (recoveredAtS == null) {
                    recoveredAtS = (i + 1) * WINDOW.toSeconds();
                }
            }
            long startS = i * WINDOW.toSeconds();
            figures.add(new Figure(
                    "W2",
                    String.format("  burst window %+d..%+d s", startS, startS + WINDOW.toSeconds()),
                    changes[0],
                    WINDOW.toMillis() / 1000.0,
                    latency,
                    -1,
                    -1,
                    -1,
                    -1,
                    -1,
                    gc.summaryBetween(from, to)));
        }
        ratios.add(String.format(
                "W2 burst recovery: p99 commit->ES acked under %.0f ms in each 5 s window from the one ending %s after the burst's end  [target: by +%d s]",
                TARGET_P99_MS, recoveredAtS == null ? "(none)" : "+" + recoveredAtS + " s", TARGET_RECOVERY_S));
        return figures;
    }
}
