package io.cdcfanout.sink;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.cdcfanout.schema.TableId;
import java.util.Set;

/**
 * The validated configuration of one sink: an immutable record bound from YAML (kebab-case keys,
 * unknown keys rejected). The YAML key {@code type} chooses the {@link SinkFactory}; the factory
 * names the record class.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
public interface SinkConfig {

    /** The source tables this sink is fed; the pipeline gives it changes of these tables only. */
    Set<TableId> sourceTables();

    /**
     * The names of the views (top-level {@code views:}) this sink serves; it is fed the changes of every table
     * they read as well.
     */
    default Set<String> views() {
        return Set.of();
    }
}
