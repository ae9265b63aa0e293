package cocaine.node;

import cocaine.locator.Locator;
import cocaine.locator.ServiceInfo;
import cocaine.node.app.Publisher;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** Publishes the node's apps in this process's locator ({@link Locator.Publish} / {@link Locator.Unpublish}). */
public final class LocatorPublisher implements Publisher {
  private final ActorRef<Locator.Command> locator;
  private final Scheduler scheduler;
  private final Duration timeout;

  /**
   * @param timeout how long to wait for the locator's answer ({@code node.ask-timeout})
   */
  public LocatorPublisher(ActorRef<Locator.Command> locator, Scheduler scheduler, Duration timeout) {
    this.locator = locator;
    this.scheduler = scheduler;
    this.timeout = timeout;
  }

  @Override
  public CompletionStage<Done> publish(ServiceInfo service) {
    return AskPattern.ask(locator, replyTo -> new Locator.Publish(service, replyTo), timeout, scheduler);
  }

  @Override
  public CompletionStage<Done> unpublish(String name) {
    return AskPattern.ask(locator, replyTo -> new Locator.Unpublish(name, replyTo), timeout, scheduler);
  }
}
