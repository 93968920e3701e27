package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The class loader rules compile under answers as the application's does, and remembers what it
 * did not find: a second compile of the shipped rules finds its misses remembered.
 */
class MissCachingClassLoaderTest {
    private final MissCachingClassLoader loader = MissCachingClassLoader.OF_APPLICATION;

    @Test
    void aClassFoundIsTheApplicationsOwnAndAMissStaysAMiss() throws Exception {
        assertThat(loader.loadClass("io.cohort.model.Person")).isSameAs(io.cohort.model.Person.class);
        assertThat(Class.forName("java.util.List", false, loader)).isSameAs(java.util.List.class);
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> loader.loadClass("io.cohort.model.NoSuchFact")).isInstanceOf(ClassNotFoundException.class)
                    .hasMessageContaining("io.cohort.model.NoSuchFact");
        }
        assertThat(loader.getResource("io/cohort/model/Person.class")).isNotNull();
        assertThat(loader.getResource("io/cohort/model/NoSuchFact.class")).isNull();
        assertThat(loader.getResource("migrations.xml")).as("other resources as the application's").isNotNull();
    }

    @Test
    void theShippedRulesCompileAndTheirMissesAreRememberedForTheNextCompile() throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> drl = Files.list(Path.of("rules"))) {
            for (Path p : (Iterable<Path>) drl.filter(p -> p.toString().endsWith(".drl")).sorted()::iterator) {
                files.put(p.getFileName().toString(), Files.readString(p));
            }
        }
        assertThat(new RuleCompiler(Clock.systemUTC()).compile(files).errors()).isEmpty();
        int[] first = loader.remembered();
        // A compiler of its own: nothing compiled is reused, the same names are asked for again.
        assertThat(new RuleCompiler(Clock.systemUTC()).compile(files).errors()).isEmpty();
        int[] second = loader.remembered();
        System.out.printf("misses remembered: %d classes, %d class files; after a second compile %d, %d%n",
                first[0], first[1], second[0], second[1]);
        assertThat(first[0] + first[1]).isPositive().isLessThan(MissCachingClassLoader.REMEMBERED);
        assertThat(second[0] + second[1] - first[0] - first[1]).as("misses new to the second compile")
                .isLessThan((first[0] + first[1]) / 10);
    }
}
