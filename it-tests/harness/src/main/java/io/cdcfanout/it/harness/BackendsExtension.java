package io.cdcfanout.it.harness;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests real backends: parameters of type {@link Backends}, {@link PostgresBackend},
 * {@link ElasticsearchBackend} (shared by the whole run) and {@link TestDatabase} (a fresh database
 * per parameter). The backends start on first use and stop when the run ends, also after failures.
 */
public final class BackendsExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(BackendsExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Backends.class || type == PostgresBackend.class
                || type == ElasticsearchBackend.class || type == TestDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) throws ParameterResolutionException {
        Backends backends = backends(context);
        Class<?> type = parameter.getParameter().getType();
        if (type == Backends.class) {
            return backends;
        }
        if (type == PostgresBackend.class) {
            return backends.postgres();
        }
        if (type == ElasticsearchBackend.class) {
            return backends.elasticsearch();
        }
        return backends.createDatabase();
    }

    /**
     * The run's backends, started once; the root store closes them when the run ends. If they fail
     * to start, every later request fails at once with that first error instead of trying again
     * (a second two-minute Elasticsearch timeout per test would help no one).
     */
    public static Backends backends(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Backends.class, k -> RunBackends.start(), RunBackends.class)
                .get();
    }

    /** Closed by the root store when the run ends; AutoCloseable is what JUnit 5.13+ looks for, CloseableResource what older ones do. */
    private record RunBackends(Backends backends, RuntimeException failure)
            implements ExtensionContext.Store.CloseableResource, AutoCloseable {

        static RunBackends start() {
            try {
                return new RunBackends(BackendsFactory.start(), null);
            } catch (RuntimeException e) {
                return new RunBackends(null, e);
            }
        }

        Backends get() {
            if (failure != null) {
                throw new IllegalStateException("the test backends failed to start: " + failure.getMessage(), failure);
            }
            return backends;
        }

        @Override
        public void close() throws Exception {
            if (backends != null) {
                backends.close();
            }
        }
    }
}
