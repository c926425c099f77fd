package io.cdcfanout.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** SQL examples taken from README.md, so the tests run exactly what the README shows. */
public final class ReadmeSql {

    private static final Pattern SQL_BLOCK = Pattern.compile("```sql\\n(.*?)```", Pattern.DOTALL);

    private ReadmeSql() {
    }

    /** The README's query joining orders to the tax rate valid when each was placed. */
    public static String taxAtOrderTime() {
        return blockContaining("history.tax_rates");
    }

    private static String blockContaining(String text) {
        try {
            Matcher m = SQL_BLOCK.matcher(Files.readString(Path.of("..", "..", "README.md")));
            while (m.find()) {
                if (m.group(1).contains(text)) {
                    return m.group(1).trim().replaceAll(";$", "");
                }
            }
            throw new IllegalStateException("README.md has no ```sql block mentioning " + text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
