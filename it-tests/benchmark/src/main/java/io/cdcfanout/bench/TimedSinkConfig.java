package io.cdcfanout.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkConfig;
import io.cdcfanout.sink.cache.CaffeineSinkConfig;
import io.cdcfanout.sink.history.Scd2SinkConfig;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig;
import java.io.IOException;
import java.util.Set;

/**
 * The configuration of a {@code timed-<type>} sink: exactly the keys of {@code <type>}, bound to that
 * type's own record. It needs a class of its own because the service finds a sink's factory by the
 * class of its configuration.
 */
sealed interface TimedSinkConfig<C extends SinkConfig> extends SinkConfig {

    C delegate();

    @Override
    default Set<TableId> sourceTables() {
        return delegate().sourceTables();
    }

    @Override
    default Set<String> views() {
        return delegate().views();
    }

    @JsonDeserialize(using = ElasticsearchDeserializer.class)
    record Elasticsearch(ElasticsearchSinkConfig delegate) implements TimedSinkConfig<ElasticsearchSinkConfig> {}

    @JsonDeserialize(using = CaffeineDeserializer.class)
    record Caffeine(CaffeineSinkConfig delegate) implements TimedSinkConfig<CaffeineSinkConfig> {}

    @JsonDeserialize(using = Scd2Deserializer.class)
    record Scd2(Scd2SinkConfig delegate) implements TimedSinkConfig<Scd2SinkConfig> {}

    /** Binds the delegate's record from the same YAML object (the {@code type} key is already consumed). */
    private static <T> T bind(JsonParser p, DeserializationContext ctxt, Class<T> type) throws IOException {
        @SuppressWarnings("unchecked")
        JsonDeserializer<T> deserializer =
                (JsonDeserializer<T>) ctxt.findContextualValueDeserializer(ctxt.constructType(type), null);
        return deserializer.deserialize(p, ctxt);
    }

    final class ElasticsearchDeserializer extends JsonDeserializer<Elasticsearch> {
        @Override
        public Elasticsearch deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return new Elasticsearch(bind(p, ctxt, ElasticsearchSinkConfig.class));
        }
    }

    final class CaffeineDeserializer extends JsonDeserializer<Caffeine> {
        @Override
        public Caffeine deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return new Caffeine(bind(p, ctxt, CaffeineSinkConfig.class));
        }
    }

    final class Scd2Deserializer extends JsonDeserializer<Scd2> {
        @Override
        public Scd2 deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return new Scd2(bind(p, ctxt, Scd2SinkConfig.class));
        }
    }
}
