package io.cdcfanout.service.config;

import io.cdcfanout.sink.Secret;
import java.time.Duration;

/**
 * The HTTP listener.
 *
 * @param host            bind address; 127.0.0.1 unless you mean to expose it
 * @param port            0 picks a free port
 * @param token           optional bearer token required on every endpoint but {@code /health}
 * @param maxReadWait     longest a read may wait for {@code min_lsn}, and {@code /wait} for its position
 * @param maxWaitingReads how many such reads may wait at once; one more is refused with 503 and
 *                        {@code Retry-After}. Waiting reads hold no HTTP thread, only a little memory each.
 */
public record HttpConfig(String host, Integer port, Secret token, Duration maxReadWait, Integer maxWaitingReads) {

    public static final int DEFAULT_MAX_WAITING_READS = 1000;

    public static final HttpConfig DEFAULT = new HttpConfig(null, null, null, null, null);

    public HttpConfig {
        host = host == null ? "127.0.0.1" : Validation.requireText(host, "http.host");
        port = Validation.port(port, 8080, "http.port");
        token = token == null ? Secret.NONE : token;
        maxReadWait = maxReadWait == null ? Duration.ofSeconds(10) : maxReadWait;
        maxWaitingReads = maxWaitingReads == null ? DEFAULT_MAX_WAITING_READS : maxWaitingReads;
        if (maxWaitingReads < 1) {
            throw new IllegalArgumentException("'http.max-waiting-reads' must be at least 1, not " + maxWaitingReads);
        }
    }
}
