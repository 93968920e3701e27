/**
 * The write path, one batch at a time: validate (ingest) → store (committed) → profile graph
 * (identity) → evaluator (engine). It joins the stages and none of them knows it; the API, the
 * import command, the source connectors and start-up write through it.
 */
package io.cohort.pipeline;
