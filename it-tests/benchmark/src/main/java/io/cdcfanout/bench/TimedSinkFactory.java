package io.cdcfanout.bench;

import io.cdcfanout.sink.RebuildableSink;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkConfig;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkFactory;
import io.cdcfanout.sink.cache.CaffeineSinkConfig;
import io.cdcfanout.sink.cache.CaffeineSinkFactory;
import io.cdcfanout.sink.history.Scd2SinkConfig;
import io.cdcfanout.sink.history.Scd2SinkFactory;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig;
import io.cdcfanout.sink.search.ElasticsearchSinkFactory;

/**
 * A real sink type wrapped in a {@link TimedSink}: YAML {@code type: timed-<type>} takes exactly the keys
 * of {@code <type>}. Registered through {@link java.util.ServiceLoader} like any sink, so the benchmark
 * measures the unmodified pipeline and sinks.
 */
abstract class TimedSinkFactory<D extends SinkConfig, C extends TimedSinkConfig<D>> implements SinkFactory<C> {

    private final SinkFactory<D> delegate;
    private final Class<C> configType;

    TimedSinkFactory(SinkFactory<D> delegate, Class<C> configType) {
        this.delegate = delegate;
        this.configType = configType;
    }

    @Override
    public String type() {
        return "timed-" + delegate.type();
    }

    @Override
    public Class<C> configType() {
        return configType;
    }

    @Override
    public Sink create(String name, C config, SinkContext context) {
        Sink sink = delegate.create(name, config.delegate(), context);
        return sink instanceof RebuildableSink rebuildable
                ? new TimedSink.Rebuildable(name, sink, rebuildable, context.clock())
                : new TimedSink(name, sink, context.clock());
    }

    public static final class Elasticsearch
            extends TimedSinkFactory<ElasticsearchSinkConfig, TimedSinkConfig.Elasticsearch> {
        public Elasticsearch() {
            super(new ElasticsearchSinkFactory(), TimedSinkConfig.Elasticsearch.class);
        }
    }

    public static final class Caffeine extends TimedSinkFactory<CaffeineSinkConfig, TimedSinkConfig.Caffeine> {
        public Caffeine() {
            super(new CaffeineSinkFactory(), TimedSinkConfig.Caffeine.class);
        }
    }

    public static final class Scd2 extends TimedSinkFactory<Scd2SinkConfig, TimedSinkConfig.Scd2> {
        public Scd2() {
            super(new Scd2SinkFactory(), TimedSinkConfig.Scd2.class);
        }
    }
}
