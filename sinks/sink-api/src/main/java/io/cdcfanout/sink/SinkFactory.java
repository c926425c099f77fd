package io.cdcfanout.sink;

/**
 * Makes sinks of one type. Registered with {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.cdcfanout.sink.SinkFactory}, so a new sink is a package and one line
 * there, with no change to the pipeline.
 *
 * @param <C> the sink's configuration record
 */
public interface SinkFactory<C extends SinkConfig> {

    /** The YAML {@code type:} that selects this factory, e.g. {@code elasticsearch}. */
    String type();

    /** The record the sink's YAML block binds to. */
    Class<C> configType();

    /** Creates a sink; must not connect to anything (that is {@link Sink#start()}'s job). */
    Sink create(String name, C config, SinkContext context);
}
