package io.cdcfanout.it.kafka.backend;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a {@link KafkaConnectBackend} parameter: one KRaft broker and one Connect worker, started
 * before the first test class that uses it and stopped when the run ends (also after failures). Use it
 * beside the harness's {@code BackendsExtension}, which supplies Postgres and Elasticsearch. When the
 * backend cannot start, every test that asks for it fails with that first error.
 */
public final class KafkaBackendExtension implements ParameterResolver, BeforeAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KafkaBackendExtension.class);

    /** Connect workers of the shared backend. */
    static final int WORKERS = 1;

    @Override
    public void beforeAll(ExtensionContext context) {
        backend(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaConnectBackend.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return backend(context);
    }

    /** The run's backend, started once; the root store closes it when the run ends. */
    public static KafkaConnectBackend backend(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(KafkaConnectBackend.class, k -> RunBackend.start(), RunBackend.class)
                .get();
    }

    /** Closed by the root store when the run ends. */
    private record RunBackend(KafkaConnectBackend backend, RuntimeException failure)
            implements ExtensionContext.Store.CloseableResource, AutoCloseable {

        static RunBackend start() {
            try {
                KafkaConnectBackend backend = KafkaConnectBackend.start(WORKERS);
                System.err.println("[backends] Kafka (1 KRaft broker) and Kafka Connect (" + WORKERS
                        + " worker) at " + backend.bootstrapServers() + " started in " + backend.startupMillis()
                        + " ms");
                return new RunBackend(backend, null);
            } catch (RuntimeException e) {
                return new RunBackend(null, e);
            }
        }

        KafkaConnectBackend get() {
            if (failure != null) {
                throw new IllegalStateException(
                        "the Kafka test backend failed to start: " + failure.getMessage(), failure);
            }
            return backend;
        }

        @Override
        public void close() {
            if (backend != null) {
                backend.close();
            }
        }
    }
}
