package io.cdcfanout.testbackends;

/**
 * A prerequisite of the local backends is missing (no JDK 21+, no Postgres binaries, no free port,
 * a full disk, no Elasticsearch distribution, no unprivileged OS user and no way to create it).
 * Its message is one line that says what is missing and how to fix it; it is the whole story, so
 * the exception carries no stack trace and no cause, and callers print the message alone (the demo as
 * {@code cdc-fanout demo: <message>}, the test harness as the failure of the first test).
 */
public final class BackendsUnavailableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public BackendsUnavailableException(String message) {
        super(message);
    }

    /** No stack trace: the message is what the user needs, and a trace would bury it. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    /** The first line of a command's or exception's output, for messages that must stay one line. */
    static String firstLine(String text) {
        if (text == null || text.isBlank()) {
            return "(no output)";
        }
        return text.strip().lines().findFirst().orElse("").strip();
    }
}
