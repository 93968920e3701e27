package io.cohort.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.audience.ActivationBinding;
import io.cohort.engine.Budget;
import io.cohort.engine.RuleBook;
import io.cohort.identity.ProfileGraph;
import io.cohort.ingest.RecordParser;
import io.dropwizard.lifecycle.Managed;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jdbi.v3.core.Jdbi;

/**
 * One Cohort process of a cluster, without its HTTP side: the graph fed from the ingest log, a
 * share of the evaluation work (a member of the consumer group) and, when it holds the lease, the
 * relay that publishes the log's work. Start order: the graph catches up first, so the process
 * claims partitions only when it can evaluate their work.
 */
public final class ClusterNode implements Managed {
    private final ProfileGraph graph = new ProfileGraph();
    private final GraphFeed feed;
    private final WorkPublisher publisher;
    private final WorkRelay relay;
    private final PartitionWorker worker;
    private final RuleFence fence;
    private final RuleBook rules;
    private final ClusterConfig config;

    public ClusterNode(ClusterConfig config, Jdbi jdbi, ObjectMapper mapper, RecordParser parser, List<ActivationBinding> activations,
                       RuleBook rules, Clock clock, Duration eventRetention, Budget budget) {
        this.config = config;
        this.fence = new RuleFence(jdbi);
        this.rules = rules;
        this.feed = new GraphFeed(new IngestLog(jdbi, mapper), graph, parser, () -> rules.shape().depth(), 100_000, 50);
        this.publisher = new WorkPublisher(config);
        this.relay = new WorkRelay(jdbi, feed, graph, publisher, config.nodeId(), config.leaseDuration().toMilliseconds(),
                Clock.systemUTC(), 50);
        this.worker = new PartitionWorker(config, jdbi, mapper, activations, graph, feed::applied, rules, clock, eventRetention, budget);
    }

    @Override public void start() throws Exception {
        // The first process of a new cluster applies its rule set; later ones wait to have the cluster's.
        if (fence.applied().isEmpty()) fence.apply(rules.version(), System.currentTimeMillis());
        createTopic();
        feed.catchUp();
        feed.start();
        relay.start();
        worker.start();
    }

    @Override public void stop() throws Exception {
        worker.stop();
        relay.stop();
        feed.stop();
        publisher.close();
    }

    /** The work topic with cluster.partitions partitions, unless it exists (then it is left as it is). */
    private void createTopic() throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(config.topic(), java.util.Optional.of(config.partitions()), java.util.Optional.empty()))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
    }

    public PartitionWorker worker() { return worker; }

    public GraphFeed feed() { return feed; }
}
