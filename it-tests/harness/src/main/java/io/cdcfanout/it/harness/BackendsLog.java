package io.cdcfanout.it.harness;

/** The harness's few log lines, on stderr so they show in the Maven output whatever the test's logging setup. */
final class BackendsLog {

    private BackendsLog() {}

    static void info(String message) {
        System.err.println("[backends] " + message);
    }

    /** One line per backend: what, where from, where, and how long it took to start. */
    static void started(String backend, String origin, String endpoint, long millis) {
        info(backend + " (" + origin + ") at " + endpoint + " started in " + millis + " ms");
    }
}
