package io.cdcfanout.service.source.kafka;

import io.cdcfanout.service.engine.StartupException;

/**
 * The topic's records were produced by a connector configured otherwise than this mode needs; the message names
 * the connector setting to change (as {@code compose/connect/cdc-fanout-source.json} ships it).
 */
public final class ConnectorContractException extends StartupException {

    public ConnectorContractException(String message) {
        super(message);
    }
}
