package io.cdcfanout.testbackends;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Postgres server binaries: a {@code bin} directory with {@code initdb}, {@code pg_ctl} and
 * {@code postgres}, the major version they are, and where they come from (for logs). Chosen in
 * this order:
 * <ol>
 *   <li>env {@code CDC_IT_PG_BIN};</li>
 *   <li>the newest {@code /usr/lib/postgresql/<major>/bin} installed on the machine;</li>
 *   <li>the newest Postgres binaries from Maven Central the build unpacked ({@link BundledPostgres}),
 *       extracted once per machine.</li>
 * </ol>
 * {@link #select(Map, int)} picks binaries of one given major version in the same order: the
 * explicit ones if they are that version, the installed ones of that version, Maven Central's of that version.
 *
 * @param bin    the directory holding {@code initdb}, {@code pg_ctl} and {@code postgres}
 * @param major  e.g. 15
 * @param origin e.g. "CDC_IT_PG_BIN", "installed", "Maven Central"
 */
public record PostgresBinaries(Path bin, int major, String origin) {

    /** Where Debian and Ubuntu install server binaries, one directory per major version. */
    public static final Path SYSTEM_ROOT = Path.of("/usr/lib/postgresql");

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");

    /** The bin directory of {@link #select(Map)}; what callers that only run the binaries need. */
    public static Path find(Map<String, String> env) {
        return select(env).bin();
    }

    /**
     * The binaries the local backends run by default.
     *
     * @throws BackendsUnavailableException when {@code CDC_IT_PG_BIN} is not usable, or when nothing is
     *                                      installed and the Maven Central binaries cannot be used here
     */
    public static PostgresBinaries select(Map<String, String> env) {
        return select(env, SYSTEM_ROOT, () -> BundledPostgres.extracted(BundledPostgres.newestMajor()));
    }

    /**
     * Binaries of Postgres {@code major}: {@code CDC_IT_PG_BIN} if it is that version, else
     * {@code /usr/lib/postgresql/<major>/bin}, else the Maven Central binaries of that version.
     *
     * @throws BackendsUnavailableException saying how to install them when there are none
     */
    public static PostgresBinaries select(Map<String, String> env, int major) {
        return select(env, major, SYSTEM_ROOT, BundledPostgres.majors(), BundledPostgres::extracted);
    }

    /** {@link #select(Map)} with the places to look passed in (for tests). */
    static PostgresBinaries select(Map<String, String> env, Path systemRoot, Supplier<PostgresBinaries> bundled) {
        PostgresBinaries explicit = explicit(env);
        if (explicit != null) {
            return explicit;
        }
        PostgresBinaries newest = null;
        if (Files.isDirectory(systemRoot)) {
            try (DirectoryStream<Path> versions = Files.newDirectoryStream(systemRoot)) {
                for (Path version : versions) {
                    int major = parseMajor(version.getFileName().toString());
                    if (major > 0 && (newest == null || major > newest.major()) && isComplete(version.resolve("bin"))) {
                        newest = new PostgresBinaries(version.resolve("bin"), major, "installed");
                    }
                }
            } catch (IOException e) {
                // treated as "none installed"
            }
        }
        return newest != null ? newest : bundled.get();
    }

    /** {@link #select(Map, int)} with the places to look passed in (for tests). */
    static PostgresBinaries select(
            Map<String, String> env,
            int major,
            Path systemRoot,
            List<Integer> bundledMajors,
            IntFunction<PostgresBinaries> bundled) {
        PostgresBinaries explicit = explicit(env);
        if (explicit != null && explicit.major() == major) {
            return explicit;
        }
        Path installed = systemRoot.resolve(Integer.toString(major)).resolve("bin");
        if (isComplete(installed)) {
            return new PostgresBinaries(installed, major, "installed");
        }
        if (bundledMajors.contains(major)) {
            return bundled.apply(major);
        }
        throw new BackendsUnavailableException("no Postgres " + major + " server binaries: nothing in " + installed
                + (explicit != null ? ", CDC_IT_PG_BIN is Postgres " + explicit.major() : "")
                + ", and the build has Maven Central ones only for Postgres " + bundledMajors
                + ". Install them (Debian: apt-get install postgresql-" + major
                + ") or point CDC_IT_PG_BIN at a Postgres " + major + " bin directory.");
    }

    private static PostgresBinaries explicit(Map<String, String> env) {
        String explicit = env.get("CDC_IT_PG_BIN");
        if (explicit == null || explicit.isBlank()) {
            return null;
        }
        Path bin = Path.of(explicit);
        if (!isComplete(bin)) {
            throw new BackendsUnavailableException(
                    "CDC_IT_PG_BIN=" + explicit + " has no executable initdb, pg_ctl and postgres;"
                            + " point it at a Postgres server bin directory or unset it.");
        }
        return new PostgresBinaries(bin, majorVersion(bin), "CDC_IT_PG_BIN");
    }

    static boolean isComplete(Path bin) {
        return List.of("initdb", "pg_ctl", "postgres").stream().allMatch(name -> Files.isExecutable(bin.resolve(name)));
    }

    /** The major version {@code bin/postgres --version} reports. */
    static int majorVersion(Path bin) {
        String out;
        try {
            out = Processes.run(
                    List.of(bin.resolve("postgres").toString(), "--version"), Map.of(), Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            throw new BackendsUnavailableException(bin.resolve("postgres") + " --version failed: "
                    + BackendsUnavailableException.firstLine(e.getMessage()));
        }
        Matcher m = VERSION.matcher(out);
        if (!m.find()) {
            throw new BackendsUnavailableException(bin.resolve("postgres") + " --version printed no version: "
                    + BackendsUnavailableException.firstLine(out));
        }
        return Integer.parseInt(m.group(1));
    }

    private static int parseMajor(String name) {
        try {
            return (int) Double.parseDouble(name);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** For logs, e.g. "Postgres 17 (Maven Central) in /tmp/cdc-fanout-postgres-17.5.0/bin". */
    public String describe() {
        return "Postgres " + major + " (" + origin + ") in " + bin;
    }
}
