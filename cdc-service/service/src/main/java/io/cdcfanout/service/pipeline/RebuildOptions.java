package io.cdcfanout.service.pipeline;

/**
 * How a rebuild reads its table.
 *
 * @param chunkSize     rows per chunk (one query, one hand-over to the sink's lane); 1 to 100,000
 * @param rowsPerSecond the most rows read per second, to spare the source; 0 for no limit
 */
public record RebuildOptions(int chunkSize, int rowsPerSecond) {

    public static final int DEFAULT_CHUNK_SIZE = 1000;
    public static final int MAX_CHUNK_SIZE = 100_000;
    public static final RebuildOptions DEFAULTS = new RebuildOptions(DEFAULT_CHUNK_SIZE, 0);

    public RebuildOptions {
        if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException(
                    "chunk_size must be between 1 and " + MAX_CHUNK_SIZE + ", got " + chunkSize);
        }
        if (rowsPerSecond < 0) {
            throw new IllegalArgumentException("rows_per_second must be 0 (no limit) or more, got " + rowsPerSecond);
        }
    }
}
