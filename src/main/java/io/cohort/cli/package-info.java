/**
 * Command-line operations on top of the stages: {@code import} (bulk-load record files through the
 * API's validation into the store) and {@code evaluate} (one-shot segment run, no server, no database).
 */
package io.cohort.cli;
