package io.cdcfanout.it.kafka.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcfanout.it.harness.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Debezium source-connector configuration the project ships ({@code compose/connect/cdc-fanout-source.json},
 * path from the system property {@code cdc.it.connector.config}), made concrete for one test: its
 * {@code ${env:NAME}} references (resolved by the worker's EnvVarConfigProvider in a deployment) are filled
 * in with the test database's coordinates, and the names that must be unique per test (connector, slot,
 * publication, topic prefix and the one topic everything is routed to) are derived from a test name.
 * Every other setting is used exactly as shipped.
 */
public final class ShippedSourceConfig {

    static final Path FILE =
            Path.of(System.getProperty("cdc.it.connector.config", "../../compose/connect/cdc-fanout-source.json"));

    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

    private final Map<String, String> config;

    private ShippedSourceConfig(Map<String, String> config) {
        this.config = config;
    }

    /** Reads the shipped file. */
    public static ShippedSourceConfig load() {
        try {
            JsonNode root = new ObjectMapper().readTree(Files.readString(FILE));
            Map<String, String> config = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.get("config").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                config.put(e.getKey(), e.getValue().asText());
            }
            return new ShippedSourceConfig(config);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot read the shipped connector config " + FILE.toAbsolutePath()
                            + " (system property cdc.it.connector.config): " + e,
                    e);
        }
    }

    /** The shipped settings as written, {@code ${env:...}} references unresolved. */
    public Map<String, String> asShipped() {
        return new LinkedHashMap<>(config);
    }

    /** The single topic the connector named {@code name} writes to, by {@link #forDatabase}. */
    public static String changesTopic(String name) {
        return name + ".changes";
    }

    /**
     * The configuration for a connector named {@code name} on {@code db}, capturing {@code tables}
     * ({@code schema.table}).
     */
    public Map<String, String> forDatabase(TestDatabase db, String name, List<String> tables) {
        Map<String, String> env = Map.of(
                "CDC_PG_HOST", db.server().host(),
                "CDC_PG_PORT", String.valueOf(db.server().port()),
                "CDC_PG_DATABASE", db.name(),
                "CDC_PG_USER", db.server().superuser(),
                "CDC_PG_PASSWORD", db.server().password(),
                "CDC_TABLES", String.join(",", tables));
        Map<String, String> resolved = new LinkedHashMap<>();
        config.forEach((key, value) -> resolved.put(key, resolve(key, value, env)));
        resolved.put("slot.name", name);
        resolved.put("publication.name", name);
        resolved.put("topic.prefix", name);
        resolved.put("transforms.one_topic.regex", Pattern.quote(name) + "\\..+");
        resolved.put("transforms.one_topic.replacement", changesTopic(name));
        return resolved;
    }

    private static String resolve(String key, String value, Map<String, String> env) {
        Matcher m = ENV_REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = env.get(m.group(1));
            if (replacement == null) {
                throw new IllegalStateException(
                        "shipped connector setting " + key + " references ${env:" + m.group(1) + "}, unknown to tests");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
