/**
 * Command-line tools on top of the stages, run as {@code java -jar cohort.jar <command>}. The
 * analysts' commands ({@code check-rules}, {@code test-rules}) need no configuration file.
 */
package io.cohort.cli;
