package io.cdcfanout.service.config;

/** A configuration file that cannot be used; the message names the file, line and key, and what to fix. */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
