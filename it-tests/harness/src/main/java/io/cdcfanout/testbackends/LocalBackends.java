package io.cdcfanout.testbackends;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A Postgres and an Elasticsearch as local processes, started in parallel in a fresh
 * {@link RunDirectory}: what the integration tests and the demo run on. {@link #close()} stops both
 * and deletes the directory; a failed start keeps it, with the logs, until the next run reaps it.
 *
 * @param postgres      the running Postgres
 * @param binaries      the binaries it runs
 * @param elasticsearch the running Elasticsearch
 * @param run           the directory holding their data and logs
 */
public record LocalBackends(
        LocalPostgres postgres, PostgresBinaries binaries, LocalElasticsearch elasticsearch, RunDirectory run)
        implements AutoCloseable {

    /**
     * Starts both, Postgres from {@link PostgresBinaries#select(Map)}.
     *
     * @param env          where {@code CDC_IT_*} settings are read (user, binaries, JDK, work directory)
     * @param distribution the unpacked Elasticsearch server
     * @param log          receives one line per step
     * @throws BackendsUnavailableException when a prerequisite is missing (user, binaries, JDK 21+, disk, port)
     * @throws IllegalStateException        when a backend fails to start, with its log's tail
     */
    public static LocalBackends start(Map<String, String> env, Path distribution, Consumer<String> log) {
        Path base = workBase(env);
        return prerequisite(base, () -> {
            // fail on configuration problems before anything is launched
            ProcessOwner owner = ProcessOwner.forThisJvm(env, log);
            PostgresBinaries pg = PostgresBinaries.select(env);
            Path esJava = JavaHomes.find(env, JavaHomes.ELASTICSEARCH_MINIMUM);
            RunDirectory run = prepareRun(base, owner);
            log.accept("local processes as " + owner.describe() + " in " + run.path() + " (" + pg.describe()
                    + ", Elasticsearch on " + esJava + ")");
            return launch(pg, distribution, esJava, owner, run, log);
        });
    }

    private static LocalBackends launch(
            PostgresBinaries binaries,
            Path distribution,
            Path esJava,
            ProcessOwner owner,
            RunDirectory run,
            Consumer<String> log) {
        CompletableFuture<LocalElasticsearch> es = CompletableFuture.supplyAsync(
                () -> LocalElasticsearch.start(distribution, run.path().resolve("elasticsearch"), esJava, owner));
        LocalPostgres pg;
        try {
            pg = LocalPostgres.start(binaries.bin(), run.path().resolve("postgres"), owner);
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
        return new LocalBackends(pg, binaries, node, run);
    }

    /**
     * A Postgres alone, in a run directory of its own, e.g. a second server of another major version
     * beside the one {@link #start} runs. Closing it stops the server and deletes the directory.
     *
     * @throws BackendsUnavailableException when a prerequisite is missing
     */
    public static LocalPostgresRun startPostgres(
            Map<String, String> env, PostgresBinaries binaries, Consumer<String> log) {
        Path base = workBase(env);
        return prerequisite(base, () -> {
            ProcessOwner owner = ProcessOwner.forThisJvm(env, log);
            RunDirectory run = prepareRun(base, owner);
            log.accept("local " + binaries.describe() + " as " + owner.describe() + " in " + run.path());
            try {
                return new LocalPostgresRun(
                        LocalPostgres.start(binaries.bin(), run.path().resolve("postgres"), owner), binaries, run);
            } catch (RuntimeException e) {
                log.accept("start-up failed; logs kept in " + run.path() + " until the next run");
                throw e;
            }
        });
    }

    /** A Postgres started by {@link #startPostgres}, with the directory it runs in. */
    public record LocalPostgresRun(LocalPostgres postgres, PostgresBinaries binaries, RunDirectory run)
            implements AutoCloseable {
        @Override
        public void close() {
            try {
                postgres.close();
            } finally {
                run.delete();
            }
        }
    }

    private static Path workBase(Map<String, String> env) {
        return Path.of(env.getOrDefault("CDC_IT_WORK_DIR", System.getProperty("java.io.tmpdir")));
    }

    private static RunDirectory prepareRun(Path base, ProcessOwner owner) {
        DiskSpace.check(base);
        RunDirectory.reapStaleRuns(base);
        try {
            return RunDirectory.create(base, owner);
        } catch (UncheckedIOException e) {
            throw new BackendsUnavailableException("cannot create a run directory under " + base + ": "
                    + DiskSpace.describe(e.getCause()) + ". Point CDC_IT_WORK_DIR at a writable directory.");
        }
    }

    /** Runs a start-up step, turning a full disk met on the way into the one line that says so. */
    private static <T> T prerequisite(Path base, Supplier<T> step) {
        try {
            return step.get();
        } catch (BackendsUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            if (DiskSpace.isDiskFull(e)) {
                throw new BackendsUnavailableException(
                        "the disk is full (No space left on device) while starting the local backends under " + base
                                + "; free some space or point CDC_IT_WORK_DIR at a bigger disk.");
            }
            throw e;
        }
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
