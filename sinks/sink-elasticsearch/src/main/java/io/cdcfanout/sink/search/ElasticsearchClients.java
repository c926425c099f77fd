package io.cdcfanout.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import co.elastic.clients.transport.rest5_client.low_level.Rest5ClientBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.util.Timeout;

/** Builds the {@link ElasticsearchClient} (Rest5Client transport) for a sink's configuration. */
final class ElasticsearchClients {

    static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(5);
    /** Long enough for a large bulk request or a delete-by-query of a big index; a shorter one would loop retries. */
    static final Timeout RESPONSE_TIMEOUT = Timeout.ofMinutes(2);

    private ElasticsearchClients() {}

    static ElasticsearchClient create(ElasticsearchSinkConfig config) {
        Rest5ClientBuilder builder = Rest5Client.builder(config.urls())
                .setConnectionConfigCallback(
                        c -> c.setConnectTimeout(CONNECT_TIMEOUT).setSocketTimeout(RESPONSE_TIMEOUT))
                .setRequestConfigCallback(
                        r -> r.setConnectionRequestTimeout(CONNECT_TIMEOUT).setResponseTimeout(RESPONSE_TIMEOUT));
        Header auth = authorization(config);
        if (auth != null) {
            builder.setDefaultHeaders(new Header[] {auth});
        }
        if (config.caFile() != null) {
            builder.setSSLContext(sslContext(config));
        }
        // Exact numbers when the sink reads documents back (TOAST merge): no double rounding of decimals.
        JsonMapper mapper = RowJson.MAPPER
                .rebuild()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
        return new ElasticsearchClient(new Rest5ClientTransport(builder.build(), new JacksonJsonpMapper(mapper)));
    }

    private static Header authorization(ElasticsearchSinkConfig config) {
        if (!config.apiKey().isEmpty()) {
            return new BasicHeader("Authorization", "ApiKey " + config.apiKey().reveal());
        }
        if (config.username() != null) {
            String pair = config.username() + ":" + config.password().reveal();
            return new BasicHeader(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        return null;
    }

    private static SSLContext sslContext(ElasticsearchSinkConfig config) {
        try (InputStream in = Files.newInputStream(config.caFile())) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int n = 0;
            for (Certificate certificate :
                    CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + n++, certificate);
            }
            if (n == 0) {
                throw new IllegalArgumentException(
                        "elasticsearch sink: 'ca-file' " + config.caFile() + " holds no certificate");
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "elasticsearch sink: cannot use 'ca-file' " + config.caFile() + " as a PEM CA certificate: "
                            + e.getMessage(),
                    e);
        }
    }
}
