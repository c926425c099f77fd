package io.cdcfanout.service.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.service.config.ConfigLoader;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.sink.SinkRegistry;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** source.postgres TLS settings reach both the connector (streaming) and JDBC (checks, cache load, offsets). */
class DebeziumPropertiesTlsTest {

    @Test
    void sslModeAndRootCertReachDebeziumAndJdbc() {
        ServiceConfig config = new ConfigLoader(SinkRegistry.load(), Map.of()).parse("""
                source:
                  postgres: { host: db, database: shop, user: cdc, ssl-mode: verify-full, ssl-root-cert: /etc/cdc/pg-ca.pem }
                  tables: [public.products]
                sinks:
                  cache: { type: caffeine, tables: [public.products] }
                """, "tls.yml");

        Properties debezium = DebeziumProperties.from(config, "store");
        assertThat(debezium.getProperty("database.sslmode")).isEqualTo("verify-full");
        assertThat(debezium.getProperty("database.sslrootcert")).isEqualTo("/etc/cdc/pg-ca.pem");

        Properties jdbc = config.source().postgres().asSourceDatabase().extra();
        assertThat(jdbc.getProperty("sslmode")).isEqualTo("verify-full");
        assertThat(jdbc.getProperty("sslrootcert")).isEqualTo("/etc/cdc/pg-ca.pem");
    }
}
