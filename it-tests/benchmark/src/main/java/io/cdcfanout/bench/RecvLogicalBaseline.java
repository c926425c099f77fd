package io.cdcfanout.bench;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.testbackends.LocalPostgres;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Baseline (a), the source ceiling: {@code pg_recvlogical} streaming the same WAL from its own pgoutput
 * slot (created before the workload was written) to {@code /dev/null}, up to a given end position.
 */
final class RecvLogicalBaseline {

    /** Seconds from launch to exit. */
    record Result(double seconds, int exitCode) {}

    private final LocalPostgres pg;
    private final Path binaries;

    RecvLogicalBaseline(LocalPostgres pg, Path binaries) {
        this.pg = pg;
        this.binaries = binaries;
    }

    Result run(String slot, Lsn endPosition) throws Exception {
        List<String> command = List.of(
                binaries.resolve("pg_recvlogical").toString(),
                "--dbname=host=" + pg.host() + " port=" + pg.port() + " dbname=" + BenchDatabase.NAME + " user="
                        + pg.superuser(),
                "--slot=" + slot,
                "--start",
                "--no-loop",
                "--endpos=" + endPosition,
                "--file=/dev/null",
                "-o",
                "proto_version=1",
                "-o",
                "publication_names=" + BenchDatabase.PUBLICATION);
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("PGPASSWORD", pg.password());
        long start = System.nanoTime();
        Process p = builder.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("pg_recvlogical did not reach " + endPosition + " in 10 minutes");
        }
        return new Result((System.nanoTime() - start) / 1e9, p.exitValue());
    }
}
