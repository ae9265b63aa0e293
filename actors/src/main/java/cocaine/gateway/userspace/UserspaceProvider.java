package cocaine.gateway.userspace;

import cocaine.config.BalancerSettings;
import cocaine.config.Settings;
import cocaine.gateway.Gateway;
import cocaine.gateway.GatewayProvider;
import org.apache.pekko.actor.typed.ActorSystem;

/** Offers {@code cocaine.balancer.gateway = userspace}, the gateway that needs no privileges. */
public final class UserspaceProvider implements GatewayProvider {
  @Override
  public BalancerSettings.Gateway kind() {
    return BalancerSettings.Gateway.USERSPACE;
  }

  @Override
  public Gateway open(ActorSystem<?> system, Settings settings) {
    return UserspaceGateway.start(system, settings);
  }
}
