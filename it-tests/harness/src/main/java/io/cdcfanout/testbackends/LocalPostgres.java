package io.cdcfanout.testbackends;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A throw-away Postgres server run from the binaries on this machine, set up for logical
 * replication. Lifecycle:
 * <ol>
 *   <li>{@link #start} runs {@code initdb} into a fresh directory (superuser {@code postgres} with a
 *       random password, scram-sha-256 on 127.0.0.1 so wrong credentials are refused, trust on
 *       its private Unix socket) and starts the server on a free port with {@code wal_level=logical}.
 *       It returns once the server accepts connections.</li>
 *   <li>{@link #restart} stops it (fast mode) and starts it again on the same port with the same data.</li>
 *   <li>{@link #close} stops it. If the JVM exits first, a shutdown hook stops it instead.</li>
 * </ol>
 * Not thread-safe; one owner drives the lifecycle.
 */
public final class LocalPostgres implements AutoCloseable {

    public static final String SUPERUSER = "postgres";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path bin;
    private final Path dataDir;
    private final Path logFile;
    private final ProcessOwner owner;
    private final int port;
    private final String password;
    private final long startupMillis;
    private final ShutdownHooks.Registration hook;

    private LocalPostgres(
            Path bin,
            Path dataDir,
            Path logFile,
            ProcessOwner owner,
            int port,
            String password,
            long startupMillis,
            ShutdownHooks.Registration hook) {
        this.bin = bin;
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.owner = owner;
        this.port = port;
        this.password = password;
        this.startupMillis = startupMillis;
        this.hook = hook;
    }

    /**
     * Creates and starts a server in {@code workDir} (which must be empty or absent), with its
     * files owned by {@code owner}.
     *
     * @throws IllegalStateException if initdb or the start fail, with the server log's tail
     */
    public static LocalPostgres start(Path bin, Path workDir, ProcessOwner owner) {
        return start(bin, workDir, owner, Map.of());
    }

    /**
     * As {@link #start(Path, Path, ProcessOwner)}, with settings that override the defaults (e.g.
     * {@code wal_level=replica} to test how the service reacts to a misconfigured server).
     */
    public static LocalPostgres start(Path bin, Path workDir, ProcessOwner owner, Map<String, String> overrides) {
        long begin = System.nanoTime();
        Path dataDir = workDir.resolve("data");
        Path socketDir = workDir.resolve("socket");
        Path logFile = workDir.resolve("postgres.log");
        Path pwFile = workDir.resolve("pwfile");
        String password = randomPassword();
        try {
            Files.createDirectories(socketDir);
            Files.writeString(pwFile, password + "\n");
            owner.own(workDir);
            Processes.run(
                    owner.command(List.of(
                            bin.resolve("initdb").toString(),
                            "--pgdata=" + dataDir,
                            "--username=" + SUPERUSER,
                            "--pwfile=" + pwFile,
                            "--auth-host=scram-sha-256",
                            "--auth-local=trust",
                            "--encoding=UTF8",
                            "--locale=C",
                            "--no-sync",
                            "--no-instructions")),
                    Map.of(),
                    Duration.ofMinutes(2));
            Files.delete(pwFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + workDir, e);
        }
        int port = FreePorts.next();
        appendSettings(dataDir, port, socketDir, overrides);
        ShutdownHooks.Registration hook =
                ShutdownHooks.register("Postgres on port " + port, () -> emergencyStop(bin, dataDir, owner));
        try {
            pgCtl(bin, dataDir, logFile, owner, "start");
        } catch (RuntimeException e) {
            hook.close();
            emergencyStop(bin, dataDir, owner);
            throw new IllegalStateException(
                    "Postgres did not start on port " + port + ". Server log " + logFile + " ends with:\n"
                            + Processes.tail(logFile, 40),
                    e);
        }
        return new LocalPostgres(
                bin,
                dataDir,
                logFile,
                owner,
                port,
                password,
                Duration.ofNanos(System.nanoTime() - begin).toMillis(),
                hook);
    }

    /** Settings go into postgresql.conf (not the command line) so that pg_ctl restart keeps them. */
    private static void appendSettings(Path dataDir, int port, Path socketDir, Map<String, String> overrides) {
        String settings = String.join(
                "\n",
                "",
                "# cdc-fanout integration tests",
                "port = " + port,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + socketDir + "'",
                "wal_level = logical",
                "max_replication_slots = 40",
                "max_wal_senders = 40",
                "max_connections = 200",
                // a fast shutdown waits for logical walsenders up to this long; keeps restarts in outage tests short
                "wal_sender_timeout = '5s'",
                // a throw-away server: durability is not worth the time
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                "");
        StringBuilder later = new StringBuilder(settings);
        overrides.forEach(
                (key, value) -> later.append(key).append(" = '").append(value).append("'\n"));
        settings = later.toString();
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), settings, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot configure " + dataDir, e);
        }
    }

    private static void pgCtl(Path bin, Path dataDir, Path logFile, ProcessOwner owner, String action) {
        List<String> command = new ArrayList<>(List.of(
                bin.resolve("pg_ctl").toString(),
                "--pgdata=" + dataDir,
                "--log=" + logFile,
                "--wait",
                "--timeout=" + START_TIMEOUT.toSeconds(),
                "--mode=fast",
                action));
        Processes.run(owner.command(command), Map.of(), START_TIMEOUT.plusSeconds(30));
    }

    /** Best effort, quick: immediate shutdown, then SIGKILL of the postmaster's tree if that failed. */
    private static void emergencyStop(Path bin, Path dataDir, ProcessOwner owner) {
        Optional<ProcessHandle> postmaster = postmaster(dataDir);
        try {
            Processes.run(
                    owner.command(List.of(
                            bin.resolve("pg_ctl").toString(),
                            "--pgdata=" + dataDir,
                            "--mode=immediate",
                            "--wait",
                            "--timeout=10",
                            "stop")),
                    Map.of(),
                    Duration.ofSeconds(15));
        } catch (RuntimeException e) {
            postmaster.ifPresent(Processes::killTree);
        }
    }

    private static Optional<ProcessHandle> postmaster(Path dataDir) {
        try {
            String first =
                    Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip();
            return ProcessHandle.of(Long.parseLong(first));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return "it-" + HexFormat.of().formatHex(bytes);
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String superuser() {
        return SUPERUSER;
    }

    public String password() {
        return password;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port + "/" + database;
    }

    /** Wall time of {@link #start}, initdb included. */
    public long startupMillis() {
        return startupMillis;
    }

    public Path logFile() {
        return logFile;
    }

    /**
     * Stops the server (fast mode: open sessions and walsenders are disconnected) and starts it
     * again on the same port; returns when it accepts connections.
     */
    public void restart() {
        try {
            pgCtl(bin, dataDir, logFile, owner, "restart");
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "Postgres restart failed. Server log " + logFile + " ends with:\n" + Processes.tail(logFile, 40),
                    e);
        }
    }

    /** Stops the server; idempotent. The data directory is left for the caller to delete. */
    @Override
    public void close() {
        hook.close();
        if (postmaster(dataDir).map(ProcessHandle::isAlive).orElse(false)) {
            try {
                pgCtl(bin, dataDir, logFile, owner, "stop");
            } catch (RuntimeException e) {
                System.err.println("[backends] pg_ctl stop failed, killing Postgres: " + e.getMessage());
                emergencyStop(bin, dataDir, owner);
            }
        }
    }
}
