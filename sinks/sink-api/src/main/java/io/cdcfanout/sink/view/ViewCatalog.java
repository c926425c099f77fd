package io.cdcfanout.sink.view;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The views the YAML file defines (top-level {@code views:}), by name; sinks that serve views look theirs up here.
 */
public record ViewCatalog(Map<String, ViewDefinition> views) {

    public static final ViewCatalog EMPTY = new ViewCatalog(Map.of());

    public ViewCatalog {
        views = views == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(views));
    }

    /** The view named {@code name}; throws IllegalArgumentException naming the defined views when there is none. */
    public ViewDefinition get(String name) {
        ViewDefinition view = views.get(name);
        if (view == null) {
            throw new IllegalArgumentException("no view '" + name + "' is defined under 'views'"
                    + (views.isEmpty() ? "" : "; defined views: " + String.join(", ", views.keySet())));
        }
        return view;
    }
}
