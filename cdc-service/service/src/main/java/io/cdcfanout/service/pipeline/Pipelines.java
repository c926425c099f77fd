package io.cdcfanout.service.pipeline;

import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.sink.BoundSink;
import io.cdcfanout.sink.RowPolicy;
import io.cdcfanout.sink.SinkContext;
import java.util.ArrayList;
import java.util.List;

/** Builds the pipeline's lanes from the configured sinks. */
public final class Pipelines {

    private Pipelines() {}

    /**
     * Creates every sink (none connects yet) and the pipeline around them. The sinks get {@code context}
     * with its row policy replaced by {@code columnPolicy}, the one the source applies to the changes it decodes.
     */
    public static Pipeline create(ServiceConfig config, RowPolicy columnPolicy, SinkContext sharedContext) {
        SinkContext context = new SinkContext(
                sharedContext.source(), sharedContext.meters(), sharedContext.clock(), columnPolicy, config.views());
        List<SinkLane> lanes = new ArrayList<>();
        for (BoundSink<?> sink : config.sinks().values()) {
            lanes.add(new SinkLane(
                    sink.name(),
                    sink.type(),
                    sink.create(context),
                    config.tablesOf(sink.name()),
                    context.clock(),
                    context.meters(),
                    config.lag().get(sink.name())));
        }
        DeadLetterStore deadLetters =
                new DeadLetterStore(context.source(), config.offsets().schema());
        // a batch at least half the maximum means the engine is draining a backlog
        return new Pipeline(
                lanes,
                deadLetters,
                context.meters(),
                Math.max(1, config.source().maxBatchSize() / 2));
    }

    /** Starts every sink, each retrying while its backend is unreachable; returns when all have started. */
    public static void startSinks(Pipeline pipeline) throws InterruptedException {
        for (SinkLane lane : pipeline.lanes()) {
            lane.start();
        }
    }
}
