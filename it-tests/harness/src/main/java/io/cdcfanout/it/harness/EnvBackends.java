package io.cdcfanout.it.harness;

import io.cdcfanout.testbackends.BackendsUnavailableException;
import java.util.Map;
import java.util.Optional;

/** Backends someone already runs, named by environment variables. They are never stopped by the tests. */
final class EnvBackends {

    private EnvBackends() {}

    static Optional<Backends> fromEnvironment(Map<String, String> env) {
        String pgHost = env.get("CDC_IT_PG_HOST");
        String esUrl = env.get("CDC_IT_ES_URL");
        if (pgHost == null && esUrl == null) {
            return Optional.empty();
        }
        if (pgHost == null || esUrl == null) {
            throw new BackendsUnavailableException("set both CDC_IT_PG_HOST and CDC_IT_ES_URL, or neither (only "
                    + (pgHost != null ? "CDC_IT_PG_HOST" : "CDC_IT_ES_URL") + " is set)");
        }
        int port = Integer.parseInt(env.getOrDefault("CDC_IT_PG_PORT", "5432"));
        String user = env.getOrDefault("CDC_IT_PG_USER", "postgres");
        String password = env.getOrDefault("CDC_IT_PG_PASSWORD", "");
        PostgresBackend postgres = new PostgresBackend() {
            @Override
            public String host() {
                return pgHost;
            }

            @Override
            public int port() {
                return port;
            }

            @Override
            public String superuser() {
                return user;
            }

            @Override
            public String password() {
                return password;
            }

            @Override
            public void restart() {
                throw new UnsupportedOperationException(
                        "an external Postgres (CDC_IT_PG_HOST) cannot be restarted by the tests");
            }

            @Override
            public String origin() {
                return "env";
            }
        };
        ElasticsearchBackend elasticsearch = new ElasticsearchBackend() {
            @Override
            public String url() {
                return esUrl.replaceAll("/+$", "");
            }

            @Override
            public void stop() {
                throw new UnsupportedOperationException(
                        "an external Elasticsearch (CDC_IT_ES_URL) cannot be stopped by the tests");
            }

            @Override
            public void start() {
                throw new UnsupportedOperationException(
                        "an external Elasticsearch (CDC_IT_ES_URL) cannot be started by the tests");
            }

            @Override
            public String origin() {
                return "env";
            }
        };
        return Optional.of(new Backends(postgres, elasticsearch, () -> {}));
    }
}
