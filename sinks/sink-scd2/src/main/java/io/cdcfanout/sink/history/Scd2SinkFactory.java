package io.cdcfanout.sink.history;

import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkFactory;

/** Makes {@link HistorySink}s for {@code type: scd2}. */
public final class Scd2SinkFactory implements SinkFactory<Scd2SinkConfig> {

    public static final String TYPE = "scd2";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<Scd2SinkConfig> configType() {
        return Scd2SinkConfig.class;
    }

    @Override
    public Sink create(String name, Scd2SinkConfig config, SinkContext context) {
        return new HistorySink(name, config, context);
    }
}
