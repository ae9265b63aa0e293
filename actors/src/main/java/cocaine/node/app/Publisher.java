package cocaine.node.app;

import cocaine.locator.ServiceInfo;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * Where the node announces its apps' invocation services: the runtime implements it over the
 * locator ({@code Locator.Publish} / {@code Locator.Unpublish}); tests use a fake. Failures complete
 * the stage exceptionally.
 */
public interface Publisher {
  /** Makes the service resolvable by its name. */
  CompletionStage<Done> publish(ServiceInfo service);

  /** Withdraws the service; withdrawing an unknown name succeeds. */
  CompletionStage<Done> unpublish(String name);
}
