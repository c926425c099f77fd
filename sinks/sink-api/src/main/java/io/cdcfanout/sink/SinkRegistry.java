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
        Map<Class<?>, SinkFactory<?>> byConfig = new java.util.HashMap<>();
        for (SinkFactory<?> factory : ServiceLoader.load(SinkFactory.class)) {
            SinkFactory<?> previous = found.put(factory.type(), factory);
            if (previous != null) {
                throw new IllegalStateException("two sink factories claim type '" + factory.type() + "': "
                        + previous.getClass().getName() + " and " + factory.getClass().getName());
            }
            // A bound config is matched back to its factory by class, so each type needs a config class of its own.
            previous = byConfig.put(factory.configType(), factory);
            if (previous != null) {
                throw new IllegalStateException("sink types '" + previous.type() + "' and '" + factory.type()
                        + "' share the config class " + factory.configType().getName() + "; give each its own");
            }
        }
        return new SinkRegistry(found);
    }

    public Map<String, SinkFactory<?>> factories() {
        return factories;
    }

    /** @throws IllegalArgumentException naming the supported types */
    public SinkFactory<?> factory(String type) {
        SinkFactory<?> factory = factories.get(type);
        if (factory == null) {
            throw new IllegalArgumentException("unknown sink type '" + type + "'; supported: " + String.join(", ", factories.keySet()));
        }
        return factory;
    }

    /** Creates a sink from a config of the factory's own type. */
    @SuppressWarnings("unchecked")
    public <C extends SinkConfig> Sink create(String type, String name, SinkConfig config, SinkContext context) {
        SinkFactory<C> factory = (SinkFactory<C>) factory(type);
        return factory.create(name, factory.configType().cast(config), context);
    }
}
