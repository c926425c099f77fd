package io.cdcfanout.service.engine;

/** The source is not usable as configured; the message says what is wrong and how to fix it. */
public class StartupException extends RuntimeException {

    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
