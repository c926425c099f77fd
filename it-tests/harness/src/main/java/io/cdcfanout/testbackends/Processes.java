package io.cdcfanout.testbackends;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Small helpers to run short commands and to stop process trees. */
public final class Processes {

    private Processes() {}

    /**
     * Runs a short command to completion and returns its combined output.
     * Output goes through a file, not a pipe, so a daemon the command leaves behind (pg_ctl start)
     * cannot keep us waiting for end-of-stream.
     *
     * @throws IllegalStateException on a non-zero exit or timeout, with the command's output
     */
    public static String run(List<String> command, Map<String, String> env, Duration timeout) {
        Result result = exec(command, env, timeout);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(
                    "exit code " + result.exitCode() + ": " + String.join(" ", command) + "\n" + result.output());
        }
        return result.output();
    }

    /** A finished command: its exit code and combined output. */
    public record Result(int exitCode, String output) {}

    /**
     * As {@link #run}, but a non-zero exit is returned, not thrown, for callers that tell exit codes apart.
     *
     * @throws IllegalStateException on a timeout, with the command's output
     * @throws UncheckedIOException  when the command cannot be launched (e.g. it is not installed)
     */
    public static Result exec(List<String> command, Map<String, String> env, Duration timeout) {
        Path out = null;
        try {
            out = Files.createTempFile("cdc-it-cmd-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stopTree(process.toHandle(), Duration.ofSeconds(5));
                throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", command) + "\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    /**
     * Stops {@code root} and every process below it: SIGTERM to each of them, up to {@code grace}
     * for the tree to exit, then SIGKILL to whatever is left. Every process gets the signal because
     * launchers do not reliably forward it (Elasticsearch's launcher dies alone and leaves the
     * server running). The tree is listed before signalling because orphans are re-parented and
     * no longer show up as descendants.
     *
     * @return whether the tree exited within {@code grace} (false when it had to be killed)
     */
    public static boolean stopTree(ProcessHandle root, Duration grace) {
        List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
        tree.add(0, root);
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        boolean graceful = true;
        for (ProcessHandle p : tree) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0) {
                    graceful &= !p.isAlive();
                } else {
                    p.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            } catch (Exception e) {
                graceful = false;
            }
        }
        if (!graceful) {
            tree.forEach(ProcessHandle::destroyForcibly);
            tree.forEach(p -> p.onExit()
                    .orTimeout(10, TimeUnit.SECONDS)
                    .exceptionally(t -> p)
                    .join());
        }
        return graceful;
    }

    /** Kills (SIGKILL) a process and everything below it at once; for emergencies such as a shutdown hook. */
    public static void killTree(ProcessHandle root) {
        List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
        tree.add(0, root);
        tree.forEach(ProcessHandle::destroyForcibly);
    }

    /** The last {@code lines} lines of a log file, or a note why there are none. */
    public static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + file + ": " + e.getMessage() + ")";
        }
    }
}
