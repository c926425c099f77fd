package io.cdcfanout.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * CPU time of the benchmark's own Postgres and Elasticsearch, for W6, where a view moves work into both (the
 * renders' queries, larger documents): Postgres as its postmaster's tree in {@code /proc} (the postmaster's own and
 * reaped children's time, plus every live child's: backends, the walsender), Elasticsearch from its node stats
 * ({@code process.cpu.total_in_millis}). Linux only; -1 where it cannot be read.
 */
final class BackendCpu {

    /** Linux's {@code USER_HZ}, the unit of {@code /proc/<pid>/stat} times, on every architecture the JDK runs. */
    private static final long TICKS_PER_SECOND = 100;

    /** CPU nanoseconds so far; -1 when not readable. */
    record Reading(long postgresNanos, long elasticsearchNanos) {

        /** CPU seconds per 1,000 changes between {@code before} and this reading: Postgres, Elasticsearch. */
        double[] per1000Since(Reading before, long changes) {
            return new double[] {
                per1000(before.postgresNanos, postgresNanos, changes),
                per1000(before.elasticsearchNanos, elasticsearchNanos, changes)
            };
        }

        private static double per1000(long before, long after, long changes) {
            return before < 0 || after < 0 || changes == 0 ? -1 : (after - before) / 1e9 / changes * 1000;
        }
    }

    private final String esUrl;
    private final long postmaster;

    BackendCpu(BenchDatabase db, String esUrl) {
        this.esUrl = esUrl;
        this.postmaster = postmasterPid(db);
    }

    Reading read() {
        return new Reading(postgresNanos(), elasticsearchNanos());
    }

    private static long postmasterPid(BenchDatabase db) {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            long[] stat = stat(Path.of("/proc", Long.toString(rs.getLong(1)), "stat"));
            return stat == null ? -1 : stat[0];
        } catch (SQLException e) {
            return -1;
        }
    }

    private long postgresNanos() {
        if (postmaster < 0) {
            return -1;
        }
        long[] own = stat(Path.of("/proc", Long.toString(postmaster), "stat"));
        if (own == null) {
            return -1;
        }
        long ticks = own[1] + own[2] + own[3] + own[4];
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName()
                .toString()
                .chars()
                .allMatch(Character::isDigit))) {
            for (Path p : procs) {
                long[] child = stat(p.resolve("stat"));
                if (child != null && child[0] == postmaster) {
                    ticks += child[1] + child[2];
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    }

    private long elasticsearchNanos() {
        try {
            JsonNode nodes = ViewProber.request(esUrl, "GET", "/_nodes/_local/stats/process", null)
                    .path("nodes");
            long millis = 0;
            for (JsonNode node : nodes) {
                millis += node.path("process").path("cpu").path("total_in_millis").asLong();
            }
            return millis * 1_000_000L;
        } catch (IOException e) {
            return -1;
        }
    }

    /** ppid, utime, stime, cutime, cstime of a {@code /proc/<pid>/stat}; null when gone or unreadable. */
    private static long[] stat(Path file) {
        try {
            String line = Files.readString(file);
            String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17
            return new long[] {
                Long.parseLong(f[1]),
                Long.parseLong(f[11]),
                Long.parseLong(f[12]),
                Long.parseLong(f[13]),
                Long.parseLong(f[14])
            };
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
