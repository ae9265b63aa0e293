package cocaine.gateway.nftables;

import cocaine.config.BalancerSettings;
import cocaine.config.Settings;
import cocaine.gateway.Gateway;
import cocaine.gateway.GatewayProvider;
import org.apache.pekko.actor.typed.ActorSystem;

/** Offers {@code cocaine.balancer.gateway = nftables}. */
public final class NftablesProvider implements GatewayProvider {
  @Override
  public BalancerSettings.Gateway kind() {
    return BalancerSettings.Gateway.NFTABLES;
  }

  @Override
  public Gateway open(ActorSystem<?> system, Settings settings) {
    return NftablesGateway.open(NftablesSettings.from(settings));
  }
}
