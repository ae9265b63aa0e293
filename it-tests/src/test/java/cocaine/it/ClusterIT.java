package cocaine.it;

/** {@link ClusterScenario} through the userspace gateway (TCP relay in the balancer). */
class ClusterIT extends ClusterScenario {
  ClusterIT() {
    super("cluster", "10.79.5");
  }

  @Override
  String gatewayConfig() {
    return "cocaine.balancer.gateway = userspace";
  }
}
