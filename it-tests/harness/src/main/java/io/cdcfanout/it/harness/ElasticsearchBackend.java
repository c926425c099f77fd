package io.cdcfanout.it.harness;

/** A real Elasticsearch node, shared by the whole test run. */
public interface ElasticsearchBackend {

    /** e.g. {@code http://127.0.0.1:9200} */
    String url();

    /** Stops the node; its data stays (for outage tests). */
    void stop();

    /** Starts a stopped node again on the same port and waits until it answers. */
    void start();

    String origin();
}
