package io.cohort.engine;

import io.cohort.identity.Node;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a component's facts live: its shard, its nodes and the keys of its facts there, and which
 * unified person each person record was when its events were built (unified id → source → ids).
 */
record Placement(int shard, Set<Node> nodes, Set<String> factKeys, Map<String, Map<String, List<String>>> people) {}
