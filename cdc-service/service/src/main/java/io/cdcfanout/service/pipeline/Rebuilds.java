package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.RebuildableSink;
import io.cdcfanout.sink.RowPolicy;
import io.cdcfanout.sink.SourceDatabase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The rebuilds requested of the running sinks. Each sink runs its rebuilds one after the other on a thread
 * of its own, so several may queue and a sink's rebuild never waits for another sink's; the chunks go
 * through that sink's lane only, so the other sinks' streams do not wait for them either (beyond the
 * pipeline handing every lane the same batches).
 */
public final class Rebuilds implements AutoCloseable {

    /** Finished rebuilds kept per sink for {@code /status}. */
    static final int KEPT_FINISHED = 10;

    private final Pipeline pipeline;
    private final DeadLetters deadLetters;
    private final SourceDatabase source;
    private final RowPolicy rowPolicy;
    private final MeterRegistry meters;
    private final Clock clock;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, ExecutorService> runners = new LinkedHashMap<>();
    private final Map<String, Deque<TableRebuild>> bySink = new LinkedHashMap<>();
    private volatile RebuildProgress progress;
    private final StreamBarrier barrier;

    /**
     * @param fence the service's WAL fence (its owner closes it); a history rebuild waits behind fences
     *              ({@link StreamBarrier})
     */
    public Rebuilds(
            Pipeline pipeline,
            SourceDatabase source,
            RowPolicy rowPolicy,
            MeterRegistry meters,
            Clock clock,
            io.cdcfanout.service.source.WalFence fence) {
        this.pipeline = pipeline;
        this.deadLetters = pipeline.deadLetters();
        this.source = source;
        this.rowPolicy = rowPolicy;
        this.meters = meters;
        this.clock = clock;
        this.barrier = new StreamBarrier(fence, pipeline::receivedLsn);
        meters.gauge("cdc.rebuilds.running", this, r -> r.count(RebuildStatus.Phase.COPYING));
    }

    /**
     * Queues a rebuild of {@code table} for the named sink, or of each of its tables when empty. A table
     * whose rebuild is already queued or running keeps that one.
     *
     * @return the rebuilds that now stand for the request
     * @throws NoSuchElementException        when there is no such sink
     * @throws UnsupportedOperationException when the sink's type cannot rebuild
     * @throws IllegalArgumentException      when the sink does not hold {@code table}
     */
    public List<RebuildStatus> request(String sink, Optional<TableId> table, RebuildOptions options) {
        return request(sink, table, options, () -> {});
    }

    /** As {@link #request(String, Optional, RebuildOptions)}; {@code onDone} runs once each rebuild is done. */
    public synchronized List<RebuildStatus> request(
            String sink, Optional<TableId> table, RebuildOptions options, Runnable onDone) {
        SinkLane lane =
                pipeline.laneNamed(sink).orElseThrow(() -> new NoSuchElementException("no sink named '" + sink + "'"));
        if (!(lane.sink() instanceof RebuildableSink)) {
            throw new UnsupportedOperationException("sink " + sink + " (type " + lane.type()
                    + ") cannot be rebuilt yet; types that can: " + rebuildableTypes());
        }
        if (table.isPresent() && !lane.tables().contains(table.get())) {
            throw new IllegalArgumentException("sink " + sink + " does not hold table " + table.get() + "; its tables: "
                    + lane.tables().stream().map(TableId::toString).sorted().toList());
        }
        return queue(lane, table, options, onDone, null);
    }

    /**
     * Saves rebuild progress in {@code store} from now on, and resumes the rebuilds it holds from an earlier run:
     * each sink reopens its half-built view on its lane now, before the first batch (so the view misses no
     * change), and the copy goes on from the last chunk saved. A rebuild whose view is gone starts over.
     * Call after the sinks started and before the stream is polled.
     */
    public void resumeFrom(RebuildProgress store) throws java.sql.SQLException, InterruptedException {
        this.progress = store;
        for (RebuildProgress.Saved saved : store.load()) {
            Optional<SinkLane> lane = pipeline.laneNamed(saved.sink());
            if (lane.isEmpty()
                    || !(lane.get().sink() instanceof RebuildableSink)
                    || !lane.get().tables().contains(saved.table())) {
                store.delete(saved.sink(), saved.table());
                continue;
            }
            if (saved.target().equals(RebuildProgress.OWED)) {
                org.slf4j.LoggerFactory.getLogger(Rebuilds.class)
                        .warn("sink {}: rebuilding {}, owed since before the restart", saved.sink(), saved.table());
                synchronized (this) {
                    queue(lane.get(), Optional.of(saved.table()), saved.options(), () -> {}, null);
                }
                continue;
            }
            boolean[] reopened = {false};
            try {
                lane.get()
                        .runBetweenBatches(
                                s -> reopened[0] = ((RebuildableSink) s).resumeRebuild(saved.table(), saved.target()))
                        .get();
            } catch (java.util.concurrent.ExecutionException e) {
                reopened[0] = false;
            }
            synchronized (this) {
                if (reopened[0]) {
                    org.slf4j.LoggerFactory.getLogger(Rebuilds.class)
                            .warn(
                                    "sink {}: resuming the rebuild of {} into {} after {} rows",
                                    saved.sink(),
                                    saved.table(),
                                    saved.target(),
                                    saved.rowsCopied());
                    queue(lane.get(), Optional.of(saved.table()), saved.options(), () -> {}, saved);
                } else {
                    org.slf4j.LoggerFactory.getLogger(Rebuilds.class)
                            .warn(
                                    "sink {}: the rebuild of {} cannot resume ({} is gone); starting it over",
                                    saved.sink(),
                                    saved.table(),
                                    saved.target());
                    queue(lane.get(), Optional.of(saved.table()), saved.options(), () -> {}, null);
                }
            }
        }
    }

    private List<RebuildStatus> queue(
            SinkLane lane,
            Optional<TableId> table,
            RebuildOptions options,
            Runnable onDone,
            RebuildProgress.Saved resume) {
        String sink = lane.name();
        List<TableId> tables = table.map(List::of)
                .orElseGet(() -> lane.tables().stream()
                        .sorted((a, b) -> a.toString().compareTo(b.toString()))
                        .toList());
        Deque<TableRebuild> rebuilds = bySink.computeIfAbsent(sink, s -> new ArrayDeque<>());
        ExecutorService runner = runners.computeIfAbsent(
                sink,
                s -> Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "rebuild-" + s);
                    t.setDaemon(true);
                    return t;
                }));
        List<RebuildStatus> out = new ArrayList<>();
        for (TableId t : tables) {
            Optional<TableRebuild> pending = rebuilds.stream()
                    .filter(r -> r.table().equals(t) && !r.isFinal())
                    .findFirst();
            if (pending.isPresent()) {
                pending.get().alsoWhenDone(onDone);
                out.add(pending.get().status());
                continue;
            }
            Counter rows = Counter.builder("cdc.rebuild.rows")
                    .description("rows a rebuild read from the source and handed to the sink")
                    .tag("sink", sink)
                    .tag("table", t.toString())
                    .register(meters);
            // the pipeline's counter of dead letters: a rebuild's refused rows are dead letters like a batch's
            Counter rejections = meters.counter("cdc.sink.rejections", "sink", sink, "table", t.toString());
            TableRebuild rebuild = new TableRebuild(
                    ids.incrementAndGet(),
                    lane,
                    t,
                    options,
                    source,
                    rowPolicy,
                    clock,
                    rows,
                    rejections,
                    deadLetters,
                    onDone,
                    progress,
                    resume,
                    barrier);
            rebuilds.addLast(rebuild);
            trim(rebuilds);
            runner.execute(rebuild::run);
            out.add(rebuild.status());
        }
        return out;
    }

    /**
     * Cancels the named sink's queued and running rebuilds (of {@code table} only, when given); their new
     * views are dropped and the live ones stay.
     *
     * @return the rebuilds asked to stop
     * @throws NoSuchElementException when there is no such sink
     */
    public synchronized List<RebuildStatus> cancel(String sink, Optional<TableId> table) {
        if (pipeline.laneNamed(sink).isEmpty()) {
            throw new NoSuchElementException("no sink named '" + sink + "'");
        }
        List<RebuildStatus> out = new ArrayList<>();
        for (TableRebuild r : bySink.getOrDefault(sink, new ArrayDeque<>())) {
            if (!r.isFinal() && table.map(r.table()::equals).orElse(true)) {
                r.cancel();
                out.add(r.status());
            }
        }
        return out;
    }

    /** Each configured sink's tables, and how it can be given a table's existing rows. */
    public Map<String, AddedTablesPlan.SinkTablesNow> configuredSinks() {
        Map<String, AddedTablesPlan.SinkTablesNow> sinks = new LinkedHashMap<>();
        for (SinkLane lane : pipeline.lanes()) {
            AddedTablesPlan.Backfill backfill = lane.sink() instanceof RebuildableSink r
                    ? (r.loadsItsTablesAtStart()
                            ? AddedTablesPlan.Backfill.LOADS_AT_START
                            : AddedTablesPlan.Backfill.REBUILD)
                    : AddedTablesPlan.Backfill.NONE;
            sinks.put(lane.name(), new AddedTablesPlan.SinkTablesNow(lane.tables(), backfill));
        }
        return sinks;
    }

    /**
     * Records that the named sink owes a rebuild of each of its tables, so a restart does them (see
     * {@link RebuildProgress#owe}); nothing for a sink that loads its tables at every start.
     */
    public void owe(String sink) throws java.sql.SQLException {
        RebuildProgress store = progress;
        SinkLane lane = pipeline.laneNamed(sink).orElseThrow();
        if (store == null || !(lane.sink() instanceof RebuildableSink r) || r.loadsItsTablesAtStart()) {
            return;
        }
        for (TableId table : lane.tables()) {
            store.owe(sink, table);
        }
    }

    /** The named sink's recent rebuilds, oldest first. */
    public synchronized List<RebuildStatus> statuses(String sink) {
        return bySink.getOrDefault(sink, new ArrayDeque<>()).stream()
                .map(TableRebuild::status)
                .toList();
    }

    private synchronized double count(RebuildStatus.Phase phase) {
        return bySink.values().stream()
                .flatMap(Deque::stream)
                .filter(r -> r.status().phase() == phase)
                .count();
    }

    private List<String> rebuildableTypes() {
        return pipeline.lanes().stream()
                .filter(l -> l.sink() instanceof RebuildableSink)
                .map(SinkLane::type)
                .distinct()
                .sorted()
                .toList();
    }

    private static void trim(Deque<TableRebuild> rebuilds) {
        long finished = rebuilds.stream().filter(TableRebuild::isFinal).count();
        var it = rebuilds.iterator();
        while (finished > KEPT_FINISHED && it.hasNext()) {
            if (it.next().isFinal()) {
                it.remove();
                finished--;
            }
        }
    }

    @Override
    public synchronized void close() {
        bySink.values().forEach(q -> q.forEach(TableRebuild::cancel));
        for (ExecutorService runner : runners.values()) {
            runner.shutdownNow();
            try {
                runner.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
