package cocaine.gateway.ipvs;

import cocaine.config.BalancerSettings;
import cocaine.config.Settings;
import cocaine.gateway.Gateway;
import cocaine.gateway.GatewayProvider;
import org.apache.pekko.actor.typed.ActorSystem;

/** Offers {@code cocaine.balancer.gateway = ipvs}. */
public final class IpvsProvider implements GatewayProvider {
  @Override
  public BalancerSettings.Gateway kind() {
    return BalancerSettings.Gateway.IPVS;
  }

  @Override
  public Gateway open(ActorSystem<?> system, Settings settings) {
    return IpvsGateway.open(IpvsSettings.from(settings));
  }
}
