package io.cdcfanout.service.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.sink.SinkRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code source.kafka}: validated at load like the slot source, with messages naming the key and the fix. */
class KafkaSourceConfigTest {

    private static final String KAFKA = """
            source:
              postgres: { host: 127.0.0.1, database: shop, user: app }
              kafka:
                bootstrap-servers: kafka:9092
                topic: cdc_fanout.changes
                instance: "${HOSTNAME}"
              tables: [public.products]
            sinks:
              cache: { type: caffeine, tables: [public.products] }
            """;

    private final ConfigLoader loader = new ConfigLoader(
            SinkRegistry.load(), Map.of("HOSTNAME", "app-7f9c", "KAFKA_JAAS", "ScramLoginModule required;"));

    @Test
    void bindsKafkaModeWithoutASlot() {
        ServiceConfig config = loader.parse(KAFKA, "cdc.yml");

        assertThat(config.source().fromKafka()).isTrue();
        assertThat(config.source().kafka().instance()).isEqualTo("app-7f9c");
        assertThat(config.source().slot()).isNull();
        assertThat(config.source().publication()).isNull();
        assertThat(config.source().kafka().clientProperties())
                .containsEntry("bootstrap.servers", "kafka:9092")
                .containsEntry("security.protocol", "PLAINTEXT");
    }

    @Test
    void anUnknownKeyListsTheSupportedOnes() {
        assertThatThrownBy(() -> loader.parse(KAFKA.replace("    topic:", "    group-id: app\n    topic:"), "cdc.yml"))
                .hasMessageContaining("cdc.yml:")
                .hasMessageContaining("cdc.yml:5: source.kafka.group-id: unknown key 'group-id'")
                .hasMessageContaining("bootstrap-servers, connector-url, instance, security, topic");
    }

    @Test
    void theSlotIsTheConnectorsInKafkaMode() {
        String withSlot = KAFKA.replace("  tables:", "  slot: mine\n  tables:");
        assertThatThrownBy(() -> loader.parse(withSlot, "cdc.yml"))
                .hasMessageContaining("'source.slot' does not apply with 'source.kafka'")
                .hasMessageContaining("slot.name");
    }

    @Test
    void missingInstanceIsNamed() {
        assertThatThrownBy(() -> loader.parse(KAFKA.replace("    instance: \"${HOSTNAME}\"\n", ""), "cdc.yml"))
                .hasMessageContaining("missing required key 'source.kafka.instance'");
    }

    @Test
    void saslNeedsItsLoginFromAFileOrTheEnvironment() {
        String sasl = KAFKA.replace(
                "    instance:", "    security: { protocol: SASL_SSL, sasl-mechanism: SCRAM-SHA-512 }\n    instance:");
        assertThatThrownBy(() -> loader.parse(sasl, "cdc.yml"))
                .hasMessageContaining("needs 'sasl-jaas-config'")
                .hasMessageContaining("${file:");

        ServiceConfig config = loader.parse(
                sasl.replace("SCRAM-SHA-512 }", "SCRAM-SHA-512, sasl-jaas-config: \"${KAFKA_JAAS}\" }"), "cdc.yml");
        assertThat(config.source().kafka().clientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "ScramLoginModule required;");
        assertThat(config.source().kafka().security().toString()).doesNotContain("ScramLoginModule");
    }

    @Test
    void aTopicNameKafkaWouldRefuseIsRefusedAtLoad() {
        assertThatThrownBy(() -> loader.parse(KAFKA.replace("cdc_fanout.changes", "cdc fanout"), "cdc.yml"))
                .hasMessageContaining("'source.kafka.topic' is not a Kafka topic name");
    }
}
