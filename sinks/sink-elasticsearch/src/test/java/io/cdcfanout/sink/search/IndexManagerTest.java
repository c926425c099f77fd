package io.cdcfanout.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.RowJson;
import org.junit.jupiter.api.Test;

class IndexManagerTest {

    @Test
    void theCreateBodyKeepsUserSettingsAddsTheSinkFieldsAndTheFilteredAlias() throws Exception {
        ObjectNode mapping = (ObjectNode)
                RowJson.MAPPER.readTree(
                        "{\"settings\": {\"index.gc_deletes\": \"1s\"}, \"mappings\": {\"dynamic\": \"strict\", \"properties\": {\"name\": {\"type\": \"text\"}}}}");
        ObjectNode body = IndexManager.createIndexBody("products", IndexBody.of(mapping));

        assertThat(body.at("/settings/index.gc_deletes").asText()).isEqualTo("1s");
        assertThat(body.at("/mappings/dynamic").asText()).isEqualTo("strict");
        assertThat(body.at("/mappings/properties/name/type").asText()).isEqualTo("text");
        assertThat(body.at("/mappings/properties/_cdc/properties/deleted/type").asText())
                .isEqualTo("boolean");
        assertThat(body.at("/mappings/properties/_cdc/properties/version/type").asText())
                .isEqualTo("long");
        assertThat(body.at("/aliases/products/filter/bool/must_not/term/_cdc.deleted")
                        .asBoolean())
                .isTrue();
        assertThat(body.at("/aliases/products/is_write_index").asBoolean()).isTrue();
    }

    @Test
    void aPlainMappingObjectIsTakenAsMappings() throws Exception {
        IndexBody body = IndexBody.of(RowJson.MAPPER.readTree("{\"properties\": {\"n\": {\"type\": \"long\"}}}"));
        assertThat(body.settings().isEmpty()).isTrue();
        assertThat(body.mappings().at("/properties/n/type").asText()).isEqualTo("long");
        assertThat(IndexNames.concreteIndex("products")).isEqualTo("products_v1");
    }
}
