package io.cdcfanout.testbackends;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds a JDK new enough to run Elasticsearch (the build itself may run on an older one). */
public final class JavaHomes {

    /** Elasticsearch 9 needs Java 21 or newer. */
    public static final int ELASTICSEARCH_MINIMUM = 21;

    private static final Pattern JAVA_VERSION = Pattern.compile("^JAVA_VERSION=\"?(\\d+)", Pattern.MULTILINE);

    private JavaHomes() {}

    /**
     * In order: env {@code CDC_IT_ES_JAVA_HOME} (must qualify), {@code JAVA_HOME} if it is
     * {@code >= minimum}, the newest JDK under {@code /usr/lib/jvm} that is {@code >= minimum}.
     *
     * @throws BackendsUnavailableException naming what was tried when none qualifies
     */
    public static Path find(Map<String, String> env, int minimum) {
        String explicit = env.get("CDC_IT_ES_JAVA_HOME");
        if (explicit != null && !explicit.isBlank()) {
            Path home = Path.of(explicit);
            int version = majorVersion(home)
                    .orElseThrow(() -> new BackendsUnavailableException(
                            "CDC_IT_ES_JAVA_HOME=" + explicit + " is not a JDK (no bin/java and release file)"));
            if (version < minimum) {
                throw new BackendsUnavailableException("CDC_IT_ES_JAVA_HOME=" + explicit + " is Java " + version
                        + "; Elasticsearch needs " + minimum + "+");
            }
            return home;
        }
        String javaHome = env.get("JAVA_HOME");
        if (javaHome != null && majorVersion(Path.of(javaHome)).orElse(0) >= minimum) {
            return Path.of(javaHome);
        }
        return newestUnder(Path.of("/usr/lib/jvm"), minimum)
                .orElseThrow(() -> new BackendsUnavailableException(
                        "Elasticsearch needs a JDK " + minimum + "+, and none was found (JAVA_HOME=" + javaHome
                                + ", nothing suitable under /usr/lib/jvm). Install one (e.g. apt-get install openjdk-21-jdk-headless"
                                + " or a Temurin 21/25 JDK) or point CDC_IT_ES_JAVA_HOME at it."));
    }

    private static Optional<Path> newestUnder(Path dir, int minimum) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> homes = Files.newDirectoryStream(dir)) {
            Path best = null;
            int bestVersion = 0;
            for (Path home : homes) {
                int version = majorVersion(home).orElse(0);
                if (version >= minimum && version > bestVersion) {
                    best = home;
                    bestVersion = version;
                }
            }
            return Optional.ofNullable(best);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The feature version from the JDK's {@code release} file; empty when {@code home} is not a JDK. */
    public static OptionalInt majorVersion(Path home) {
        Path release = home.resolve("release");
        if (!Files.isExecutable(home.resolve("bin/java")) || !Files.isReadable(release)) {
            return OptionalInt.empty();
        }
        try {
            Matcher m = JAVA_VERSION.matcher(Files.readString(release));
            if (!m.find()) {
                return OptionalInt.empty();
            }
            int first = Integer.parseInt(m.group(1));
            // Java 8 and older report "1.8.0_x"
            return OptionalInt.of(first == 1 ? 8 : first);
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
