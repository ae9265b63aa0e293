import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/**
 * The benchmarks' baseline upstream: a minimal HTTP/1.1 echo server (JDK httpserver, keep-alive),
 * answering every request 200 text/plain with its body, or "METHOD uri" when the body is empty,
 * like the http-echo example. Run: {@code java Echo.java PORT [THREADS]}; prints "listening PORT".
 */
public final class Echo {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
    server.setExecutor(Executors.newFixedThreadPool(threads));
    server.createContext("/", exchange -> {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      if (body.length == 0) {
        body = (exchange.getRequestMethod() + " " + exchange.getRequestURI()).getBytes();
      }
      exchange.getResponseHeaders().set("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    System.out.println("listening " + server.getAddress().getPort());
  }
}
