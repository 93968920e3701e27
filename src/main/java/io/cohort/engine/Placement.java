package io.cohort.engine;

import io.cohort.identity.Node;
import java.util.Set;

/** Where a component's facts live: its shard, its nodes and the keys of its facts there. */
record Placement(int shard, Set<Node> nodes, Set<String> factKeys) {}
