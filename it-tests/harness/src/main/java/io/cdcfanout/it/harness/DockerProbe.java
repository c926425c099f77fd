package io.cdcfanout.it.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.testcontainers.DockerClientFactory;

/**
 * Whether Testcontainers can be used. Asking Testcontainers directly on a machine without Docker
 * logs errors and walks every strategy, so it is asked only when something Docker-like exists:
 * {@code DOCKER_HOST}, a Testcontainers config file, or a well-known socket.
 */
final class DockerProbe {

    private DockerProbe() {}

    static boolean isDockerAvailable(Map<String, String> env) {
        if (!looksLikeDocker(env)) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) { // NoClassDefFoundError and friends count as "no Docker" too
            BackendsLog.info("Docker looked present but Testcontainers cannot use it (" + e + ")");
            return false;
        }
    }

    private static boolean looksLikeDocker(Map<String, String> env) {
        if (env.containsKey("DOCKER_HOST")) {
            return true;
        }
        String home = System.getProperty("user.home");
        List<Path> candidates = List.of(
                Path.of(home, ".testcontainers.properties"),
                Path.of("/var/run/docker.sock"),
                Path.of(home, ".docker/run/docker.sock"),
                Path.of(home, ".docker/desktop/docker.sock"),
                Path.of(home, ".colima/default/docker.sock"),
                Path.of(home, ".rd/docker.sock"),
                Path.of(env.getOrDefault("XDG_RUNTIME_DIR", "/nonexistent"), "docker.sock"));
        return candidates.stream().anyMatch(Files::exists);
    }
}
