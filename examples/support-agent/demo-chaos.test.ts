/**
 * Chaos injection in the demo (issue 11 §2): the scenarios' phases switch it (their faults are valid settings),
 * the game day's storm comes and goes, scenarios without chaos leave it to `POST /chaos`, and what the demo prints
 * about it.
 */
import { createChaos } from 'agent-resilience';
import { describe, expect, it } from 'vitest';
import { describeChaos, injectedBetween, injectedLine, injectFaults, switchOnCommand } from './demo-chaos.js';
import { STORM_REQUEST } from './game-day.js';
import { SCENARIOS, Schedule } from './scenario.js';

describe('scenario phases switch chaos injection', () => {
  it.each(Object.entries(SCENARIOS))(
    '%s: every phase’s faults are settings a controller accepts',
    (_, phases) => {
      const chaos = createChaos();
      for (const phase of phases) {
        injectFaults(chaos, phase.chaos);
        expect(chaos.state()).toMatchObject({
          enabled: phase.chaos !== undefined,
          faults: (phase.chaos ?? []).map(f => expect.objectContaining(f)),
        });
      }
    },
  );

  it('game-day: a baseline, a 429 storm on 80 % of the attempts, then chaos off', () => {
    const schedule = new Schedule('game-day', 300_000);
    expect(schedule.drivesChaos).toBe(true);
    expect(schedule.phases.map(p => p.chaos)).toEqual([
      undefined,
      [{ fault: 'rate_limited', rate: 0.8, retryAfterMs: 1_000 }],
      undefined,
    ]);
    // The storm lasts 150 s at --duration 300: long enough for the budget alert (about 2 min) to fire.
    expect(schedule.at(60_000).phase.name).toBe('429 storm (chaos)');
    expect(schedule.at(209_000).phase.name).toBe('429 storm (chaos)');
    expect(schedule.at(211_000).phase.name).toBe('storm off');
  });

  it('steady leaves chaos alone: POST /chaos and AGENT_RESILIENCE_CHAOS decide', () => {
    expect(new Schedule('steady', 60_000).drivesChaos).toBe(false);
  });

  it('the storm the demo prints to curl is the game day’s', () => {
    const chaos = createChaos();
    chaos.configure(JSON.parse(STORM_REQUEST));
    expect(chaos.state()).toMatchObject({
      enabled: true,
      faults: [{ fault: 'rate_limited', rate: 0.8, retryAfterMs: 1_000 }],
    });
  });
});

describe('what the demo prints about chaos', () => {
  it('describes what is injected, in one line', () => {
    const chaos = createChaos();
    expect(describeChaos(chaos.state())).toBe('off');
    chaos.configure({
      enabled: true,
      faults: [
        { fault: 'rate_limited', rate: 0.8 },
        { fault: 'latency', rate: 0.04, latencyMs: 1_500 },
      ],
    });
    expect(describeChaos(chaos.state())).toBe('on: rate_limited 80 %, latency 4 %');
    chaos.configure({ scope: { tenants: ['acme'] } });
    expect(describeChaos(chaos.state())).toBe('on: rate_limited 80 %, latency 4 % (only tenants acme)');
    chaos.disable();
    expect(describeChaos(chaos.state())).toBe('off');
  });

  it('counts the injections of a cycle per fault, and says nothing when there were none', () => {
    const state = createChaos().state();
    const after = { ...state, injections: { ...state.injections, rate_limited: 12, latency: 3 } };
    expect(injectedBetween(state, after)).toEqual([
      ['rate_limited', 12],
      ['latency', 3],
    ]);
    expect(injectedLine(state, after)).toBe(
      'Chaos injected into the primary model\'s attempts (a rehearsal): rate_limited 12, latency 3 (resilience_chaos_injections_total; injected errors carry resilience_chaos_injected="true")',
    );
    expect(injectedLine(after, after)).toBeUndefined();
  });

  it('prints the curl of a storm with the token it made up, or with the variable the user set', () => {
    const url = 'http://127.0.0.1:9465';
    const made = switchOnCommand(url, { token: 'tok-0123456789abcdef', fromEnv: false });
    expect(made).toBe(
      `curl -H "authorization: Bearer tok-0123456789abcdef" -H 'content-type: application/json' -X POST ${url}/chaos -d '${STORM_REQUEST}'`,
    );
    const given = switchOnCommand(url, { token: 'secret-of-the-user-0123', fromEnv: true });
    expect(given).toContain('Bearer $AGENT_RESILIENCE_MONITOR_TOKEN');
    expect(given).not.toContain('secret-of-the-user');
  });
});
