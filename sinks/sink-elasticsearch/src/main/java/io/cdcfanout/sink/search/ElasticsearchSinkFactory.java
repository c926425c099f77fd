package io.cdcfanout.sink.search;

import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkFactory;

/** {@code type: elasticsearch}: keeps a search index per table; see {@link ElasticsearchSink}. */
public final class ElasticsearchSinkFactory implements SinkFactory<ElasticsearchSinkConfig> {

    public static final String TYPE = "elasticsearch";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<ElasticsearchSinkConfig> configType() {
        return ElasticsearchSinkConfig.class;
    }

    @Override
    public Sink create(String name, ElasticsearchSinkConfig config, SinkContext context) {
        return new ElasticsearchSink(name, config, context);
    }
}
