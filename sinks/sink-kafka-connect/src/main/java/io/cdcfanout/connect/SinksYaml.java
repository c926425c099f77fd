package io.cdcfanout.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
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
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.BoundSink;
import io.cdcfanout.sink.SinkConfig;
import io.cdcfanout.sink.SinkFactory;
import io.cdcfanout.sink.SinkRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;

/**
 * Reads the connector's {@value CdcFanoutSinkConnectorConfig#SINKS} property: the same {@code sinks:} block as the
 * service's YAML file (with or without the {@code sinks:} line itself), bound to the same typed config records
 * through {@link SinkRegistry}. Only the sink types a Connect task can run are accepted ({@link #SUPPORTED_TYPES}).
 *
 * <p>Every error is a {@link ConfigException} whose message starts with the property name and the key path
 * inside the YAML, e.g. {@code cdc.sinks: search.tables: missing required key 'tables'}, and never quotes the
 * value (it may hold credentials).
 */
final class SinksYaml {

    /** The sink types a Connect task runs; the cache serves reads over the sidecar's HTTP API, so it stays there. */
    static final Set<String> SUPPORTED_TYPES = Set.of("elasticsearch", "scd2");

    private final SinkRegistry registry;
    private final ObjectMapper mapper;

    SinksYaml(SinkRegistry registry) {
        this.registry = registry;
        this.mapper = newMapper();
        for (SinkFactory<?> factory : registry.factories().values()) {
            mapper.registerSubtypes(new NamedType(factory.configType(), factory.type()));
        }
    }

    /**
     * @param yaml the property's value
     * @return each sink by name, in the order written, paired with its factory
     * @throws ConfigException naming the key path and what to write
     */
    Map<String, BoundSink<?>> parse(String yaml) {
        JsonNode root;
        try {
            root = yaml == null || yaml.isBlank() ? null : mapper.readTree(yaml);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw error(List.of(), "not valid YAML (line " + line + "): " + e.getOriginalMessage());
        }
        if (root != null && root.isObject() && root.size() == 1 && root.has("sinks") && !root.has("type")) {
            root = root.get("sinks"); // the block copied from the service's file, `sinks:` line included
        }
        if (root == null || !root.isObject() || root.isEmpty()) {
            throw error(
                    List.of(),
                    "expected a mapping from sink name to its settings, e.g. {search: {type: elasticsearch,"
                            + " url: 'http://es:9200', tables: {public.products: {index: products}}}}; supported types: "
                            + supportedTypes());
        }
        Map<String, BoundSink<?>> sinks = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            sinks.put(name, bind(name, entry.getValue()));
        }
        return sinks;
    }

    private BoundSink<?> bind(String name, JsonNode node) {
        if (!node.isObject()) {
            throw error(List.of(name), "expected a mapping with 'type' and the sink's keys");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw error(List.of(name), "missing required key 'type'; supported types: " + supportedTypes());
        }
        String typeName = type.textValue();
        if (!SUPPORTED_TYPES.contains(typeName)) {
            String why = typeName.equals("caffeine")
                    ? "the cache serves reads over the sidecar's HTTP API, so it cannot run in a Connect task;"
                            + " run the sidecar with `source: kafka` for a cache"
                    : "unknown sink type";
            throw error(
                    List.of(name, "type"),
                    "'" + typeName + "' is not supported here (" + why + "); supported types: " + supportedTypes());
        }
        if (!registry.factories().containsKey(typeName)) {
            throw error(
                    List.of(name, "type"),
                    "no sink factory of type '" + typeName + "' on the plugin's class path (found: "
                            + registry.supportedTypes() + "); is the plugin zip unpacked whole?");
        }
        SinkFactory<?> factory = registry.factory(typeName);
        SinkConfig config;
        try {
            config = mapper.treeToValue(node, SinkConfig.class);
        } catch (JsonMappingException e) {
            throw bindingError(name, e);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw error(List.of(name), e.getMessage());
        }
        return BoundSink.of(name, factory, config);
    }

    private String supportedTypes() {
        return SUPPORTED_TYPES.stream().sorted().collect(Collectors.joining(", "));
    }

    private static ConfigException bindingError(String sink, JsonMappingException e) {
        List<Object> path = new ArrayList<>();
        path.add(sink);
        e.getPath().forEach(ref -> path.add(ref.getFieldName() != null ? ref.getFieldName() : ref.getIndex()));
        String message;
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null
                    ? ""
                    : u.getKnownPropertyIds().stream()
                            .map(Object::toString)
                            .filter(k -> !k.equals("type"))
                            .sorted()
                            .collect(Collectors.joining(", "));
            message = "unknown key '" + u.getPropertyName() + "'"
                    + (known.isEmpty() ? "" : "; supported keys here: " + known);
        } else if (e instanceof ValueInstantiationException v) {
            message = v.getCause() != null ? v.getCause().getMessage() : v.getOriginalMessage();
        } else if (e instanceof InvalidFormatException f) {
            message = f.getOriginalMessage().startsWith("not ")
                    ? f.getOriginalMessage()
                    : "expected a " + f.getTargetType().getSimpleName() + " here";
        } else if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            message = "expected " + typeName(m.getTargetType()) + " here";
        } else {
            message = e.getOriginalMessage();
        }
        return error(path, message);
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
        if (List.class.isAssignableFrom(type) || Set.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a mapping";
        }
        return "a " + type.getSimpleName();
    }

    private static ConfigException error(List<Object> path, String message) {
        StringBuilder key = new StringBuilder();
        for (Object step : path) {
            if (step instanceof Integer i) {
                key.append('[').append(i).append(']');
            } else {
                if (!key.isEmpty()) {
                    key.append('.');
                }
                key.append(step);
            }
        }
        return new ConfigException(
                CdcFanoutSinkConnectorConfig.SINKS + ": " + (key.isEmpty() ? "" : key + ": ") + message);
    }

    private static ObjectMapper newMapper() {
        SimpleModule module = new SimpleModule("cdc-fanout-connect-sinks");
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
        return new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .registerModule(module);
    }
}
