import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from './hedging-clock.js';

describe('VirtualClock (virtual time of the hedging bench)', () => {
  let clock: VirtualClock | undefined;
  afterEach(() => clock?.uninstall());

  it('fires timers in order of due time, then of creation, with the clock at each due time', async () => {
    clock = new VirtualClock().install();
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${performance.now()}`);
    setTimeout(at('c'), 30);
    setTimeout(at('a'), 10);
    setTimeout(at('b'), 10);
    setTimeout(at('d'), 2.5);
    await clock.run();
    expect(fired).toEqual(['d@2.5', 'a@10', 'b@10', 'c@30']);
    expect(clock.pending).toBe(0);
  });

  it('runs promise reactions after each timer, so timers they set fire in their turn', async () => {
    clock = new VirtualClock().install();
    const fired: number[] = [];
    const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));
    const chain = async () => {
      await sleep(100);
      await sleep(100);
      fired.push(performance.now());
    };
    void chain();
    setTimeout(() => fired.push(performance.now()), 150);
    await clock.run();
    expect(fired).toEqual([150, 200]);
  });

  it('does not fire a cleared timer, and clears a real timer set before it was installed', async () => {
    let realFired = false;
    const real = setTimeout(() => {
      realFired = true;
    }, 1);
    clock = new VirtualClock().install();
    clearTimeout(real);
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
    }, 10);
    expect(clock.pending).toBe(1);
    clearTimeout(timer);
    clearTimeout(timer);
    expect(clock.pending).toBe(0);
    await clock.run();
    expect(fired).toBe(false);
    clock.uninstall();
    // Real timers fire in order of due time: had the 1 ms one survived, it would have fired before this one.
    await new Promise(resolve => setTimeout(resolve, 5));
    expect(realFired).toBe(false);
  });

  it('waits 1 ms for a delay Node would clamp, and passes extra arguments', async () => {
    clock = new VirtualClock().install();
    const seen: unknown[] = [];
    setTimeout((x: unknown) => seen.push([x, performance.now()]), 0, 'zero');
    setTimeout((x: unknown) => seen.push([x, performance.now()]), Number.NaN, 'nan');
    await clock.run();
    expect(seen).toEqual([
      ['zero', 1],
      ['nan', 1],
    ]);
  });

  it('stops at the bound given to run(), leaving later timers pending', async () => {
    clock = new VirtualClock().install();
    setTimeout(() => {}, 50);
    setTimeout(() => {}, 500);
    await clock.run(100);
    expect(performance.now()).toBe(100);
    expect(clock.pending).toBe(1);
  });

  it('moves Date.now with virtual time and restores every global on uninstall', async () => {
    const globals = { setTimeout, clearTimeout, dateNow: Date.now };
    clock = new VirtualClock().install();
    const epoch = Date.now();
    setTimeout(() => {}, 60_000);
    await clock.run();
    expect(Date.now() - epoch).toBe(60_000);
    clock.uninstall();
    expect({ setTimeout, clearTimeout, dateNow: Date.now }).toEqual(globals);
    expect(Object.hasOwn(performance, 'now')).toBe(false);
    expect(performance.now()).toBeGreaterThan(0);
  });
});
