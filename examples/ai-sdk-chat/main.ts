/**
 * `npm run ai-sdk-chat -w examples`: an AI SDK support chat (streamText, `@ai-sdk/openai`) made resilient by one
 * `withResilience` wrap, against the local fault-injecting provider (no API key, nothing leaves the machine). Each
 * turn meets one fault: a 429 with Retry-After, a stall before the first chunk, a connection dropped mid-answer
 * (a second model continues it), an outage (the fallback model serves and the breaker opens).
 */
import { FakeLlmProvider } from '../fake-providers/index.js';
import { continuingAnswer, runConversation } from './scenario.js';

const provider = await FakeLlmProvider.start({ answer: continuingAnswer });
try {
  await runConversation(provider, {
    start: turn =>
      process.stdout.write(
        `you: ${turn.question}\n  fault:    ${turn.fault}\n  expected: ${turn.handling}\nassistant: `,
      ),
    write: text => process.stdout.write(text),
    end: ({ error, requests, retries, breakers }) => {
      process.stdout.write('\n');
      if (error !== undefined) console.log(`  the stream ended with ${(error as Error).name}`);
      console.log(`  requests: ${requests.join(', ')}`);
      if (retries.length > 0) console.log(`  retries:  ${retries.join('; ')}`);
      const states = Object.entries(breakers).map(([model, state]) => `${model} ${state}`);
      console.log(`  breakers: ${states.join(', ')}\n`);
    },
  });
} finally {
  await provider.close();
}
