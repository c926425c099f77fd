package io.cdcfanout.it.harness;

import io.cdcfanout.testbackends.LocalBackends;
import io.cdcfanout.testbackends.LocalElasticsearch;
import io.cdcfanout.testbackends.LocalPostgres;
import io.cdcfanout.testbackends.RunDirectory;
import java.nio.file.Path;
import java.util.Map;

/**
 * Backends as local processes: Postgres from the machine's binaries, Elasticsearch from the zip the
 * build unpacked (system property {@code cdc.it.es.distribution}, set by the it-tests pom). Both
 * start in parallel in a fresh {@link RunDirectory}, which is deleted when the run ends (kept, with
 * the logs, when they fail to start).
 */
final class LocalProcessBackends {

    static final String ORIGIN = "local process";
    private static final String DISTRIBUTION_PROPERTY = "cdc.it.es.distribution";

    private LocalProcessBackends() {
    }

    static Backends start(Map<String, String> env) {
        LocalBackends local = LocalBackends.start(env, esDistribution(), BackendsLog::info);
        LocalPostgres pg = local.postgres();
        LocalElasticsearch node = local.elasticsearch();
        BackendsLog.started("Postgres", ORIGIN, pg.jdbcUrl("postgres"), pg.startupMillis());
        BackendsLog.started("Elasticsearch", ORIGIN, node.url(), node.startupMillis());

        PostgresBackend postgres = new PostgresBackend() {
            public String host() { return pg.host(); }
            public int port() { return pg.port(); }
            public String superuser() { return pg.superuser(); }
            public String password() { return pg.password(); }
            public void restart() { pg.restart(); }
            public String origin() { return ORIGIN; }
        };
        ElasticsearchBackend elasticsearch = new ElasticsearchBackend() {
            public String url() { return node.url(); }
            public void stop() { node.stop(); }
            public void start() { node.start(); }
            public String origin() { return ORIGIN; }
        };
        return new Backends(postgres, elasticsearch, local::close);
    }

    private static Path esDistribution() {
        String dir = System.getProperty(DISTRIBUTION_PROPERTY);
        if (dir == null) {
            throw new IllegalStateException("system property " + DISTRIBUTION_PROPERTY + " is not set: run the integration tests through Maven"
                    + " (mvn -B verify), which unpacks the Elasticsearch zip into it-tests/target, or set CDC_IT_PG_HOST and CDC_IT_ES_URL");
        }
        return Path.of(dir);
    }
}
