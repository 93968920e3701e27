/**
 * Engine: compiles the rule files into a {@link io.cohort.engine.RuleBook} (through the
 * {@code sandbox} allow-list) and evaluates people against it. No Rete state is kept between
 * rounds: {@link io.cohort.engine.Evaluator} takes what accepted batches touched, asks the profile
 * graph which people can see it (to the depth the rules look), and evaluates them in chunks, each
 * in a throw-away session holding that chunk's neighbourhood ({@link io.cohort.engine.OneShot},
 * under a {@link io.cohort.engine.Budget}). Results are diffed against the current memberships
 * and handed to the audience stage; time windows come due per person ({@code DueQueue}).
 */
package io.cohort.engine;
