package io.cdcfanout.testbackends;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The OS user that backend processes run as. Postgres and Elasticsearch refuse to run as root, so a
 * JVM running as root starts them as an unprivileged user (env {@code CDC_IT_OS_USER}, default
 * {@code cdcfanout}) through {@code setpriv}; any other JVM starts them as itself.
 */
public final class ProcessOwner {

    public static final String DEFAULT_USER = "cdcfanout";

    private final String user;
    private final String uid;
    private final String gid;

    private ProcessOwner(String user, String uid, String gid) {
        this.user = user;
        this.uid = uid;
        this.gid = gid;
    }

    /**
     * The owner for this JVM.
     *
     * @throws IllegalStateException when running as root and the unprivileged user does not exist
     */
    public static ProcessOwner forThisJvm(Map<String, String> env) {
        if (!runningAsRoot()) {
            return new ProcessOwner(null, null, null);
        }
        String name = env.getOrDefault("CDC_IT_OS_USER", DEFAULT_USER);
        try {
            String uid = Processes.run(List.of("id", "-u", name), Map.of(), Duration.ofSeconds(10)).strip();
            String gid = Processes.run(List.of("id", "-g", name), Map.of(), Duration.ofSeconds(10)).strip();
            return new ProcessOwner(name, uid, gid);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("Postgres and Elasticsearch refuse to run as root, and the unprivileged OS user '"
                    + name + "' to run them as does not exist. Create it with:  useradd --system --user-group --shell /usr/sbin/nologin "
                    + name + "   (or name another existing user in CDC_IT_OS_USER)", e);
        }
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
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups", "--"));
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
