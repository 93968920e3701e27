package io.cohort.destination.marketo;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Keeps calls under Marketo's limits (N calls per sliding window, M concurrent) before the
 * server has to answer 606/615. A call holds a slot from start until its response has arrived
 * and then counts in the window from that moment: the server saw it no later than that, so the
 * window we keep is never shorter than the one Marketo measures.
 *
 * <p>Calls are also paced (a token bucket at N per window, a tenth of N in a burst): without it,
 * a busy audience spent the window's 100 calls in the first seconds and then every change
 * waited out the rest of the 20 s window (p99 ~7 s from ingest to the list); paced, each waits
 * a fraction of a second and the dispatcher gathers what arrived meanwhile into its next call.
 */
final class CallLimiter {
    private final int maxCalls;
    private final long windowNanos;
    private final int maxConcurrent;
    private final Deque<Long> finished = new ArrayDeque<>();
    private int inFlight;
    private final double burst;
    private final double tokensPerNano;
    private double tokens;
    private long refilledAt = System.nanoTime();

    CallLimiter(int maxCalls, java.time.Duration window, int maxConcurrent) {
        this.maxCalls = maxCalls;
        this.windowNanos = window.toNanos();
        this.maxConcurrent = maxConcurrent;
        this.burst = Math.max(1, maxCalls / 10);
        this.tokensPerNano = (double) maxCalls / windowNanos;
        this.tokens = burst;
    }

    synchronized void acquire() throws InterruptedException {
        while (true) {
            long now = System.nanoTime();
            while (!finished.isEmpty() && now - finished.peekFirst() >= windowNanos) finished.pollFirst();
            tokens = Math.min(burst, tokens + (now - refilledAt) * tokensPerNano);
            refilledAt = now;
            if (inFlight < maxConcurrent && inFlight + finished.size() < maxCalls && tokens >= 1) {
                tokens -= 1;
                inFlight++;
                return;
            }
            long waitNanos;
            if (inFlight >= maxConcurrent) waitNanos = windowNanos;
            else if (inFlight + finished.size() >= maxCalls) waitNanos = finished.isEmpty() ? windowNanos : windowNanos - (now - finished.peekFirst());
            else waitNanos = (long) Math.ceil((1 - tokens) / tokensPerNano);
            wait(Math.max(1, waitNanos / 1_000_000));
        }
    }

    synchronized void release() {
        inFlight--;
        finished.addLast(System.nanoTime());
        notifyAll();
    }
}
