/**
 * Command-line tools on top of the stages: {@code check-rules} and {@code test-rules} for analysts
 * (no config needed), {@code fields} (the fact model, or a field's stored values), {@code import}
 * (bulk-load record files through the API's validation into the store) and {@code evaluate}
 * (one-shot segment run, no server, no database). Those that read config.yml build what they use
 * with {@link io.cohort.Wiring}, as the service does.
 */
package io.cohort.cli;
