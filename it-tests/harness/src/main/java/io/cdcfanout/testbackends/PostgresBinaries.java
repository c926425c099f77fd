package io.cdcfanout.testbackends;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Locates the Postgres server binaries ({@code initdb}, {@code pg_ctl}). */
public final class PostgresBinaries {

    private PostgresBinaries() {
    }

    /**
     * Env {@code CDC_IT_PG_BIN}, else the newest {@code /usr/lib/postgresql/<major>/bin}.
     *
     * @throws IllegalStateException with an install hint when there are none
     */
    public static Path find(Map<String, String> env) {
        String explicit = env.get("CDC_IT_PG_BIN");
        if (explicit != null && !explicit.isBlank()) {
            Path bin = Path.of(explicit);
            if (!Files.isExecutable(bin.resolve("initdb")) || !Files.isExecutable(bin.resolve("pg_ctl"))) {
                throw new IllegalStateException("CDC_IT_PG_BIN=" + explicit + " has no executable initdb and pg_ctl");
            }
            return bin;
        }
        Path root = Path.of("/usr/lib/postgresql");
        Path best = null;
        int bestMajor = 0;
        if (Files.isDirectory(root)) {
            try (DirectoryStream<Path> versions = Files.newDirectoryStream(root)) {
                for (Path version : versions) {
                    int major = parseMajor(version.getFileName().toString());
                    if (major > bestMajor && Files.isExecutable(version.resolve("bin/initdb"))) {
                        best = version.resolve("bin");
                        bestMajor = major;
                    }
                }
            } catch (IOException e) {
                // treated as "none found" below
            }
        }
        if (best == null) {
            throw new IllegalStateException("no Postgres server binaries: nothing in /usr/lib/postgresql/*/bin/initdb."
                    + " Install them (Debian: apt-get install postgresql-15) or point CDC_IT_PG_BIN at a bin directory with initdb and pg_ctl.");
        }
        return best;
    }

    private static int parseMajor(String name) {
        try {
            return (int) Double.parseDouble(name);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
