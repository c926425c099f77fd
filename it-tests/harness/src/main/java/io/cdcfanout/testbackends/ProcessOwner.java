package io.cdcfanout.testbackends;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The OS user that backend processes run as. Postgres and Elasticsearch refuse to run as root, so a
 * JVM running as root starts them as an unprivileged user (env {@code CDC_IT_OS_USER}, default
 * {@code cdcfanout}) through {@code setpriv}, and creates that user first if it does not exist (a
 * system account with its own group, no home and no login shell); any other JVM starts them as itself.
 */
public final class ProcessOwner {

    public static final String DEFAULT_USER = "cdcfanout";

    /** useradd's exit code for "user already exists": another JVM created it a moment ago. */
    private static final int USERADD_EXISTS = 9;

    private final String user;
    private final String uid;
    private final String gid;

    private ProcessOwner(String user, String uid, String gid) {
        this.user = user;
        this.uid = uid;
        this.gid = gid;
    }

    /** As {@link #forThisJvm(Map, Consumer)}, logging to stderr. */
    public static ProcessOwner forThisJvm(Map<String, String> env) {
        return forThisJvm(env, line -> System.err.println("[backends] " + line));
    }

    /**
     * The owner for this JVM. As root, creates the unprivileged user when it is missing, and says
     * so in one line to {@code log}; tolerates another process creating it at the same time.
     *
     * @throws BackendsUnavailableException when running as root and the user neither exists nor can be created
     */
    public static ProcessOwner forThisJvm(Map<String, String> env, Consumer<String> log) {
        if (!runningAsRoot()) {
            return new ProcessOwner(null, null, null);
        }
        String name = env.getOrDefault("CDC_IT_OS_USER", DEFAULT_USER);
        if (!exists(name)) {
            create(name, log);
        }
        String uid = idOf(name, "-u");
        String gid = idOf(name, "-g");
        return new ProcessOwner(name, uid, gid);
    }

    private static synchronized void create(String name, Consumer<String> log) {
        if (exists(name)) {
            return; // another thread of this JVM was first
        }
        List<String> useradd = List.of(
                "useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name);
        Processes.Result result;
        try {
            result = Processes.exec(useradd, Map.of(), Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            throw cannotCreate(name, e.getMessage());
        }
        if (result.exitCode() == 0) {
            log.accept("created the unprivileged OS user '" + name + "' (" + String.join(" ", useradd)
                    + ") to run Postgres and Elasticsearch as, since they refuse to run as root");
        } else if (result.exitCode() != USERADD_EXISTS) {
            throw cannotCreate(
                    name,
                    "useradd exit code " + result.exitCode() + ": "
                            + BackendsUnavailableException.firstLine(result.output()));
        }
    }

    private static BackendsUnavailableException cannotCreate(String name, String why) {
        return new BackendsUnavailableException(
                "Postgres and Elasticsearch refuse to run as root, and the unprivileged OS user '" + name
                        + "' to run them as does not exist and cannot be created ("
                        + BackendsUnavailableException.firstLine(why)
                        + "). Create it with 'useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "
                        + name
                        + "' or name an existing user in CDC_IT_OS_USER.");
    }

    private static boolean exists(String name) {
        try {
            return Processes.exec(List.of("id", "-u", name), Map.of(), Duration.ofSeconds(10))
                            .exitCode()
                    == 0;
        } catch (RuntimeException e) {
            throw new BackendsUnavailableException("cannot look up the OS user '" + name + "' with 'id': "
                    + BackendsUnavailableException.firstLine(e.getMessage()));
        }
    }

    private static String idOf(String name, String flag) {
        Processes.Result result = Processes.exec(List.of("id", flag, name), Map.of(), Duration.ofSeconds(10));
        if (result.exitCode() != 0) {
            throw new BackendsUnavailableException(
                    "the OS user '" + name + "' vanished while the backends were being prepared: "
                            + BackendsUnavailableException.firstLine(result.output()));
        }
        return result.output().strip();
    }

    private static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** Whether commands are switched to another user. */
    public boolean switchesUser() {
        return user != null;
    }

    /** For logs. */
    public String describe() {
        return user != null ? "user " + user : "user " + System.getProperty("user.name");
    }

    /** {@code command}, prefixed so that it runs as this owner. {@code setpriv} execs, so the PID stays the command's. */
    public List<String> command(List<String> command) {
        if (user == null) {
            return command;
        }
        List<String> wrapped =
                new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Makes the tree at {@code path} belong to this owner (no-op when not switching users). */
    public void own(Path path) {
        if (user != null) {
            Processes.run(List.of("chown", "-R", uid + ":" + gid, path.toString()), Map.of(), Duration.ofMinutes(2));
        }
    }
}
