/**
 * Activation: the destination SPI, the outbox dispatcher that delivers audience changes, and one
 * sub-package per adapter (marketo, linkedin, webhook, file).
 *
 * <p>Wiring (in the application's {@code run()}):
 * <pre>{@code
 * var ctx = new DestinationContext(env.getObjectMapper(),
 *         HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), env.metrics(), Clock.systemUTC());
 * var destinations = new Destinations(config.getDestinations(), config.getActivations(),
 *         config.getDispatcher(), jdbi, ctx);          // throws IllegalStateException on a bad activation
 * env.lifecycle().manage(destinations);               // starts one dispatcher thread per activation
 * destinations.healthChecks().forEach(env.healthChecks()::register);
 * }</pre>
 * The audience stage calls {@link io.cohort.destination.Destinations#wakeUp(String)} after it
 * commits outbox rows; the dispatchers also poll every {@code dispatcher.pollInterval}.
 */
package io.cohort.destination;
