package io.cdcfanout.service.source.kafka;

import io.cdcfanout.converter.ConnectorContract;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Debezium connector settings this mode relies on, as {@code compose/connect/cdc-fanout-source.json} ships them:
 * the embedded engine's converter settings, transaction metadata, the fence messages, and JsonConverter with
 * schemas for keys, values and headers. {@link #problems} compares a connector's configuration (as Kafka Connect's
 * REST API returns it) with them, which also covers what its records cannot show, such as {@code skipped.operations}.
 */
final class ConnectorSettings {

    static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

    /** Each setting with the value it must have. */
    static final Map<String, String> EXPECTED = expected();

    /** What Debezium or Connect does when the setting is absent, for messages. */
    private static final Map<String, String> DEFAULTS = Map.of(
            "provide.transaction.metadata", "false",
            "skipped.operations", "t: TRUNCATE is dropped",
            "decimal.handling.mode", "precise",
            "interval.handling.mode", "numeric",
            "include.unknown.datatypes", "false",
            "unavailable.value.placeholder", ConnectorContractCheck.DEBEZIUM_DEFAULT_PLACEHOLDER,
            "tombstones.on.delete", "true",
            "converters",
                    "none: interval[], money[], varbit[] and xml[] columns are dropped, bit[] arrives as NULL;"
                            + " the debezium-converters jar belongs in the connector's plugin directory",
            "value.converter.replace.null.with.default",
                    "true: a NULL in a column with a default arrives as the default");

    private ConnectorSettings() {}

    private static Map<String, String> expected() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        e.put("plugin.name", "pgoutput");
        e.put("provide.transaction.metadata", "true");
        e.put("skipped.operations", "none");
        e.put("tombstones.on.delete", "false");
        e.put("decimal.handling.mode", "string");
        e.put("datatype.propagate.source.type", ConnectorContract.PROPAGATED_SOURCE_TYPES);
        e.put("time.precision.mode", "adaptive_time_microseconds");
        e.put("interval.handling.mode", "string");
        e.put("hstore.handling.mode", "json");
        e.put("binary.handling.mode", "bytes");
        e.put("include.unknown.datatypes", "true");
        e.put("converters", ConnectorContract.ARRAY_CONVERTER_NAME);
        e.put(ConnectorContract.ARRAY_CONVERTER_NAME + ".type", ConnectorContract.ARRAY_CONVERTER_CLASS);
        e.put("unavailable.value.placeholder", ConnectorContract.UNCHANGED_TOAST_PLACEHOLDER);
        e.put("message.prefix.include.list", ConnectorContract.FENCE_MESSAGE_PREFIX);
        for (String converter : List.of("key", "value", "header")) {
            e.put(converter + ".converter", JSON_CONVERTER);
            e.put(converter + ".converter.schemas.enable", "true");
        }
        e.put("value.converter.replace.null.with.default", "false");
        return Map.copyOf(e);
    }

    /** One line per setting of {@code config} that differs from {@link #EXPECTED}; empty when all agree. */
    static List<String> problems(Map<String, String> config) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(EXPECTED).entrySet()) {
            String key = e.getKey();
            String actual = config.get(key);
            if (!agrees(key, actual, e.getValue())) {
                String is = actual == null
                        ? "not set" + (DEFAULTS.containsKey(key) ? " (default " + DEFAULTS.get(key) + ")" : "")
                        : "'" + actual + "'";
                problems.add(key + " is " + is + ": set " + key + "=" + e.getValue());
            }
        }
        return problems;
    }

    private static boolean agrees(String key, String actual, String expected) {
        if (actual == null) {
            return false;
        }
        if (key.equals("message.prefix.include.list") || key.equals("converters")) {
            return Arrays.stream(actual.split(",")).map(String::trim).anyMatch(expected::equals);
        }
        if (key.equals("datatype.propagate.source.type")) {
            List<String> listed =
                    Arrays.stream(actual.split(",")).map(String::trim).toList();
            return Arrays.stream(expected.split(",")).allMatch(listed::contains);
        }
        if (key.equals("skipped.operations")) {
            return actual.trim().equals("none");
        }
        return actual.trim().equalsIgnoreCase(expected);
    }
}
