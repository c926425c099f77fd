package io.cdcfanout.it.harness;

/** Picks where the backends come from; see {@link Backends}. */
final class BackendsFactory {

    private BackendsFactory() {
    }

    static Backends start() {
        return EnvBackends.fromEnvironment(System.getenv())
                .orElseThrow(() -> new IllegalStateException(
                        "no backends: set CDC_IT_PG_HOST and CDC_IT_ES_URL (Docker and local-process backends come next)"));
    }
}
