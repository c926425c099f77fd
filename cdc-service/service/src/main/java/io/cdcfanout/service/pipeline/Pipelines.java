package io.cdcfanout.service.pipeline;

import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.privacy.ColumnPolicy;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkConfig;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkFactory;
import io.cdcfanout.sink.SinkRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds the pipeline's lanes from the configured sinks. */
public final class Pipelines {

    private Pipelines() {
    }

    /**
     * Creates every sink (none connects yet) and the pipeline around them. The sinks get {@code context}
     * with its row policy replaced by the configured {@link ColumnPolicy}, the one the pipeline applies to changes.
     */
    public static Pipeline create(ServiceConfig config, SinkRegistry registry, SinkContext sharedContext) {
        ColumnPolicy columnPolicy = ColumnPolicy.from(config.source());
        SinkContext context = new SinkContext(sharedContext.source(), sharedContext.meters(), sharedContext.clock(), columnPolicy);
        List<SinkLane> lanes = new ArrayList<>();
        for (Map.Entry<String, SinkConfig> entry : config.sinks().entrySet()) {
            SinkFactory<?> factory = registry.factories().values().stream()
                    .filter(f -> f.configType().isInstance(entry.getValue())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no factory for " + entry.getValue().getClass()));
            Sink sink = registry.create(factory.type(), entry.getKey(), entry.getValue(), context);
            lanes.add(new SinkLane(entry.getKey(), factory.type(), sink, entry.getValue().sourceTables(), context.clock(), context.meters()));
        }
        DeadLetterStore deadLetters = new DeadLetterStore(context.source(), config.offsets().schema());
        // a batch at least half the maximum means the engine is draining a backlog
        return new Pipeline(lanes, deadLetters, columnPolicy, context.meters(), Math.max(1, config.source().maxBatchSize() / 2));
    }

    /** Starts every sink, each retrying while its backend is unreachable; returns when all have started. */
    public static void startSinks(Pipeline pipeline) throws InterruptedException {
        for (SinkLane lane : pipeline.lanes()) {
            lane.start();
        }
    }
}
