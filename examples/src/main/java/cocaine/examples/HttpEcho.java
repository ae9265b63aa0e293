package cocaine.examples;

import cocaine.worker.Http;
import cocaine.worker.Worker;

/**
 * The http-echo app (HTTP convention): event {@code echo} answers 200 text/plain with the request
 * body, or with {@code "<METHOD> <uri>"} when the body is empty. Through the proxy:
 * {@code curl -d hi http://127.0.0.1:8080/http-echo/echo} prints {@code hi}.
 */
public final class HttpEcho {
  private HttpEcho() {}

  public static void main(String[] args) {
    Worker.serve(args, HttpEcho::register);
  }

  public static Worker register(Worker worker) {
    return worker.on("echo", Http.handler((req, resp) -> {
      byte[] body = req.bodyBytes();
      resp.status(200).header("Content-Type", "text/plain");
      if (body.length > 0) {
        resp.write(body);
      } else {
        resp.write(req.method() + " " + req.uri());
      }
    }));
  }
}
