package io.cohort.identity;

import java.util.Set;

/**
 * A connected part of the profile graph: people, their accounts and what hangs off those. It is
 * evaluated on its own, so components can be spread over threads now and machines later.
 *
 * @param key the smallest node, a stable name for the component while its members stay
 */
public record Component(String key, Set<Node> nodes) {}
