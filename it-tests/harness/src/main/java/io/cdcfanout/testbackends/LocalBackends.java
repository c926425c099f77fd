package io.cdcfanout.testbackends;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * A Postgres and an Elasticsearch as local processes, started in parallel in a fresh
 * {@link RunDirectory}: what the integration tests and the demo run on. {@link #close()} stops both
 * and deletes the directory; a failed start keeps it, with the logs, until the next run reaps it.
 *
 * @param postgres      the running Postgres
 * @param elasticsearch the running Elasticsearch
 * @param run           the directory holding their data and logs
 */
public record LocalBackends(LocalPostgres postgres, LocalElasticsearch elasticsearch, RunDirectory run) implements AutoCloseable {

    /**
     * Starts both.
     *
     * @param env          where {@code CDC_IT_*} settings are read (user, binaries, JDK, work directory)
     * @param distribution the unpacked Elasticsearch server
     * @param log          receives one line per step
     * @throws IllegalStateException with the failing backend's log tail
     */
    public static LocalBackends start(Map<String, String> env, Path distribution, Consumer<String> log) {
        // fail on configuration problems before anything is launched
        ProcessOwner owner = ProcessOwner.forThisJvm(env);
        Path pgBin = PostgresBinaries.find(env);
        Path esJava = JavaHomes.find(env, JavaHomes.ELASTICSEARCH_MINIMUM);
        Path base = Path.of(env.getOrDefault("CDC_IT_WORK_DIR", System.getProperty("java.io.tmpdir")));

        RunDirectory.reapStaleRuns(base);
        RunDirectory run = RunDirectory.create(base, owner);
        log.accept("local processes as " + owner.describe() + " in " + run.path() + " (Postgres " + pgBin + ", Elasticsearch on " + esJava + ")");

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
            log.accept("start-up failed; logs kept in " + run.path() + " until the next run");
            throw e;
        }
        LocalElasticsearch node;
        try {
            node = es.join();
        } catch (CompletionException e) {
            pg.close();
            log.accept("start-up failed; logs kept in " + run.path() + " until the next run");
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        return new LocalBackends(pg, node, run);
    }

    @Override
    public void close() {
        try {
            elasticsearch.close();
        } finally {
            postgres.close();
            run.delete();
        }
    }
}
