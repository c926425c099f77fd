package io.cdcfanout.testbackends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extraction of the Maven Central Postgres archive: modes and links kept, atomic, safe when processes race. */
class BundledPostgresTest {

    @TempDir
    Path dir;

    @Test
    void extractsWithFileModesAndSymbolicLinksIntoAWorldReadableDirectory() throws Exception {
        byte[] archive = postgresLikeArchive();
        Path target = dir.resolve("cdc-fanout-postgres-test");

        BundledPostgres.extractOnce(() -> new ByteArrayInputStream(archive), target);

        assertThat(BundledPostgres.isComplete(target)).isTrue();
        assertThat(Files.getPosixFilePermissions(target)).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(Files.getPosixFilePermissions(target.resolve("bin/initdb")))
                .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(Files.getPosixFilePermissions(target.resolve("lib/libpq.so.5.17")))
                .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Files.isSymbolicLink(target.resolve("lib/libpq.so.5"))).isTrue();
        assertThat(Files.readSymbolicLink(target.resolve("lib/libpq.so.5"))).isEqualTo(Path.of("libpq.so.5.17"));
        assertThat(Files.readString(target.resolve("lib/libpq.so.5"))).isEqualTo("libpq");
        assertThat(leftovers()).as("no temporary directory left").isEmpty();
    }

    @Test
    void aCompleteCopyIsReusedWithoutReadingTheArchive() throws Exception {
        byte[] archive = postgresLikeArchive();
        Path target = dir.resolve("cdc-fanout-postgres-test");
        BundledPostgres.extractOnce(() -> new ByteArrayInputStream(archive), target);

        BundledPostgres.extractOnce(
                () -> {
                    throw new IOException("must not be opened again");
                },
                target);

        assertThat(BundledPostgres.isComplete(target)).isTrue();
    }

    @Test
    void racingExtractionsAllSucceedWithOneCompleteCopy() throws Exception {
        byte[] archive = postgresLikeArchive();
        Path target = dir.resolve("cdc-fanout-postgres-test");
        int racers = 4;
        CyclicBarrier start = new CyclicBarrier(racers);
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < racers; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return BundledPostgres.extractOnce(() -> new ByteArrayInputStream(archive), target);
                }));
            }
            for (Future<Path> result : results) {
                assertThat(result.get()).isEqualTo(target);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(BundledPostgres.isComplete(target)).isTrue();
        assertThat(leftovers())
                .as("the losers' temporary directories are deleted")
                .isEmpty();
    }

    @Test
    void anEntryPointingOutsideTheTargetIsRefusedAndNothingIsLeft() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new XZCompressorOutputStream(bytes))) {
            file(tar, "../escaped", 0644, "x");
        }
        Path target = dir.resolve("cdc-fanout-postgres-test");

        assertThatThrownBy(
                        () -> BundledPostgres.extractOnce(() -> new ByteArrayInputStream(bytes.toByteArray()), target))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("outside");
        assertThat(dir.resolve("escaped")).doesNotExist();
        assertThat(target).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp"))
                    .toList();
        }
    }

    /** The layout of the zonky archive in miniature: bin/, lib/ with a versioned library and its link, lib/postgresql/pgoutput.so. */
    private static byte[] postgresLikeArchive() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new XZCompressorOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            directory(tar, "bin/");
            for (String name : new String[] {"initdb", "pg_ctl", "postgres"}) {
                file(tar, "bin/" + name, 0755, "#!/bin/sh\n");
            }
            directory(tar, "lib/");
            file(tar, "lib/libpq.so.5.17", 0644, "libpq");
            TarArchiveEntry link = new TarArchiveEntry("lib/libpq.so.5", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("libpq.so.5.17");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
            directory(tar, "lib/postgresql/");
            file(tar, "lib/postgresql/pgoutput.so", 0755, "so");
        }
        return bytes.toByteArray();
    }

    private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(040755);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, int mode, String content) throws IOException {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(0100000 | mode);
        entry.setSize(data.length);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
    }
}
