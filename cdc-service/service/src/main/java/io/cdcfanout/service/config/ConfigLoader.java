package io.cdcfanout.service.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.BoundSink;
import io.cdcfanout.sink.SinkConfig;
import io.cdcfanout.sink.SinkFactory;
import io.cdcfanout.sink.SinkRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads the YAML configuration into a validated {@link ServiceConfig}.
 *
 * <p>Keys are kebab-case; unknown keys, wrong types, missing required keys and invalid values are
 * errors whose message reads {@code FILE:LINE: KEY.PATH: what is wrong and what to write}.
 * {@code ${NAME}} and {@code ${NAME:-default}} in values are taken from the environment.
 */
public final class ConfigLoader {

    private final ObjectMapper mapper;
    private final SinkRegistry sinks;
    private final EnvSubstitution substitution;

    public ConfigLoader(SinkRegistry sinks, Map<String, String> environment) {
        this.sinks = sinks;
        this.substitution = new EnvSubstitution(environment);
        this.mapper = newMapper(sinks);
    }

    public static ConfigLoader withSystemEnvironment() {
        return new ConfigLoader(SinkRegistry.load(), System.getenv());
    }

    public ServiceConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses configuration text; {@code fileName} only labels the messages. */
    public ServiceConfig parse(String yaml, String fileName) {
        YamlLocations locations;
        JsonNode tree;
        try {
            locations = new YamlLocations(yaml);
            tree = mapper.readTree(yaml);
        } catch (MarkedYAMLException e) {
            throw new ConfigException(
                    fileName + ":" + (e.getProblemMark().getLine() + 1) + ": not valid YAML: " + e.getProblem());
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new ConfigException(fileName + ":" + line + ": not valid YAML: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException(
                    fileName + ":1: expected a mapping with keys source, sinks (and optionally offsets, http)");
        }
        ErrorFormatter errors = new ErrorFormatter(fileName, locations);
        substituteEnvironment(tree, new ArrayList<>(), errors);
        Map<String, SinkFactory<?>> factories = sinkFactories(tree, errors);
        Map<String, LagPolicy> lag = lagPolicies(tree, factories, errors);
        ConfigFile file;
        try {
            file = mapper.treeToValue(tree, ConfigFile.class);
        } catch (JsonMappingException e) {
            throw errors.bindingError(e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(fileName + ": " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(fileName + ": " + e.getMessage(), e);
        }
        try {
            return new ServiceConfig(
                    file.source(),
                    file.offsets(),
                    file.http(),
                    bind(file.sinks(), factories),
                    lag,
                    new io.cdcfanout.sink.view.ViewCatalog(file.views()));
        } catch (ServiceConfig.AtKeyException e) {
            throw errors.at(e.path(), e.getMessage());
        } catch (IllegalArgumentException e) {
            throw errors.at(List.of(), e.getMessage()); // as binding reports a check of the whole file
        }
    }

    private void substituteEnvironment(JsonNode node, List<Object> path, ErrorFormatter errors) {
        if (node.isObject()) {
            ObjectNode object = (ObjectNode) node;
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode child = object.get(name);
                path.add(name);
                if (child.isTextual()) {
                    object.set(name, substituted(child.textValue(), path, errors));
                } else {
                    substituteEnvironment(child, path, errors);
                }
                path.remove(path.size() - 1);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode child = node.get(i);
                path.add(i);
                if (child.isTextual()) {
                    ((com.fasterxml.jackson.databind.node.ArrayNode) node)
                            .set(i, substituted(child.textValue(), path, errors));
                } else {
                    substituteEnvironment(child, path, errors);
                }
                path.remove(path.size() - 1);
            }
        }
    }

    private TextNode substituted(String text, List<Object> path, ErrorFormatter errors) {
        try {
            return TextNode.valueOf(substitution.apply(text));
        } catch (IllegalArgumentException e) {
            throw errors.at(path, e.getMessage());
        }
    }

    /**
     * The file as written, before its sinks are paired with their factories; {@link ServiceConfig} checks it.
     * Each sink's config is bound to the record of its {@code type} (see {@link #newMapper}).
     */
    record ConfigFile(
            SourceConfig source,
            OffsetsConfig offsets,
            HttpConfig http,
            Map<String, SinkConfig> sinks,
            Map<String, io.cdcfanout.sink.view.ViewDefinition> views) {}

    private static Map<String, BoundSink<?>> bind(
            Map<String, SinkConfig> configs, Map<String, SinkFactory<?>> factories) {
        if (configs == null) {
            return null; // ServiceConfig names the missing key
        }
        Map<String, BoundSink<?>> bound = new LinkedHashMap<>();
        configs.forEach((name, config) ->
                bound.put(name, config == null ? null : BoundSink.of(name, factories.get(name), config)));
        return bound;
    }

    /**
     * Each sink's factory by sink name, from its {@code type}. Checked before binding so the messages can list
     * the supported types; empty when there is no {@code sinks} mapping (binding reports that).
     */
    private Map<String, SinkFactory<?>> sinkFactories(JsonNode tree, ErrorFormatter errors) {
        Map<String, SinkFactory<?>> factories = new LinkedHashMap<>();
        JsonNode sinkNodes = tree.get("sinks");
        if (sinkNodes == null || !sinkNodes.isObject()) {
            return factories;
        }
        String supported = sinks.supportedTypes();
        if (sinkNodes.isEmpty()) {
            throw errors.at(List.of(), "'sinks' is empty: configure at least one sink (types: " + supported + ")");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = sinkNodes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> sink = it.next();
            List<Object> path = List.of("sinks", sink.getKey());
            if (!sink.getValue().isObject()) {
                throw errors.at(path, "expected a mapping with 'type' and the sink's keys");
            }
            JsonNode type = sink.getValue().get("type");
            if (type == null || !type.isTextual()) {
                throw errors.at(path, "missing required key 'type'; supported types: " + supported);
            }
            if (!sinks.factories().containsKey(type.textValue())) {
                throw errors.at(
                        List.of("sinks", sink.getKey(), "type"),
                        "unknown sink type '" + type.textValue() + "'; supported types: " + supported);
            }
            factories.put(sink.getKey(), sinks.factory(type.textValue()));
        }
        return factories;
    }

    /** Keys every sink has besides its type's own: the pipeline reads them, not the sink. */
    static final List<String> PIPELINE_SINK_KEYS = List.of("max-lag", "on-lag");

    /**
     * Takes {@code on-lag} and {@code max-lag} out of each sink's mapping (its type's record does not know them) and
     * turns them into the sink's {@link LagPolicy}, the type's default where absent.
     */
    private static Map<String, LagPolicy> lagPolicies(
            JsonNode tree, Map<String, SinkFactory<?>> factories, ErrorFormatter errors) {
        Map<String, LagPolicy> policies = new LinkedHashMap<>();
        factories.forEach((name, factory) -> {
            ObjectNode sink = (ObjectNode) tree.get("sinks").get(name);
            JsonNode onLag = sink.remove("on-lag");
            JsonNode maxLag = sink.remove("max-lag");
            List<Object> at = List.of("sinks", name, "on-lag");
            LagPolicy.OnLag mode;
            if (onLag == null) {
                mode = LagPolicy.defaultFor(factory.type()).onLag();
            } else if (onLag.isTextual()
                    && (onLag.textValue().equals("wait") || onLag.textValue().equals("detach"))) {
                mode = onLag.textValue().equals("wait") ? LagPolicy.OnLag.WAIT : LagPolicy.OnLag.DETACH;
            } else {
                throw errors.at(at, "expected wait or detach, not '" + onLag.asText() + "'");
            }
            if (mode == LagPolicy.OnLag.WAIT) {
                if (maxLag != null) {
                    throw errors.at(
                            List.of("sinks", name, "max-lag"),
                            "applies to on-lag: detach only (a waiting sink holds the stream however far behind)");
                }
                policies.put(name, LagPolicy.WAIT);
                return;
            }
            if (maxLag == null) {
                policies.put(name, LagPolicy.detachByDefault());
                return;
            }
            List<Object> budget = List.of("sinks", name, "max-lag");
            if (!maxLag.isObject()) {
                throw errors.at(budget, "expected a mapping with wal (a size, e.g. 1GiB) and/or time (e.g. 15m)");
            }
            long bytes = 0;
            java.time.Duration time = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = maxLag.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                List<Object> key = List.of("sinks", name, "max-lag", e.getKey());
                try {
                    switch (e.getKey()) {
                        case "wal" -> bytes = ByteSizes.parse(e.getValue().asText());
                        case "time" -> time = Durations.parse(e.getValue().asText());
                        default ->
                            throw errors.at(key, "unknown key '" + e.getKey() + "'; supported keys here: time, wal");
                    }
                } catch (IllegalArgumentException ex) {
                    throw errors.at(key, ex.getMessage());
                }
            }
            try {
                policies.put(name, new LagPolicy(mode, bytes, time));
            } catch (IllegalArgumentException ex) {
                throw errors.at(budget, ex.getMessage());
            }
        });
        return policies;
    }

    private static ObjectMapper newMapper(SinkRegistry sinks) {
        SimpleModule module = new SimpleModule("cdc-fanout-config");
        module.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                try {
                    return Durations.parse(p.getValueAsString());
                } catch (IllegalArgumentException e) {
                    throw InvalidFormatException.from(p, e.getMessage(), p.getValueAsString(), Duration.class);
                }
            }
        });
        module.addKeyDeserializer(TableId.class, new KeyDeserializer() {
            @Override
            public Object deserializeKey(String key, DeserializationContext ctx) throws IOException {
                try {
                    return TableId.parse(key);
                } catch (IllegalArgumentException e) {
                    throw InvalidFormatException.from(ctx.getParser(), e.getMessage(), key, TableId.class);
                }
            }
        });
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .registerModule(module);
        for (SinkFactory<?> factory : sinks.factories().values()) {
            mapper.registerSubtypes(new NamedType(factory.configType(), factory.type()));
        }
        return mapper;
    }

    /** Turns binding failures into {@code file:line: key.path: message}. */
    private record ErrorFormatter(String fileName, YamlLocations locations) {

        /** A check's message that starts with the key path it is about, e.g. {@code one.customer: missing ...}. */
        private static final java.util.regex.Pattern RELATIVE_PATH =
                java.util.regex.Pattern.compile("(?s)([a-z0-9_-]+(?:\\.[a-z0-9_-]+)*): (.*)");

        ConfigException at(List<Object> path, String message) {
            return new ConfigException(fileName + ":" + locations.line(path).orElse(1) + ": "
                    + (path.isEmpty() ? "" : keyPath(path) + ": ") + message);
        }

        ConfigException bindingError(JsonMappingException e) {
            List<Object> path = e.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? (Object) ref.getFieldName() : (Object) ref.getIndex())
                    .collect(Collectors.toCollection(ArrayList::new));
            String message;
            if (e instanceof UnrecognizedPropertyException u) {
                java.util.TreeSet<String> keys = new java.util.TreeSet<>();
                if (u.getKnownPropertyIds() != null) {
                    u.getKnownPropertyIds().forEach(k -> keys.add(k.toString()));
                    keys.remove("type");
                    if (path.size() == 3 && "sinks".equals(path.get(0))) {
                        keys.addAll(PIPELINE_SINK_KEYS);
                    }
                }
                String known = String.join(", ", keys);
                message = "unknown key '" + u.getPropertyName() + "'"
                        + (known.isEmpty() ? "" : "; supported keys here: " + known);
            } else if (e instanceof ValueInstantiationException v) {
                Throwable cause = v.getCause() != null ? v.getCause() : v;
                message = cause.getMessage();
                java.util.regex.Matcher relative = RELATIVE_PATH.matcher(message);
                if (!path.isEmpty() && "views".equals(path.get(0)) && relative.matches()) {
                    path.addAll(List.of(relative.group(1).split("\\.")));
                    message = relative.group(2);
                }
            } else if (e instanceof InvalidFormatException f) {
                message = f.getOriginalMessage().startsWith("not ")
                        ? f.getOriginalMessage()
                        : "expected " + typeName(f.getTargetType()) + ", not '" + f.getValue() + "'";
            } else if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
                message = "expected " + typeName(m.getTargetType()) + " here";
            } else {
                message = e.getOriginalMessage();
            }
            return at(path, message);
        }

        private static String typeName(Class<?> type) {
            if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
                return "a whole number";
            }
            if (type == Boolean.class || type == boolean.class) {
                return "true or false";
            }
            if (type == String.class) {
                return "a text value";
            }
            if (List.class.isAssignableFrom(type) || java.util.Set.class.isAssignableFrom(type)) {
                return "a list";
            }
            if (Map.class.isAssignableFrom(type) || type.isRecord()) {
                return "a mapping";
            }
            if (type == Duration.class) {
                return "a duration (e.g. 500ms, 10s, 5m)";
            }
            return "a " + type.getSimpleName();
        }

        private static String keyPath(List<Object> path) {
            StringBuilder out = new StringBuilder();
            for (Object step : path) {
                if (step instanceof Integer i) {
                    out.append('[').append(i).append(']');
                } else {
                    if (!out.isEmpty()) {
                        out.append('.');
                    }
                    out.append(step);
                }
            }
            return out.toString();
        }
    }
}
