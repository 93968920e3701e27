/**
 * Identity: the profile graph. Source records are indexed as they arrive
 * ({@code SourceIndex}); unified people (by normalized email), unified accounts (MDM links and
 * CRM→Marketo sync, transitively) and unified opportunities are derived from it on demand, for
 * the neighbourhood of the people being evaluated, never for a whole component (real graphs
 * chain companies into one). {@link io.cohort.identity.GraphSnapshot} writes and reads the whole
 * graph as a binary file, so that a clean restart reads no rows.
 */
package io.cohort.identity;
