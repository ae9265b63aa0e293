package cocaine.rpc.service;

import cocaine.rpc.transport.InProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every case of {@link ClientConnectionTest} again with in-process connections on: a client and a
 * server of one process behave as over TCP (the cases with a raw socket as the peer still use TCP).
 */
class InProcessClientConnectionTest extends ClientConnectionTest {
  @BeforeAll
  static void on() {
    InProcess.useForProcess(true);
  }

  @AfterAll
  static void off() {
    InProcess.useForProcess(false);
  }
}
