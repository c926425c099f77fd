package io.cdcfanout.testbackends;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports on 127.0.0.1, chosen by the kernel (so ports in use, like the developer backends', are never chosen). */
public final class FreePorts {

    private FreePorts() {}

    /**
     * A port that was free a moment ago; another process may still take it before it is bound.
     *
     * @throws BackendsUnavailableException when the kernel has none to give
     */
    public static int next() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new BackendsUnavailableException(
                    "no free TCP port on 127.0.0.1 for the local backends (" + e.getMessage()
                            + "); stop something that holds many ports or check the loopback interface is up.");
        }
    }
}
