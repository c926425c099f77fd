package io.cdcfanout.it.harness;

import io.cdcfanout.testbackends.BackendsUnavailableException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Gives tests real backends: parameters of type {@link Backends}, {@link PostgresBackend},
 * {@link ElasticsearchBackend} (shared by the whole run) and {@link TestDatabase} (a fresh database
 * per parameter). The backends start before the first test class that uses them ({@code beforeAll})
 * and stop when the run ends, also after failures. When they cannot start, every test of every class
 * fails with that reason, e.g. a {@link BackendsUnavailableException} whose message is the one line
 * that says what is missing.
 *
 * <p>Methods annotated {@link OnEachPostgresVersion} run once per supported Postgres version, their
 * {@code TestDatabase} and {@code PostgresBackend} coming from a server of that version.
 */
public final class BackendsExtension
        implements ParameterResolver, BeforeAllCallback, TestTemplateInvocationContextProvider {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(BackendsExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        backends(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == TestDatabase.class || type == PostgresBackend.class) {
            return !isOnEachPostgresVersion(context); // those come from the invocation's VersionedPostgres
        }
        return type == Backends.class || type == ElasticsearchBackend.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
            throws ParameterResolutionException {
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

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return isOnEachPostgresVersion(context);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        return SupportedPostgres.MAJORS.stream().map(major -> new TestTemplateInvocationContext() {
            @Override
            public String getDisplayName(int invocationIndex) {
                return "[Postgres " + major + "]";
            }

            @Override
            public List<Extension> getAdditionalExtensions() {
                return List.of(new VersionedPostgres(major));
            }
        });
    }

    private static boolean isOnEachPostgresVersion(ExtensionContext context) {
        return context.getTestMethod()
                .map(m -> AnnotationSupport.isAnnotated(m, OnEachPostgresVersion.class))
                .orElse(false);
    }

    /**
     * The run's backends, started once; the root store closes them when the run ends. If they fail
     * to start, every later request fails at once with that first error instead of trying again
     * (a second two-minute Elasticsearch timeout per test would help no one).
     *
     * @throws BackendsUnavailableException when a prerequisite is missing, with its one line
     * @throws IllegalStateException        when a backend failed to start, with its log's tail
     */
    public static Backends backends(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(Backends.class, k -> RunBackends.start(BackendsFactory::start), RunBackends.class)
                .get();
    }

    /**
     * Backends whose Postgres is version {@code major}: the run's own if its Postgres is that version,
     * else ones with a second local Postgres of that version (started once, closed when the run ends)
     * and the run's Elasticsearch.
     */
    static Backends backends(ExtensionContext context, int major) {
        Backends shared = backends(context);
        if (shared.postgresMajorVersion() == major) {
            return shared;
        }
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(
                        "postgres-" + major,
                        k -> RunBackends.start(
                                () -> LocalProcessBackends.startPostgres(System.getenv(), major, shared)),
                        RunBackends.class)
                .get();
    }

    /** One invocation's Postgres of one version; fails the invocation in {@code beforeEach} when there is none. */
    private record VersionedPostgres(int major) implements ParameterResolver, BeforeEachCallback {

        @Override
        public void beforeEach(ExtensionContext context) {
            backends(context, major);
        }

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            Class<?> type = parameter.getParameter().getType();
            return type == TestDatabase.class || type == PostgresBackend.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            Backends backends = backends(context, major);
            return parameter.getParameter().getType() == PostgresBackend.class
                    ? backends.postgres()
                    : backends.createDatabase();
        }
    }

    /** Closed by the root store when the run ends; AutoCloseable is what JUnit 5.13+ looks for, CloseableResource what older ones do. */
    private record RunBackends(Backends backends, RuntimeException failure)
            implements ExtensionContext.Store.CloseableResource, AutoCloseable {

        static RunBackends start(java.util.function.Supplier<Backends> starter) {
            try {
                return new RunBackends(starter.get(), null);
            } catch (RuntimeException e) {
                return new RunBackends(null, e);
            }
        }

        Backends get() {
            if (failure instanceof BackendsUnavailableException) {
                throw new BackendsUnavailableException(
                        failure.getMessage()); // a fresh one per test; it has no trace to share
            }
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
