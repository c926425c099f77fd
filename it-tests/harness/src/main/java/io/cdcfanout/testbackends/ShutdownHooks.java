package io.cdcfanout.testbackends;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JVM shutdown hook that stops every backend still registered, so a run that dies (Ctrl-C,
 * System.exit, an uncaught error) leaves no Postgres or Elasticsearch behind. A SIGKILLed JVM runs
 * no hooks; {@link RunDirectory#reapStaleRuns} cleans up after those.
 */
public final class ShutdownHooks {

    private static final Map<Object, Runnable> ACTIONS = new LinkedHashMap<>();
    private static boolean installed;

    private ShutdownHooks() {}

    /**
     * Registers {@code action} to run at JVM exit unless the returned handle is closed first.
     * Actions must be quick and must not throw.
     */
    public static synchronized Registration register(String name, Runnable action) {
        if (!installed) {
            Runtime.getRuntime().addShutdownHook(new Thread(ShutdownHooks::runAll, "cdc-it-backends-shutdown"));
            installed = true;
        }
        Object key = new Object();
        ACTIONS.put(key, () -> {
            System.err.println("[backends] JVM exiting: stopping " + name);
            action.run();
        });
        return () -> {
            synchronized (ShutdownHooks.class) {
                ACTIONS.remove(key);
            }
        };
    }

    private static void runAll() {
        List<Runnable> actions;
        synchronized (ShutdownHooks.class) {
            actions = List.copyOf(ACTIONS.values());
            ACTIONS.clear();
        }
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                System.err.println("[backends] shutdown action failed: " + e);
            }
        }
    }

    /** Cancels a registered action. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
