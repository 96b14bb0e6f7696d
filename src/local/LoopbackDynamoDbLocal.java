import java.lang.reflect.Field;

/**
 * Starts DynamoDB Local (the jar of amplify-dynamodb-simulator) listening on
 * one address only, and exits when its parent goes away.
 *
 * DynamoDB Local has no bind-address option: its DynamoDBProxyServer builds
 * a Jetty Server(port), whose connector listens on every interface. This
 * builds the same server through DynamoDB Local's own command-line entry
 * point (ServerRunner.createServerFromCommandLineArgs), sets the host of its
 * connectors (Jetty's NetworkConnector.setHost) before starting it, and then
 * starts it as ServerRunner.main would. Everything is found by reflection, so
 * it compiles against the JDK alone.
 *
 * The address is the system property streamer.bindHost (default 127.0.0.1).
 * A daemon thread reads standard input until end of file: the parent holds
 * the other end of that pipe, so when the parent dies, even by SIGKILL, the
 * pipe closes and the JVM exits (System.exit runs DynamoDB Local's shutdown
 * hooks). Arguments are DynamoDB Local's own (-port, -inMemory, -dbPath ...).
 */
public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("streamer.bindHost", "127.0.0.1");
    Class<?> runner = Class.forName("com.amazonaws.services.dynamodbv2.local.main.ServerRunner");
    Object proxy =
        runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
    Field field = proxy.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object jetty = field.get(proxy);
    Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Object connector : connectors) {
      connector.getClass().getMethod("setHost", String.class).invoke(connector, host);
    }
    Thread watchdog = new Thread(LoopbackDynamoDbLocal::exitWhenParentGoes, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    proxy.getClass().getMethod("start").invoke(proxy);
  }

  private static void exitWhenParentGoes() {
    try {
      while (System.in.read() != -1) {
        // The parent never writes; only the end of the stream matters.
      }
    } catch (Exception closed) {
      // A broken pipe means the same: the parent is gone.
    }
    System.exit(0);
  }
}
