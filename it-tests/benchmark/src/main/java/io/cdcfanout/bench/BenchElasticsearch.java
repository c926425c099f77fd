package io.cdcfanout.bench;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import java.net.URI;

/** Plain elasticsearch-java clients for the baselines (what a user would build). */
final class BenchElasticsearch {

    private BenchElasticsearch() {}

    static ElasticsearchClient client(String url) {
        return new ElasticsearchClient(
                new Rest5ClientTransport(Rest5Client.builder(URI.create(url)).build(), new JacksonJsonpMapper()));
    }
}
