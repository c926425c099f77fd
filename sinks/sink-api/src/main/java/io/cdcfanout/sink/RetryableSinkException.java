package io.cdcfanout.sink;

/**
 * The backend is unreachable, overloaded or briefly refusing (connection refused, timeout, 429, 5xx,
 * serialization failure). The pipeline retries with exponential backoff and jitter and reports the
 * sink not ready meanwhile.
 */
public class RetryableSinkException extends Exception {

    public RetryableSinkException(String message, Throwable cause) {
        super(message, cause);
    }

    public RetryableSinkException(String message) {
        super(message);
    }
}
