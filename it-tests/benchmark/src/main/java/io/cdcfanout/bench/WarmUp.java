package io.cdcfanout.bench;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Drains a small backlog on {@code warmup_items} through all three sinks before anything is measured,
 * so that class loading and JIT compilation of the pipeline and the sinks' clients do not land on the
 * first measured run. Its slot is gone before the measured runs create theirs.
 */
final class WarmUp {

    static final long CHANGES = 20_000;

    private final BenchDatabase db;
    private final ServiceConfigs configs;
    private final Drain drain;
    private final Consumer<String> log;

    WarmUp(BenchDatabase db, ServiceConfigs configs, Drain drain, Consumer<String> log) {
        this.db = db;
        this.configs = configs;
        this.drain = drain;
        this.log = log;
    }

    void run() throws Exception {
        log.accept("warm-up: " + CHANGES + " changes through all three sinks (not measured)...");
        var config = configs.config("warmup", List.of("public.warmup_items"), ServiceConfigs.ALL);
        drain.prime(config, Duration.ofMinutes(5));
        long written = new BacklogWorkload(db, "warmup_items").write(CHANGES);
        drain.startAndDrain(config, SteadyBenchmark.SINKS, written, Duration.ofMinutes(10));
        db.dropSlot("warmup");
    }
}
