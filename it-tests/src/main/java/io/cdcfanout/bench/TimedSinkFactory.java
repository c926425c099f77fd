package io.cdcfanout.bench;

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
 * measures the unmodified pipeline.
 */
abstract class TimedSinkFactory<C extends SinkConfig> implements SinkFactory<C> {

    private final SinkFactory<C> delegate;

    TimedSinkFactory(SinkFactory<C> delegate) {
        this.delegate = delegate;
    }

    @Override
    public String type() {
        return "timed-" + delegate.type();
    }

    @Override
    public Class<C> configType() {
        return delegate.configType();
    }

    @Override
    public Sink create(String name, C config, SinkContext context) {
        return new TimedSink(name, delegate.create(name, config, context), context.clock());
    }

    public static final class Elasticsearch extends TimedSinkFactory<ElasticsearchSinkConfig> {
        public Elasticsearch() {
            super(new ElasticsearchSinkFactory());
        }
    }

    public static final class Caffeine extends TimedSinkFactory<CaffeineSinkConfig> {
        public Caffeine() {
            super(new CaffeineSinkFactory());
        }
    }

    public static final class Scd2 extends TimedSinkFactory<Scd2SinkConfig> {
        public Scd2() {
            super(new Scd2SinkFactory());
        }
    }
}
