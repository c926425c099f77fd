package io.cdcfanout.it.harness;

import io.cdcfanout.testbackends.JavaHomes;
import io.cdcfanout.testbackends.LocalElasticsearch;
import io.cdcfanout.testbackends.LocalPostgres;
import io.cdcfanout.testbackends.PostgresBinaries;
import io.cdcfanout.testbackends.ProcessOwner;
import io.cdcfanout.testbackends.RunDirectory;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

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
        // fail on configuration problems before anything is launched
        ProcessOwner owner = ProcessOwner.forThisJvm(env);
        Path pgBin = PostgresBinaries.find(env);
        Path esJava = JavaHomes.find(env, JavaHomes.ELASTICSEARCH_MINIMUM);
        Path distribution = esDistribution();
        Path base = Path.of(env.getOrDefault("CDC_IT_WORK_DIR", System.getProperty("java.io.tmpdir")));

        RunDirectory.reapStaleRuns(base);
        RunDirectory run = RunDirectory.create(base, owner);
        BackendsLog.info("local processes as " + owner.describe() + " in " + run.path() + " (Postgres " + pgBin + ", Elasticsearch on " + esJava + ")");

        CompletableFuture<LocalElasticsearch> es = CompletableFuture.supplyAsync(
                () -> LocalElasticsearch.start(distribution, run.path().resolve("elasticsearch"), esJava, owner));
        LocalPostgres pg;
        try {
            pg = LocalPostgres.start(pgBin, run.path().resolve("postgres"), owner);
        } catch (RuntimeException e) {
            try {
                es.join().close();
            } catch (CompletionException ignored) {
                // Elasticsearch failed too; the Postgres failure is the one to report
            }
            keptForInspection(run);
            throw e;
        }
        LocalElasticsearch node;
        try {
            node = es.join();
        } catch (CompletionException e) {
            pg.close();
            keptForInspection(run);
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
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
        return new Backends(postgres, elasticsearch, () -> {
            try {
                node.close();
            } finally {
                pg.close();
                run.delete();
            }
        });
    }

    /** The logs of a failed start stay; the next run deletes the directory (its owner JVM will be gone by then). */
    private static void keptForInspection(RunDirectory run) {
        BackendsLog.info("start-up failed; logs kept in " + run.path() + " until the next run");
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
