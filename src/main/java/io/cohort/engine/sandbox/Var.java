package io.cohort.engine.sandbox;

import io.cohort.model.Entity;
import java.util.Map;

/**
 * A variable a rule binds. A fact variable ({@code $p : Person()}) knows how many steps from the
 * rule's starting point each id field of its fact is; a value variable ({@code $a : accountId})
 * knows the entity its value names and how far away that entity is.
 *
 * @param fieldLevels for fact variables: id field → its distance (steps) from the rule's start
 * @param rootPerson  the Person the rule starts from (the one a segment rule may qualify)
 */
record Var(String name, TypeRef type, Entity entity, int level, Map<String, Integer> fieldLevels, boolean isNow,
           boolean rootPerson, int factLevel) {

    static Var value(String name, TypeRef type, Entity entity, int level) {
        return new Var(name, type, entity, level, Map.of(), false, false, level);
    }

    boolean isFact() { return !fieldLevels.isEmpty() || type.isDeclared() || isNow; }
}
