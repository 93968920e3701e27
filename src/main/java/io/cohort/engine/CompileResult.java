package io.cohort.engine;

import java.util.List;
import java.util.Optional;

/** The outcome of compiling a rule set: a RuleBook when there is no error, and all messages. */
public record CompileResult(Optional<RuleBook> ruleBook, List<RuleMessage> messages) {
    public boolean ok() { return ruleBook.isPresent(); }

    public List<RuleMessage> errors() {
        return messages.stream().filter(m -> m.level() == RuleMessage.Level.ERROR).toList();
    }
}
