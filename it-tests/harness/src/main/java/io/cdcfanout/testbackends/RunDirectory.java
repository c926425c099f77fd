package io.cdcfanout.testbackends;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fresh directory for the data and logs of one run's backends, e.g. {@code /tmp/cdc-it-1234567}.
 * It lives under the system temp directory (not {@code target/}) so the unprivileged user can
 * always reach it and Postgres' Unix socket path stays short. It records the PID of the JVM that
 * owns it in {@code owner.pid}; that is how a later run recognises the leftovers of a dead one.
 */
public final class RunDirectory {

    static final String PREFIX = "cdc-it-";
    private static final String OWNER_FILE = "owner.pid";

    private final Path path;

    private RunDirectory(Path path) {
        this.path = path;
    }

    /** Creates a run directory under {@code base} (usually {@code java.io.tmpdir}), owned by {@code owner}. */
    public static RunDirectory create(Path base, ProcessOwner owner) {
        try {
            Path dir = Files.createTempDirectory(base, PREFIX);
            Files.writeString(
                    dir.resolve(OWNER_FILE),
                    Long.toString(ProcessHandle.current().pid()));
            owner.own(dir);
            return new RunDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run directory under " + base, e);
        }
    }

    public Path path() {
        return path;
    }

    /** Creates (if needed) a sub-directory owned by {@code owner}. */
    public Path subdirectory(String name, ProcessOwner owner) {
        Path dir = path.resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        owner.own(dir);
        return dir;
    }

    /** Deletes the directory; the backends using it must be stopped. */
    public void delete() {
        deleteTree(path);
    }

    /**
     * Cleans up after runs whose JVM died without running its shutdown hooks (SIGKILL, OOM killer):
     * for each {@code cdc-it-*} directory under {@code base} whose owner JVM is gone, kills every
     * process whose command line names that directory, then deletes it. Runs of live JVMs (other
     * worktrees, parallel builds) are left alone.
     */
    public static void reapStaleRuns(Path base) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, PREFIX + "*")) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir) && ownerIsGone(dir)) {
                    String marker = dir.toString();
                    List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                            .filter(p -> p.info()
                                    .commandLine()
                                    .map(c -> c.contains(marker))
                                    .orElse(false))
                            .toList();
                    if (!leftovers.isEmpty()) {
                        System.err.println(
                                "[backends] killing " + leftovers.size() + " processes left by a dead run in " + dir);
                        leftovers.forEach(p -> Processes.stopTree(p, Duration.ofSeconds(10)));
                    }
                    deleteTree(dir);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("[backends] could not check " + base + " for stale runs: " + e.getMessage());
        }
    }

    private static boolean ownerIsGone(Path dir) {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve(OWNER_FILE)).strip());
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (IOException | NumberFormatException e) {
            return false; // not ours, or still being created: leave it
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("[backends] could not delete " + dir + ": " + e.getMessage());
        }
    }
}
