package io.cdcfanout.sink;

import java.util.Objects;

/**
 * One configured sink: its name, the factory of its type and its configuration, paired once when the
 * configuration is loaded, so creating the sink needs no further look-up.
 *
 * @param <C> the factory's configuration record
 */
public record BoundSink<C extends SinkConfig>(String name, SinkFactory<C> factory, C config) {

    public BoundSink {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(config, "config");
    }

    /**
     * Pairs a config bound for {@code factory}'s type with the factory.
     *
     * @throws IllegalArgumentException when the config is not of the factory's config type
     */
    public static <C extends SinkConfig> BoundSink<C> of(String name, SinkFactory<C> factory, SinkConfig config) {
        if (!factory.configType().isInstance(config)) {
            throw new IllegalArgumentException("sink '" + name + "' of type '" + factory.type() + "' needs a "
                    + factory.configType().getSimpleName() + ", not a "
                    + config.getClass().getSimpleName());
        }
        return new BoundSink<>(name, factory, factory.configType().cast(config));
    }

    /** The YAML {@code type:} of the sink. */
    public String type() {
        return factory.type();
    }

    /** Creates the sink (it connects to nothing before {@link Sink#start()}). */
    public Sink create(SinkContext context) {
        return factory.create(name, config, context);
    }
}
