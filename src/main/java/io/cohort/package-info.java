/**
 * Wiring and root configuration only. {@link io.cohort.CohortConfiguration} is config.yml;
 * {@link io.cohort.Wiring} builds the stages from it in the data's order (records → store →
 * profiles → rule sessions → memberships → outbox → destinations), for the service and for the
 * commands in {@code cli}; {@link io.cohort.Endpoints} registers what the two ports offer on top
 * of them; {@link io.cohort.CohortApplication} does those two calls and adds the commands.
 */
package io.cohort;
