package io.cdcfanout.service.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces references in a config value: {@code ${NAME}} and {@code ${NAME:-default}} from the
 * environment, {@code ${file:/path}} with the content of a file (trailing newline removed), as
 * Docker and Kubernetes mount secrets.
 */
final class EnvSubstitution {

    private static final Pattern REFERENCE =
            Pattern.compile("\\$\\{(?:file:([^}]+)|([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?)}");

    private final Function<String, String> env;

    EnvSubstitution(Map<String, String> env) {
        this.env = env::get;
    }

    /** @throws IllegalArgumentException naming the variable that is not set, or the file that cannot be read */
    String apply(String text) {
        if (text.indexOf("${") < 0) {
            return text;
        }
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = m.group(1) != null ? file(m.group(1)) : variable(m.group(2), m.group(3));
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String variable(String name, String defaultValue) {
        String value = env.apply(name);
        if (value == null) {
            value = defaultValue;
        }
        if (value == null) {
            throw new IllegalArgumentException(
                    "environment variable " + name + " is not set (set it, or write ${" + name + ":-default})");
        }
        return value;
    }

    private static String file(String path) {
        try {
            return Files.readString(Path.of(path)).replaceFirst("\\r?\\n$", "");
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read secret file " + path + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
