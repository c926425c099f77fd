package io.cdcfanout.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * SQL examples taken from the documentation (README.md and docs/*.md), so the tests run exactly what
 * the documentation shows.
 */
public final class ReadmeSql {

    private static final Pattern SQL_BLOCK = Pattern.compile("```sql\\n(.*?)```", Pattern.DOTALL);
    private static final Path ROOT = Path.of("..", "..");

    private ReadmeSql() {}

    /** The documented query joining orders to the tax rate valid when each was placed (docs/history-sink.md). */
    public static String taxAtOrderTime() {
        return blockContaining("history.tax_rates");
    }

    private static String blockContaining(String text) {
        try {
            for (Path file : documentation()) {
                Matcher m = SQL_BLOCK.matcher(Files.readString(file));
                while (m.find()) {
                    if (m.group(1).contains(text)) {
                        return m.group(1).trim().replaceAll(";$", "");
                    }
                }
            }
            throw new IllegalStateException("neither README.md nor docs/*.md has a ```sql block mentioning " + text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** README.md, then every Markdown file under docs/, in name order. */
    private static List<Path> documentation() throws IOException {
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(f -> f.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }
}
