package io.cdcfanout.it.harness;

import io.cdcfanout.testbackends.ElasticsearchDistribution;
import io.cdcfanout.testbackends.LocalBackends;
import io.cdcfanout.testbackends.LocalElasticsearch;
import io.cdcfanout.testbackends.LocalPostgres;
import io.cdcfanout.testbackends.RunDirectory;
import java.nio.file.Path;
import java.util.Map;

/**
 * Backends as local processes: Postgres from the machine's binaries, Elasticsearch from the zip the
 * build unpacked ({@link ElasticsearchDistribution}). Both
 * start in parallel in a fresh {@link RunDirectory}, which is deleted when the run ends (kept, with
 * the logs, when they fail to start).
 */
final class LocalProcessBackends {

    static final String ORIGIN = "local process";

    private LocalProcessBackends() {
    }

    static Backends start(Map<String, String> env) {
        LocalBackends local = LocalBackends.start(env, ElasticsearchDistribution.find(env), BackendsLog::info);
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
}
