/**
 * Command-line tools on top of the stages: {@code check-rules} and {@code test-rules} for analysts
 * (no config needed), {@code import} (bulk-load record files through the API's validation into
 * the store) and {@code evaluate} (one-shot segment run, no server, no database).
 */
package io.cohort.cli;
