package io.cdcfanout.service.config;

import java.util.List;
import java.util.OptionalInt;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Finds the line of a key path in a YAML document, so errors found after binding can still point at it. */
final class YamlLocations {

    private final Node root;

    YamlLocations(String yaml) {
        this.root = new Yaml(new LoaderOptions()).compose(new java.io.StringReader(yaml));
    }

    /**
     * The 1-based line of the deepest node of {@code path} that exists (a key's own line when the path ends
     * at a key that is there).
     */
    OptionalInt line(List<Object> path) {
        if (root == null) {
            return OptionalInt.empty();
        }
        Node node = root;
        int line = root.getStartMark().getLine() + 1;
        for (Object step : path) {
            Node next = null;
            int keyLine = -1;
            if (node instanceof MappingNode mapping && step instanceof String key) {
                for (NodeTuple tuple : mapping.getValue()) {
                    if (tuple.getKeyNode() instanceof ScalarNode k
                            && k.getValue().equals(key)) {
                        next = tuple.getValueNode();
                        keyLine = k.getStartMark().getLine() + 1;
                        break;
                    }
                }
            } else if (node instanceof SequenceNode sequence
                    && step instanceof Integer index
                    && index < sequence.getValue().size()) {
                next = sequence.getValue().get(index);
                keyLine = next.getStartMark().getLine() + 1;
            }
            if (next == null) {
                break;
            }
            node = next;
            line = keyLine;
        }
        return OptionalInt.of(line);
    }
}
