package io.cdcfanout.it.harness;

import java.util.Map;
import java.util.Optional;

/** Picks where the backends come from, in the order documented on {@link Backends}, and says which it chose. */
final class BackendsFactory {

    private BackendsFactory() {}

    static Backends start() {
        Map<String, String> env = System.getenv();
        Optional<Backends> fromEnv = EnvBackends.fromEnvironment(env);
        if (fromEnv.isPresent()) {
            Backends backends = fromEnv.get();
            BackendsLog.info("using backends from environment variables: Postgres "
                    + backends.postgres().jdbcUrl("postgres") + ", Elasticsearch "
                    + backends.elasticsearch().url());
            return backends;
        }
        if (DockerProbe.isDockerAvailable(env)) {
            BackendsLog.info("Docker is available: starting backends with Testcontainers");
            return DockerBackends.start();
        }
        BackendsLog.info("no CDC_IT_PG_HOST/CDC_IT_ES_URL and no Docker: starting backends as local processes");
        return LocalProcessBackends.start(env);
    }
}
