import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RestartCoalescer } from '../src/common/restart';

/** A restart that stays running until released. */
function controlled(): { restart: () => Promise<void>; release: () => void; started: () => number } {
  let count = 0;
  let releases: (() => void)[] = [];
  return {
    restart: () => {
      count += 1;
      return new Promise<void>((resolve) => releases.push(resolve));
    },
    release: () => {
      const pending = releases;
      releases = [];
      for (const resolve of pending) resolve();
    },
    started: () => count,
  };
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe('restart coalescing', () => {
  it('a burst of requests gives one restart', async () => {
    let runs = 0;
    const coalescer = new RestartCoalescer(() => {
      runs += 1;
      return Promise.resolve();
    }, 1);
    await Promise.all([coalescer.request('join'), coalescer.request('join'), coalescer.request('follow'), coalescer.request('join')]);
    assert.equal(runs, 1);
    assert.equal(coalescer.busy, false);
  });

  it('commands while a restart runs join it', async () => {
    const fake = controlled();
    const coalescer = new RestartCoalescer(fake.restart, 0);
    const first = coalescer.request('join');
    await tick();
    assert.equal(fake.started(), 1);
    const second = coalescer.request('join');
    const third = coalescer.request('join');
    fake.release();
    await Promise.all([first, second, third]);
    await tick();
    assert.equal(fake.started(), 1);
  });

  it('changes while a restart runs give exactly one more restart', async () => {
    const fake = controlled();
    const coalescer = new RestartCoalescer(fake.restart, 0);
    const first = coalescer.request('follow');
    await tick();
    const followers = [coalescer.request('follow'), coalescer.request('follow'), coalescer.request('join'), coalescer.request('follow')];
    assert.equal(fake.started(), 1, 'the follow-up waits for the running restart');
    fake.release();
    await first;
    await tick();
    assert.equal(fake.started(), 2);
    fake.release();
    await Promise.all(followers);
    await tick();
    assert.equal(fake.started(), 2);
    assert.equal(coalescer.runs, 2);
  });

  it('requests after a restart finished start a new one', async () => {
    let runs = 0;
    const coalescer = new RestartCoalescer(() => {
      runs += 1;
      return Promise.resolve();
    }, 0);
    await coalescer.request();
    await coalescer.request();
    assert.equal(runs, 2);
  });

  it('a failing restart rejects its callers and does not wedge the queue', async () => {
    let runs = 0;
    const coalescer = new RestartCoalescer(() => {
      runs += 1;
      return runs === 1 ? Promise.reject(new Error('no python')) : Promise.resolve();
    }, 0);
    await assert.rejects(coalescer.request(), /no python/);
    await coalescer.request();
    assert.equal(runs, 2);
  });

  it('dispose cancels a scheduled restart and refuses new ones', async () => {
    let runs = 0;
    const coalescer = new RestartCoalescer(() => {
      runs += 1;
      return Promise.resolve();
    }, 20);
    const pending = coalescer.request();
    coalescer.dispose();
    await pending;
    await coalescer.request();
    await tick(30);
    assert.equal(runs, 0);
  });

  it('uses injected timers', async () => {
    const callbacks: (() => void)[] = [];
    let runs = 0;
    const coalescer = new RestartCoalescer(
      () => {
        runs += 1;
        return Promise.resolve();
      },
      1000,
      { setTimeout: (callback) => callbacks.push(callback), clearTimeout: () => undefined },
    );
    const done = coalescer.request();
    void coalescer.request();
    assert.equal(callbacks.length, 1);
    assert.equal(runs, 0);
    callbacks[0]?.();
    await done;
    assert.equal(runs, 1);
  });
});
