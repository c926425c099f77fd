package io.cdcfanout.service.pipeline;

/**
 * A gate a lane's thread passes before applying each batch; an operator closes it to pause the sink.
 * While it is closed the lane holds its batch, the pipeline waits for the lane and so does the engine:
 * nothing is lost, offsets stop advancing and the slot retains WAL until it opens again. Thread-safe.
 */
final class PauseGate {

    private boolean paused;

    synchronized void pause() {
        paused = true;
    }

    /** Opens the gate; returns whether it was closed. */
    synchronized boolean resume() {
        boolean was = paused;
        paused = false;
        notifyAll();
        return was;
    }

    synchronized boolean isPaused() {
        return paused;
    }

    /** Returns at once when open, else when {@link #resume()} is called. */
    synchronized void awaitOpen() throws InterruptedException {
        while (paused) {
            wait();
        }
    }
}
