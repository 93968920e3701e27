package io.cohort.engine;

import java.util.List;

/**
 * A segment as declared by rule metadata: {@code @segment("id")}, optionally
 * {@code @segmentName("…")} and {@code @description("…")}. Several rules may feed one segment.
 *
 * @param rules "file:rule name" of each rule that qualifies people for it
 */
public record SegmentDefinition(String id, String name, String description, List<String> files, List<String> rules) {}
