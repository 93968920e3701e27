/**
 * Engine: compiles the rule files into a {@link io.cohort.engine.RuleBook}, keeps long-lived
 * Drools sessions (shards) holding the unified facts, applies each accepted batch incrementally
 * and reports which people entered or left which segment.
 */
package io.cohort.engine;
