package cocaine.bench.load;

import java.util.Arrays;

/** Entry point of the load benchmarks: {@code java -jar cocaine-load.jar COMMAND [--key value ...]}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: cocaine-load.jar frame-server|resolve|enqueue|coldstart|sessions|hold-worker|gateway|gateway-removal [--key value ...]");
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "frame-server" -> FrameServer.main(rest);
      case "resolve" -> ResolveBench.main(rest);
      case "enqueue" -> EnqueueBench.main(rest);
      case "coldstart" -> ColdStartBench.main(rest);
      case "sessions" -> SessionsBench.main(rest);
      case "hold-worker" -> HoldWorker.main(rest);
      case "gateway" -> GatewayBench.main(rest);
      case "gateway-removal" -> GatewayBench.removal(rest);
      default -> {
        System.err.println("unknown command '" + args[0] + "'");
        System.exit(2);
      }
    }
  }
}
