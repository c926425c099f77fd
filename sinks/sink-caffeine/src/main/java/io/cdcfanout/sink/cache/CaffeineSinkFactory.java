package io.cdcfanout.sink.cache;

import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkFactory;

/** Makes {@code type: caffeine} sinks. */
public final class CaffeineSinkFactory implements SinkFactory<CaffeineSinkConfig> {

    @Override
    public String type() {
        return "caffeine";
    }

    @Override
    public Class<CaffeineSinkConfig> configType() {
        return CaffeineSinkConfig.class;
    }

    @Override
    public Sink create(String name, CaffeineSinkConfig config, SinkContext context) {
        return new CaffeineCacheSink(name, config, context);
    }
}
