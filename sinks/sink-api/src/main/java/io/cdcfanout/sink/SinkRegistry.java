package io.cdcfanout.sink;

import java.util.Collections;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The sink factories on the class path, by {@link SinkFactory#type()}. */
public final class SinkRegistry {

    private final Map<String, SinkFactory<?>> factories;

    private SinkRegistry(Map<String, SinkFactory<?>> factories) {
        this.factories = Collections.unmodifiableMap(factories);
    }

    /** The factories registered through {@link ServiceLoader}. */
    public static SinkRegistry load() {
        Map<String, SinkFactory<?>> found = new TreeMap<>();
        for (SinkFactory<?> factory : ServiceLoader.load(SinkFactory.class)) {
            SinkFactory<?> previous = found.put(factory.type(), factory);
            if (previous != null) {
                throw new IllegalStateException("two sink factories claim type '" + factory.type() + "': "
                        + previous.getClass().getName() + " and "
                        + factory.getClass().getName());
            }
        }
        return new SinkRegistry(found);
    }

    /** Every factory by type, in type order. */
    public Map<String, SinkFactory<?>> factories() {
        return factories;
    }

    /**
     * The factory of one sink type.
     *
     * @throws IllegalArgumentException naming the supported types
     */
    public SinkFactory<?> factory(String type) {
        SinkFactory<?> factory = factories.get(type);
        if (factory == null) {
            throw new IllegalArgumentException("unknown sink type '" + type + "'; supported: " + supportedTypes());
        }
        return factory;
    }

    /** The supported types, in order, for messages: {@code caffeine, elasticsearch, scd2}. */
    public String supportedTypes() {
        return String.join(", ", factories.keySet());
    }

    /** Pairs a config of the given type with its factory; see {@link BoundSink#of}. */
    public BoundSink<?> bind(String type, String name, SinkConfig config) {
        return BoundSink.of(name, factory(type), config);
    }

    /** Creates a sink from a config of the given type. */
    public Sink create(String type, String name, SinkConfig config, SinkContext context) {
        return bind(type, name, config).create(context);
    }
}
