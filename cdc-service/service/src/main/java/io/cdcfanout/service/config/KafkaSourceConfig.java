package io.cdcfanout.service.config;

import io.cdcfanout.sink.Secret;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code source.kafka}: read the changes from the topic Debezium's Postgres connector writes in a Kafka Connect
 * worker (configured as {@code compose/connect/cdc-fanout-source.json} ships it) instead of a replication slot
 * of this sidecar's own.
 *
 * @param bootstrapServers the brokers, {@code host:port[,host:port...]}
 * @param topic            the single-partition topic the connector routes every change, transaction marker and
 *                         fence message to
 * @param instance         the name this sidecar keeps its position under in the offsets store; unique per sidecar
 *                         (e.g. {@code ${HOSTNAME}}), as two sidecars sharing a name would overwrite each other's
 * @param security         how to authenticate to the brokers; plain text when absent
 * @param connectorUrl     optional: the connector in Kafka Connect's REST API
 *                         ({@code http://connect:8083/connectors/cdc-fanout-source}); when set, its configuration is
 *                         checked at start against the settings this mode needs, also those its records cannot show
 */
public record KafkaSourceConfig(
        String bootstrapServers, String topic, String instance, KafkaSecurityConfig security, String connectorUrl) {

    /** Kafka's legal topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    public KafkaSourceConfig {
        bootstrapServers = Validation.requireText(bootstrapServers, "source.kafka.bootstrap-servers");
        topic = Validation.requireText(topic, "source.kafka.topic");
        if (!TOPIC.matcher(topic).matches()) {
            throw new IllegalArgumentException("'source.kafka.topic' is not a Kafka topic name (letters, digits, "
                    + "'.', '_', '-'; at most 249): '" + topic + "'");
        }
        instance = Validation.requireText(instance, "source.kafka.instance");
        if (!INSTANCE.matcher(instance).matches()) {
            throw new IllegalArgumentException("'source.kafka.instance' must be letters, digits, '.', '_' or '-' "
                    + "(at most 200), e.g. instance: \"${HOSTNAME}\"; not '" + instance + "'");
        }
        security = security == null ? KafkaSecurityConfig.PLAINTEXT : security;
        if (connectorUrl != null && !connectorUrl.matches("https?://.+")) {
            throw new IllegalArgumentException("'source.kafka.connector-url' must be an http(s) URL of the connector,"
                    + " e.g. http://connect:8083/connectors/cdc-fanout-source; not '" + connectorUrl + "'");
        }
    }

    /** The client settings for the brokers and their security; the source adds what it owns. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.putAll(security.clientProperties());
        return p;
    }

    /**
     * {@code source.kafka.security}: the client's security settings; secrets from the environment or files
     * ({@code ${KAFKA_PASSWORD}}, {@code ${file:/run/secrets/kafka-jaas}}).
     *
     * @param protocol           {@code PLAINTEXT} (default), {@code SSL}, {@code SASL_PLAINTEXT} or {@code SASL_SSL}
     * @param saslMechanism      e.g. {@code SCRAM-SHA-512}, {@code PLAIN}; required with SASL
     * @param saslJaasConfig     the JAAS login line, e.g. {@code org.apache.kafka.common.security.scram.ScramLoginModule
     *                           required username="..." password="...";}; required with SASL
     * @param truststore         the CA truststore (PKCS12 or JKS) for SSL; the JVM's CAs when absent
     * @param truststorePassword its password
     * @param keystore           the client's keystore, for mutual TLS
     * @param keystorePassword   its password
     * @param keyPassword        the key's password, when it differs from the keystore's
     */
    public record KafkaSecurityConfig(
            String protocol,
            String saslMechanism,
            Secret saslJaasConfig,
            String truststore,
            Secret truststorePassword,
            String keystore,
            Secret keystorePassword,
            Secret keyPassword) {

        private static final java.util.List<String> PROTOCOLS =
                java.util.List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");

        static final KafkaSecurityConfig PLAINTEXT =
                new KafkaSecurityConfig(null, null, null, null, null, null, null, null);

        public KafkaSecurityConfig {
            protocol = protocol == null ? "PLAINTEXT" : protocol;
            if (!PROTOCOLS.contains(protocol)) {
                throw new IllegalArgumentException(
                        "'source.kafka.security.protocol' must be one of " + PROTOCOLS + ", not '" + protocol + "'");
            }
            saslJaasConfig = saslJaasConfig == null ? Secret.NONE : saslJaasConfig;
            truststorePassword = truststorePassword == null ? Secret.NONE : truststorePassword;
            keystorePassword = keystorePassword == null ? Secret.NONE : keystorePassword;
            keyPassword = keyPassword == null ? Secret.NONE : keyPassword;
            boolean sasl = protocol.startsWith("SASL_");
            boolean ssl = protocol.endsWith("SSL");
            if (sasl) {
                Validation.requireText(saslMechanism, "source.kafka.security.sasl-mechanism");
                if (saslJaasConfig.isEmpty()) {
                    throw new IllegalArgumentException("'source.kafka.security.protocol: " + protocol
                            + "' needs 'sasl-jaas-config' (from a file or the environment, e.g. sasl-jaas-config: "
                            + "\"${file:/run/secrets/kafka-jaas}\")");
                }
            } else if (saslMechanism != null || !saslJaasConfig.isEmpty()) {
                throw new IllegalArgumentException("'source.kafka.security.sasl-mechanism' and 'sasl-jaas-config' "
                        + "only go with protocol SASL_PLAINTEXT or SASL_SSL, not " + protocol);
            }
            if (!ssl && (truststore != null || keystore != null)) {
                throw new IllegalArgumentException("'source.kafka.security.truststore' and 'keystore' only go with "
                        + "protocol SSL or SASL_SSL, not " + protocol);
            }
        }

        Map<String, Object> clientProperties() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("security.protocol", protocol);
            if (saslMechanism != null) {
                p.put("sasl.mechanism", saslMechanism);
                p.put("sasl.jaas.config", saslJaasConfig.reveal());
            }
            if (truststore != null) {
                p.put("ssl.truststore.location", truststore);
                if (!truststorePassword.isEmpty()) {
                    p.put("ssl.truststore.password", truststorePassword.reveal());
                }
            }
            if (keystore != null) {
                p.put("ssl.keystore.location", keystore);
                if (!keystorePassword.isEmpty()) {
                    p.put("ssl.keystore.password", keystorePassword.reveal());
                }
                if (!keyPassword.isEmpty()) {
                    p.put("ssl.key.password", keyPassword.reveal());
                }
            }
            return p;
        }
    }
}
