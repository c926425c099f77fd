package io.cdcfanout.service.pipeline;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.config.LagPolicy;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink's lane: a single thread that applies that sink's batches in order, retrying a batch with
 * backoff until the backend takes it. The pipeline hands it one batch at a time and waits, so a slow
 * sink slows the engine instead of growing a queue.
 */
final class SinkLane implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SinkLane.class);

    private final String name;
    private final String type;
    private final Sink sink;
    private final Set<TableId> tables;
    private final Clock clock;
    private final MeterRegistry meters;
    private final ExecutorService thread;
    private final RetryPolicy<Object> retry;
    private final PauseGate pauseGate = new PauseGate();
    private final LagPolicy lagPolicy;
    private final RetryPolicy<Object> probeRetry;
    private final Counter detachments;
    private volatile boolean detached;
    private volatile java.util.function.Consumer<SinkLane> onReattached = lane -> {};

    private volatile SinkState state = SinkState.STARTING;
    private volatile Lsn lastAppliedLsn = Lsn.ZERO;
    private volatile Instant lastCommitTime;
    /** The oldest commit time of each batch handed over and not yet applied, oldest batch first (batches with changes only). */
    private final Queue<Instant> pendingCommitTimes = new ConcurrentLinkedQueue<>();

    private volatile String lastError;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    private final Counter retryCounter;
    private final Timer applyTimer;
    private final Timer lagTimer;
    private final DistributionSummary batchSizes;
    private final Map<TableId, Map<Operation, Counter>> appliedCounters = new HashMap<>();

    SinkLane(String name, String type, Sink sink, Set<TableId> tables, Clock clock, MeterRegistry meters) {
        this(name, type, sink, tables, clock, meters, LagPolicy.WAIT);
    }

    SinkLane(
            String name,
            String type,
            Sink sink,
            Set<TableId> tables,
            Clock clock,
            MeterRegistry meters,
            LagPolicy lagPolicy) {
        this.lagPolicy = lagPolicy;
        this.name = name;
        this.type = type;
        this.sink = sink;
        this.tables = Set.copyOf(tables);
        this.clock = clock;
        this.meters = meters;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sink-" + name);
            t.setDaemon(true);
            return t;
        });
        this.retry = RetryPolicies.forever(RetryableSinkException.class)
                .onRetry(e -> onRetry(e.getLastException(), e.getAttemptCount()))
                .build();
        this.probeRetry = RetryPolicies.forever(RetryableSinkException.class)
                .onRetry(e -> lastError = String.valueOf(e.getLastException().getMessage()))
                .build();
        this.detachments = Counter.builder("cdc.sink.detachments")
                .description("times the sink was set aside past its on-lag budget")
                .tag("sink", name)
                .register(meters);
        this.retryCounter = Counter.builder("cdc.sink.retries")
                .description("transient sink failures retried")
                .tag("sink", name)
                .register(meters);
        this.applyTimer = Timer.builder("cdc.sink.apply")
                .description("time to apply one batch, retries included")
                .tag("sink", name)
                .publishPercentileHistogram()
                .register(meters);
        this.lagTimer = Timer.builder("cdc.sink.commit.to.applied")
                .description("source commit to sink applied, per change")
                .tag("sink", name)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(meters);
        this.batchSizes = DistributionSummary.builder("cdc.sink.batch.size")
                .description("changes per batch")
                .tag("sink", name)
                .register(meters);
        meters.gauge(
                "cdc.sink.ready",
                List.of(io.micrometer.core.instrument.Tag.of("sink", name)),
                this,
                lane -> lane.isReady() ? 1 : 0);
    }

    String name() {
        return name;
    }

    Sink sink() {
        return sink;
    }

    boolean isReady() {
        return state() == SinkState.READY;
    }

    private SinkState state() {
        return pauseGate.isPaused() && state != SinkState.CLOSED ? SinkState.PAUSED : state;
    }

    LagPolicy lagPolicy() {
        return lagPolicy;
    }

    boolean isDetached() {
        return detached;
    }

    /** True while the backend fails and the lane retries: the one case a lane may be detached in. */
    boolean isRetrying() {
        return state == SinkState.RETRYING;
    }

    Lsn lastAppliedLsn() {
        return lastAppliedLsn;
    }

    /** Called on the lane's thread once a detached sink is back, before the next batch reaches it. */
    void onReattached(java.util.function.Consumer<SinkLane> action) {
        this.onReattached = action;
    }

    /**
     * Sets the sink aside ({@code on-lag: detach}): the batch it retries is given up and later batches pass it by,
     * so the pipeline and the slot move on; then the lane probes the backend ({@link Sink#start()}, with the usual
     * backoff) and, once it answers, re-attaches the sink and runs {@link #onReattached} (which rebuilds it).
     */
    void detach(String why) {
        synchronized (this) {
            if (detached || state == SinkState.CLOSED) {
                return;
            }
            detached = true;
            state = SinkState.DETACHED;
            lastError = why;
        }
        pendingCommitTimes.clear();
        detachments.increment();
        LOG.warn(
                "sink {} DETACHED: {}; the other sinks and the slot move on without it, and it is rebuilt from the"
                        + " tables once its backend answers",
                name,
                why);
        thread.execute(this::probeUntilBack);
    }

    private void probeUntilBack() {
        try {
            Failsafe.with(probeRetry).run(sink::start);
        } catch (FailsafeException e) {
            if (!(e.getCause() instanceof InterruptedException)) {
                LOG.error("sink {}: probing its backend failed for good: {}", name, String.valueOf(e.getCause()));
            }
            return;
        }
        synchronized (this) {
            if (state == SinkState.CLOSED) {
                return;
            }
            detached = false;
            state = SinkState.READY;
            lastError = null;
        }
        LOG.warn("sink {} is back: re-attached, rebuilding it from the tables", name);
        onReattached.accept(this);
    }

    /** Holds every batch not yet started until {@link #resume()}; a batch being applied finishes first. */
    void pause() {
        pauseGate.pause();
        LOG.info("sink {} paused; the pipeline waits for it until it is resumed", name);
    }

    void resume() {
        if (pauseGate.resume()) {
            LOG.info("sink {} resumed", name);
        }
    }

    /** Starts the sink, retrying while its backend is unreachable; blocks until it is started. */
    void start() throws InterruptedException {
        run(() -> {
            sink.start();
            return null;
        });
        state = SinkState.READY;
        lastError = null;
    }

    /** Applies the part of {@code events} that belongs to this sink; completes when applied. */
    CompletableFuture<ApplyResult> submit(List<ChangeEvent> events, Lsn endLsn) {
        if (detached) {
            return CompletableFuture.completedFuture(ApplyResult.allApplied());
        }
        List<ChangeEvent> mine =
                events.stream().filter(e -> tables.contains(e.table())).toList();
        ChangeBatch batch = new ChangeBatch(mine, endLsn);
        boolean pending = !mine.isEmpty();
        if (pending) {
            pendingCommitTimes.add(mine.stream()
                    .map(e -> e.position().commitTime())
                    .min(Instant::compareTo)
                    .orElseThrow());
        }
        return CompletableFuture.supplyAsync(
                () -> {
                    ApplyResult result = applyWithRetry(batch);
                    if (pending) {
                        pendingCommitTimes.poll(); // batches are applied in the order they were handed over
                    }
                    return result;
                },
                thread);
    }

    /** Work a rebuild hands the lane: it runs between two batches, never beside one. */
    @FunctionalInterface
    interface LaneStep {
        void run(Sink sink) throws RetryableSinkException;
    }

    /**
     * Runs {@code step} on the lane's thread after the batches handed over before it, retrying transient
     * failures as a batch is retried; completes when it ran.
     */
    CompletableFuture<Void> runBetweenBatches(LaneStep step) {
        return CompletableFuture.runAsync(
                () -> {
                    try {
                        pauseGate.awaitOpen();
                        run(() -> {
                            step.run(sink);
                            return null;
                        });
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("sink " + name + " interrupted", e);
                    }
                },
                thread);
    }

    Set<TableId> tables() {
        return tables;
    }

    String type() {
        return type;
    }

    private ApplyResult applyWithRetry(ChangeBatch batch) {
        ApplyResult result;
        long started;
        try {
            pauseGate.awaitOpen();
            started = System.nanoTime();
            result = run(() -> sink.apply(batch));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sink " + name + " interrupted", e);
        } catch (DetachedException e) {
            return ApplyResult.allApplied(); // given up: the rebuild after re-attaching covers it
        }
        applyTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        markReady();
        record(batch, result);
        return result;
    }

    private void record(ChangeBatch batch, ApplyResult result) {
        Instant now = clock.instant();
        if (!batch.isEmpty()) {
            batchSizes.record(batch.size());
        }
        for (ChangeEvent e : batch.events()) {
            appliedCounter(e.table(), e.op()).increment();
            if (e.op() != Operation.SNAPSHOT) {
                Instant commit = e.position().commitTime();
                long nanos = (now.getEpochSecond() - commit.getEpochSecond()) * 1_000_000_000L
                        + (now.getNano() - commit.getNano());
                lagTimer.record(Math.abs(nanos), TimeUnit.NANOSECONDS);
            }
        }
        applied.addAndGet(batch.size() - result.rejections().size());
        rejected.addAndGet(result.rejections().size());
        if (!batch.isEmpty()) {
            ChangeEvent newest = batch.events().get(batch.size() - 1);
            lastCommitTime = newest.position().commitTime();
        }
        lastAppliedLsn = Lsn.max(lastAppliedLsn, batch.endLsn());
    }

    /** The counter of one table and operation, looked up in the registry once (only the lane thread calls this). */
    private Counter appliedCounter(TableId table, Operation op) {
        Map<Operation, Counter> byOp = appliedCounters.computeIfAbsent(table, t -> new EnumMap<>(Operation.class));
        return byOp.computeIfAbsent(
                op,
                o -> meters.counter(
                        "cdc.events.applied",
                        "sink",
                        name,
                        "table",
                        table.toString(),
                        "op",
                        o.name().toLowerCase(Locale.ROOT)));
    }

    /** Thrown into the retry loop of a detached lane, so the work in hand is given up. */
    static final class DetachedException extends RuntimeException {
        DetachedException(String sink) {
            super("sink " + sink + " is detached");
        }
    }

    private <T> T run(dev.failsafe.function.CheckedSupplier<T> action) throws InterruptedException {
        try {
            return Failsafe.with(retry).get(() -> {
                if (detached) {
                    throw new DetachedException(name);
                }
                return action.get();
            });
        } catch (FailsafeException e) {
            if (e.getCause() instanceof InterruptedException ie) {
                throw ie;
            }
            throw new IllegalStateException("sink " + name + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** READY after a success, unless the lane was detached meanwhile. */
    private synchronized void markReady() {
        if (!detached) {
            state = SinkState.READY;
            lastError = null;
        }
    }

    private void onRetry(Throwable error, int attempt) {
        synchronized (this) {
            if (detached) {
                return;
            }
            state = SinkState.RETRYING;
            lastError = String.valueOf(error.getMessage());
        }
        retries.incrementAndGet();
        retryCounter.increment();
        if (attempt == 1 || attempt % 10 == 0) {
            LOG.warn("sink {} not ready (attempt {}), retrying with backoff: {}", name, attempt, lastError);
        }
    }

    SinkStatus status() {
        return new SinkStatus(
                name,
                type,
                state(),
                lastAppliedLsn,
                lastCommitTime,
                lagMillis(),
                applied.get(),
                rejected.get(),
                retries.get(),
                lastError);
    }

    /** See {@link SinkStatus#lagMillis()}. */
    private long lagMillis() {
        Instant oldestPending = pendingCommitTimes.peek();
        return oldestPending == null
                ? 0
                : Math.max(0, Duration.between(oldestPending, clock.instant()).toMillis());
    }

    @Override
    public void close() {
        state = SinkState.CLOSED;
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sink.close();
    }
}
