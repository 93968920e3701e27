/**
 * Activation: the destination SPI, the outbox dispatcher that delivers audience changes, and one
 * sub-package per adapter (marketo, linkedin, webhook, file).
 */
package io.cohort.destination;
