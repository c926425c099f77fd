package io.cdcfanout.sink;

import java.util.List;

/** What a sink could not apply, for good: each rejection goes to the dead-letter table. */
public record ApplyResult(List<Rejection> rejections) {

    private static final ApplyResult ALL_APPLIED = new ApplyResult(List.of());

    public ApplyResult {
        rejections = List.copyOf(rejections);
    }

    public static ApplyResult allApplied() {
        return ALL_APPLIED;
    }

    public static ApplyResult of(List<Rejection> rejections) {
        return rejections.isEmpty() ? ALL_APPLIED : new ApplyResult(rejections);
    }
}
