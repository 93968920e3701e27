package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BudgetTest {
    @Test
    void anEvaluationsMemoryGrowsWithItsFactsBetweenTheFloorAndTheCeiling() {
        Budget b = new Budget(10_000_000, 1_000_000, 30_000_000_000L, 1L << 30, 1_000, 100, 64L << 10);
        assertThat(b.forFacts(10).maxBytes()).as("a few facts: the floor").isEqualTo(Budget.MIN_BYTES);
        assertThat(b.forFacts(4_095).maxBytes()).isEqualTo(4_096L * (64 << 10));
        assertThat(b.forFacts(1_000_000).maxBytes()).as("many: the ceiling").isEqualTo(1L << 30);
        assertThat(b.forFacts(10).maxFirings()).isEqualTo(11_000);
    }

    /** A ceiling set very high (engine.maxEvaluationMemory) times many facts must not wrap around to the floor. */
    @Test
    void aHugeCeilingPerFactDoesNotOverflowToTheFloor() {
        Budget b = new Budget(10_000_000, 1_000_000, 30_000_000_000L, 1L << 40, 1_000, 100, 1L << 40);
        assertThat(b.forFacts(10_000_000).maxBytes()).isEqualTo(1L << 40);
    }
}
