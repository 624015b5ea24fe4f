import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { libp2pLogger } from '../../src/net/libp2p-logger.ts';

describe('libp2pLogger', () => {
  it('without DEBUG, every component and scope shares one disabled logger that does nothing', () => {
    const components = libp2pLogger({});
    const log = components.forComponent('libp2p:yamux');
    const scoped = log.newScope('stream-1');
    assert.equal(log.enabled, false);
    assert.equal(scoped, log, 'a new stream scope allocates nothing');
    assert.equal(components.forComponent('libp2p:noise'), log);
    assert.doesNotThrow(() => {
      log('a message %s', 'arg');
      log.error('an error', new Error('x'));
      log.trace('a trace');
    });
  });

  it('with DEBUG set, libp2p gets its own debug loggers, named per component and scope', () => {
    const components = libp2pLogger({ DEBUG: 'libp2p:*' });
    const log = components.forComponent('libp2p:yamux') as unknown as { namespace: string };
    assert.equal(log.namespace, 'libp2p:yamux');
    const scoped = components.forComponent('libp2p:yamux').newScope('s1') as unknown as {
      namespace: string;
    };
    assert.equal(scoped.namespace, 'libp2p:yamux:s1');
  });
});
