/**
 * Issue 8 §2.6 as properties, for `createAgent` and `agent.run`: any invalid option is refused at construction (or
 * when the run starts) with a TypeError or RangeError naming it; any valid options construct (or run); nothing
 * else is ever thrown. The run, tool and model options are `createPolicy`'s, whose own properties replace each
 * of them several times (`validation.property.test.ts`); here they are sampled.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  construct,
  expectConstructedOrRefused,
  expectRefusal,
  oneAnything,
  oneInvalid,
  validOf,
} from '../test-support/option-arbitraries.js';
import { AGENT, AGENT_RUN } from '../test-support/policy-option-specs.js';
import { createAgent } from './create-agent.js';

const RUNS = { numRuns: 200 };

describe('createAgent options', () => {
  const make = (options: unknown) => construct(() => createAgent('a', options as never));

  it('constructs with any valid options', () => {
    fc.assert(
      fc.property(validOf(AGENT), options => {
        expect(make(options)).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('refuses any invalid option with a TypeError or RangeError naming it', () => {
    fc.assert(
      fc.property(oneInvalid(AGENT), ({ options, path }) => {
        expectRefusal(make(options), path);
      }),
      RUNS,
    );
  });

  it('constructs or refuses (never crashes) whatever the options or the name', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          oneAnything(AGENT).map(o => o.options),
        ),
        options => {
          expectConstructedOrRefused(make(options));
        },
      ),
      RUNS,
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string({ maxLength: 70 })), name => {
        expectConstructedOrRefused(construct(() => createAgent(name as never, { registry: null })));
      }),
      RUNS,
    );
  });
});

describe('agent.run options', () => {
  const run = async (options: unknown) => {
    const agent = createAgent('a', { registry: null, retry: false });
    try {
      return await agent.run(() => 'ran', options as never);
    } catch (error) {
      return error;
    } finally {
      agent.dispose();
    }
  };

  it('runs with any valid options', async () => {
    await fc.assert(
      fc.asyncProperty(validOf(AGENT_RUN), async options => {
        expect(await run(options)).toBe('ran');
      }),
      RUNS,
    );
  });

  it('refuses any invalid option naming it', async () => {
    await fc.assert(
      fc.asyncProperty(oneInvalid(AGENT_RUN), async ({ options, path }) => {
        expectRefusal(await run(options), path);
      }),
      RUNS,
    );
  });

  it('runs or refuses (never crashes) whatever the options', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          oneAnything(AGENT_RUN).map(o => o.options),
        ),
        async options => {
          const outcome = await run(options);
          if (outcome !== 'ran') expectRefusal(outcome);
        },
      ),
      RUNS,
    );
  });
});
