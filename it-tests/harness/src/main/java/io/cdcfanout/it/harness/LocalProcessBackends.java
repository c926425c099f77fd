package io.cdcfanout.it.harness;

import io.cdcfanout.testbackends.ElasticsearchDistribution;
import io.cdcfanout.testbackends.LocalBackends;
import io.cdcfanout.testbackends.LocalElasticsearch;
import io.cdcfanout.testbackends.LocalPostgres;
import io.cdcfanout.testbackends.PostgresBinaries;
import io.cdcfanout.testbackends.RunDirectory;
import java.util.Map;

/**
 * Backends as local processes: Postgres from the machine's binaries (or the Maven Central ones),
 * Elasticsearch from the zip the build unpacked ({@link ElasticsearchDistribution}). Both
 * start in parallel in a fresh {@link RunDirectory}, which is deleted when the run ends (kept, with
 * the logs, when they fail to start).
 */
final class LocalProcessBackends {

    static final String ORIGIN = "local process";

    private LocalProcessBackends() {}

    static Backends start(Map<String, String> env) {
        LocalBackends local = LocalBackends.start(env, ElasticsearchDistribution.find(env), BackendsLog::info);
        LocalPostgres pg = local.postgres();
        LocalElasticsearch node = local.elasticsearch();
        BackendsLog.started("Postgres " + local.binaries().major(), ORIGIN, pg.jdbcUrl("postgres"), pg.startupMillis());
        BackendsLog.started("Elasticsearch", ORIGIN, node.url(), node.startupMillis());

        ElasticsearchBackend elasticsearch = new ElasticsearchBackend() {
            @Override
            public String url() {
                return node.url();
            }

            @Override
            public void stop() {
                node.stop();
            }

            @Override
            public void start() {
                node.start();
            }

            @Override
            public String origin() {
                return ORIGIN;
            }
        };
        return new Backends(postgres(pg, local.binaries().major()), elasticsearch, local);
    }

    /**
     * A local Postgres of version {@code major} beside {@code shared}'s, sharing its Elasticsearch;
     * closing the result stops only this Postgres.
     */
    static Backends startPostgres(Map<String, String> env, int major, Backends shared) {
        LocalBackends.LocalPostgresRun run =
                LocalBackends.startPostgres(env, PostgresBinaries.select(env, major), BackendsLog::info);
        LocalPostgres pg = run.postgres();
        BackendsLog.started("Postgres " + major, ORIGIN, pg.jdbcUrl("postgres"), pg.startupMillis());
        return new Backends(postgres(pg, major), shared.elasticsearch(), run);
    }

    private static PostgresBackend postgres(LocalPostgres pg, int major) {
        return new PostgresBackend() {
            @Override
            public String host() {
                return pg.host();
            }

            @Override
            public int port() {
                return pg.port();
            }

            @Override
            public String superuser() {
                return pg.superuser();
            }

            @Override
            public String password() {
                return pg.password();
            }

            @Override
            public void restart() {
                pg.restart();
            }

            @Override
            public String origin() {
                return ORIGIN;
            }

            @Override
            public int majorVersion() {
                return major;
            }
        };
    }
}
