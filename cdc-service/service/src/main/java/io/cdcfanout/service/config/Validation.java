package io.cdcfanout.service.config;

/** Checks shared by the config records; messages say which key and what to write. */
final class Validation {

    private Validation() {}

    static <T> T require(T value, String key) {
        if (value == null) {
            throw new IllegalArgumentException("missing required key '" + key + "'");
        }
        return value;
    }

    static String requireText(String value, String key) {
        require(value, key);
        if (value.isBlank()) {
            throw new IllegalArgumentException("'" + key + "' must not be empty");
        }
        return value;
    }

    static int port(Integer value, int defaultPort, String key) {
        int port = value == null ? defaultPort : value;
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + key + "' must be a port number 0..65535, not " + port);
        }
        return port;
    }

    static String identifier(String value, String defaultValue, String key) {
        String name = value == null ? defaultValue : value;
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("'" + key + "' must be a lower-case Postgres identifier "
                    + "(letters, digits, _; at most 63), not '" + name + "'");
        }
        return name;
    }
}
